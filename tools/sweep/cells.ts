/**
 * Running the cells of a sweep (consumer x era x variant set x seed), in this thread or spread
 * over worker threads. Cells are independent: each builds its own kernel from the fleet of its
 * seed (generated once per thread). Results come back in cell order whatever thread ran them,
 * so the output does not depend on the number of workers.
 */
import * as os from "node:os";
import * as path from "node:path";
import { Worker } from "node:worker_threads";
import { LabArgumentError } from "../../lib/model.ts";
import { InputError } from "../../lib/scenario/load.ts";
import { countingDrivers, type EngineOptions, GroupingDoesNotPay, knowCountingDrivers, runCompressed } from "./compressed.ts";
import { type Fleet, makeFleet } from "./fleet.ts";
import { type Experiment, PRESET_DIR } from "./load.ts";
import { runReference } from "./reference.ts";
import { SweepLimitError } from "./runner.ts";
import type { Cell, CellResult } from "./tally.ts";

export type EngineName = "compressed" | "reference";

export interface RunOptions {
  /** Worker threads; 1 runs in this thread. Default: one per core for large sweeps, else 1. */
  workers?: number;
  /** "compressed" (default: grouped where that pays, else device by device) or "reference" (every device through the library). */
  engine?: EngineName;
  /** Check the compressed engine's assumptions as it runs (slow). */
  verify?: boolean;
  /** Progress: transitions done so far, and in total (two per group and cell: probe, request). */
  onProgress?: (done: number, total: number) => void;
}

export function sweepCells(exp: Experiment): Cell[] {
  const cells: Cell[] = [];
  for (const consumer of exp.consumers) {
    for (const era of exp.eras) {
      for (const variants of exp.variants) {
        for (const seed of exp.seeds) cells.push({ index: cells.length, consumer, era, variants, seed });
      }
    }
  }
  return cells;
}

/** Fleets by seed, made once per thread. */
export class FleetCache {
  private readonly fleets = new Map<number, Fleet>();
  constructor(private readonly exp: Experiment) {}
  get(seed: number): Fleet {
    let f = this.fleets.get(seed);
    if (!f) this.fleets.set(seed, (f = makeFleet(this.exp, seed)));
    return f;
  }
}

/**
 * One cell. "compressed" groups devices where that pays and runs the cell per device (the
 * reference engine) where it does not (GroupingDoesNotPay; stats.engine says which ran), so it
 * is never much slower than per device; the rows are the same either way.
 */
export function runCell(exp: Experiment, fleet: Fleet, cell: Cell, engine: EngineName, opts: EngineOptions): CellResult {
  if (engine === "reference") return runReference(exp, fleet, cell, opts);
  let ticked = 0;
  const tick = opts.tick;
  try {
    return runCompressed(exp, fleet, cell, { ...opts, payOff: true, tick: (n) => ((ticked += n), tick?.(n)) });
  } catch (x) {
    if (!(x instanceof GroupingDoesNotPay)) throw x;
  }
  // Progress already reported is not reported twice.
  let skip = ticked;
  return runReference(exp, fleet, cell, {
    ...opts,
    tick: (n) => {
      const k = Math.min(skip, n);
      skip -= k;
      if (n > k) tick?.(n - k);
    },
  });
}

/** An error that crossed a thread boundary, rebuilt as its own class where the CLI needs it. */
export interface WireError {
  name: string;
  message: string;
  where?: string;
  stack?: string;
}

export function toWire(e: unknown): WireError {
  const x = e as Error & { where?: string };
  return { name: x?.name ?? "Error", message: String(x?.message ?? e), ...(x?.where ? { where: x.where } : {}), ...(x?.stack ? { stack: x.stack } : {}) };
}

export function fromWire(w: WireError): Error {
  if (w.name === "SweepLimitError") return new SweepLimitError(w.where ?? "", w.message);
  if (w.name === "LabArgumentError") return new LabArgumentError(w.message);
  if (w.name === "InputError") return new InputError(w.where ?? "", w.message.slice((w.where ?? "").length + 2));
  const e = new Error(w.message);
  e.name = w.name;
  if (w.stack) e.stack = w.stack;
  return e;
}

/**
 * One thread per core but one, for sweeps large enough to pay a worker's start (a few hundred
 * ms): V8's own helper threads (garbage collection, compilation) keep about one core busy
 * during a run, so on a 2-core machine a second thread only adds contention (measured by
 * `npm run bench`).
 */
function defaultWorkers(cells: number, devices: number): number {
  if (!NODE) return 1;
  if (cells < 2 || cells * devices < 1_000_000) return 1;
  return Math.max(1, Math.min(os.availableParallelism() - 1, cells));
}

/** Under Deno (its notebook kernel) sweeps run in one thread unless workers are asked for. */
const NODE = typeof (globalThis as { Deno?: unknown }).Deno === "undefined";
/**
 * A worker thread's entry: under Node worker.cjs (tsx's require hook, then worker-main.ts); Deno
 * runs worker-main.ts itself, found from the project root as the preset folder is (its ES modules
 * have no __dirname, and import.meta would not compile for tslab's CommonJS).
 */
const WORKER_ENTRY = NODE ? path.join(__dirname, "worker.cjs") : path.join(PRESET_DIR, "..", "..", "tools", "sweep", "worker-main.ts");

/** Progress over cells whose sizes are learnt as they start (an estimate stands in until then). */
class Progress {
  private done = 0;
  private readonly totals: number[];
  constructor(
    cells: number,
    estimate: number,
    private readonly report?: (done: number, total: number) => void,
  ) {
    this.totals = new Array<number>(cells).fill(2 * estimate);
  }
  size(cell: number, groups: number): void {
    this.totals[cell] = 2 * groups;
  }
  tick(n: number): void {
    this.done += n;
    this.report?.(this.done, this.totals.reduce((a, b) => a + b, 0));
  }
}

export async function runCells(exp: Experiment, opts: RunOptions = {}): Promise<CellResult[]> {
  const cells = sweepCells(exp);
  const engine = opts.engine ?? "compressed";
  const progress = new Progress(cells.length, exp.devices, opts.onProgress);
  const workers = Math.min(opts.workers ?? defaultWorkers(cells.length, exp.devices), cells.length);
  if (workers <= 1) {
    const cache = new FleetCache(exp);
    return cells.map((c) => {
      const fleet = cache.get(c.seed);
      progress.size(c.index, fleet.classOf.length);
      return runCell(exp, fleet, c, engine, { verify: opts.verify === true, tick: (n) => progress.tick(n) });
    });
  }
  // Drivers this thread already knows to read pools spare the workers a restart.
  return runInWorkers(exp, cells, workers, { engine, verify: opts.verify === true, counting: countingDrivers() }, progress);
}

export interface WorkerInit {
  exp: Experiment;
  engine: EngineName;
  verify: boolean;
  /** Drivers known to count their domains. */
  counting: string[];
}

export type ToWorker = { cell: Cell } | { stop: true };
export type FromWorker = { ready: true } | { progress: number } | { size: { cell: number; groups: number } } | { result: CellResult } | { error: WireError };

/** In a worker: run one cell, reporting its size and progress. */
export function workerCell(init: WorkerInit, cache: FleetCache, cell: Cell, post: (m: FromWorker) => void): void {
  knowCountingDrivers(init.counting);
  try {
    const fleet = cache.get(cell.seed);
    post({ size: { cell: cell.index, groups: fleet.classOf.length } });
    post({ result: runCell(init.exp, fleet, cell, init.engine, { verify: init.verify, tick: (n) => post({ progress: n }) }) });
  } catch (e) {
    post({ error: toWire(e) });
  }
}

/**
 * Run the cells on n threads: this one and n - 1 workers. This thread starts at once; each
 * worker asks for a cell when it is ready (starting one takes a few hundred milliseconds).
 */
async function runInWorkers(exp: Experiment, cells: Cell[], n: number, init: Omit<WorkerInit, "exp">, progress: Progress): Promise<CellResult[]> {
  const results: CellResult[] = new Array(cells.length);
  let next = 0;
  let finished = 0;
  let error: unknown = null;
  let allDone: () => void = () => {};
  const done = new Promise<void>((r) => (allDone = r));
  const take = (): Cell | undefined => (error === null && next < cells.length ? cells[next++] : undefined);
  const complete = (r: CellResult) => {
    results[r.cell.index] = r;
    if (++finished === cells.length) allDone();
  };
  const fail = (e: unknown) => {
    if (error !== null) return;
    error = e;
    allDone();
  };
  const pool: Worker[] = [];
  for (let i = 0; i < n - 1; i++) {
    const w = new Worker(WORKER_ENTRY, { workerData: { ...init, exp } satisfies WorkerInit });
    pool.push(w);
    const feed = () => {
      const c = take();
      if (c) w.postMessage({ cell: c } satisfies ToWorker);
    };
    w.on("message", (m: FromWorker) => {
      if (error !== null) return;
      if ("ready" in m) feed();
      else if ("progress" in m) progress.tick(m.progress);
      else if ("size" in m) progress.size(m.size.cell, m.size.groups);
      else if ("result" in m) {
        complete(m.result);
        feed();
      } else fail(fromWire(m.error));
    });
    w.on("error", fail);
  }
  const cache = new FleetCache(exp);
  for (;;) {
    await new Promise((r) => setImmediate(r)); // let the workers' messages in between cells
    const c = take();
    if (!c) break;
    try {
      const fleet = cache.get(c.seed);
      progress.size(c.index, fleet.classOf.length);
      complete(runCell(exp, fleet, c, init.engine, { verify: init.verify, tick: (k) => progress.tick(k) }));
    } catch (e) {
      fail(e);
    }
  }
  await done;
  await Promise.all(pool.map((w) => w.terminate()));
  if (error !== null) throw error;
  return results;
}
