/**
 * `npm run bench`: how fast the sweep engine is, from one run, printed as a table and as JSON.
 *
 *  1. Attach attempts per second on a 100,000-device mixed fleet (experiments/mixed-fleet-all-eras.json
 *     cut to 10^5 devices), traces off, one thread, VFIO type1 and iommufd's auto-domain search,
 *     era mainline-2025: the compressed engine (attempts it accounts for / wall time), and the
 *     library run device by device (the reference engine) on the same fleet. Engine and limit
 *     loop are timed warm: the median of 15 runs after 10 warm-up runs (the engine's first,
 *     cold run is 3-5x slower while the JIT compiles; it is printed too).
 *  2. The practical limit: a minimal loop over typed arrays doing the same searches with only
 *     the compatibility predicate (same instance and properties), and the ratios to it; and the
 *     floor the library itself sets: the transitions the engine had to simulate, at the
 *     library's own cost per transition (from the per-device run); the engine time that 30% of
 *     the limit would need; and, to size the one idea left for it, the engine on the same
 *     groups with one instance per spec (instancesMerged). Both ratios again at 10^6 devices,
 *     where the engine's fixed cost (its simulated transitions) is spread over ten times as
 *     many groups.
 *  3. Sweep wall time (a fresh process running runSweep, all six eras) for 10^4, 10^5 and 10^6 devices,
 *     one thread and the default (one per core), with the growth per 10x and the speed-up;
 *     the curve is drawn to build/bench/sweep-growth.svg.
 *  4. Peak memory per device: the 10^6-device sweep's peak RSS minus a 10^3-device one's.
 *  0. The waits users see, as ratios to a baseline from the same run (scripts/bench-waits.ts),
 *     printed as lines `ratio NAME: X` after the table: cli/node, import/empty-cell (needs
 *     Jupyter and `bash scripts/setup.sh`), attach/minimal; and engine/per-device, engine/floor
 *     from scripts/bench-engine.ts (`engineRatios()`); loader/linear, the scenario loader at 60,000
 *     devices over 4x its time at 15,000 (about 1 when linear).
 * `--only NAME` (repeatable) runs only some parts: cli, notebook, attach, loader (0), engine (1, 2),
 * sweep (3, 4).
 * Not a test: nothing here passes or fails.
 */
// First: the command line (it exits on --help or a bad flag before the rest loads).
import { childArgs, only } from "./bench-args.ts";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { barChart, renderSvg } from "../lib/chart/index.ts";
import { table } from "../tools/cli/table.ts";
import { attachOverMinimal, cliOverNode, importOverEmptyCell, loaderLinear, type Ratio } from "./bench-waits.ts";
import { engineRatios } from "./bench-engine.ts";
import { classKey, type Experiment, type Fleet, type GroupClass, loadExperiment, makeFleet, runCompressed, runReference, runSweep, sweepCells } from "../tools/sweep/index.ts";

const root = path.resolve(__dirname, "..");
const FLEET = path.join(root, "experiments/mixed-fleet-all-eras.json");
const outDir = path.join(root, "build/bench");

function experiment(devices: number, consumer: "vfio-type1" | "iommufd", eras: Experiment["eras"]): Experiment {
  return { ...loadExperiment(FLEET), devices, consumers: [consumer], eras };
}

/**
 * Steady-state timing of f (ms): the median of `n` runs after `warm` warm-up runs, so the JIT
 * has compiled the hot paths of both the engine and the limit loop; `first` is the first run
 * of all (cold), for the record. With warm = 0 and n = 1 it is one cold run.
 */
function steady<T>(warm: number, n: number, f: () => T): { ms: number; first: number; value: T } {
  const ts: number[] = [];
  let value!: T;
  for (let i = 0; i < warm + n; i++) {
    const t = performance.now();
    value = f();
    ts.push(performance.now() - t);
  }
  const runs = ts.slice(warm).sort((a, b) => a - b);
  return { ms: runs[n >> 1]!, first: ts[0]!, value };
}

/** Warm-up runs and timed runs for the 10^5 / 10^6 engine and limit figures. */
const WARM = 10;
const RUNS = 15;

function attemptsOf(rows: ReadonlyArray<{ attempts: number }>): number {
  return rows.reduce((n, r) => n + r.attempts, 0);
}

/**
 * The practical limit: the consumers' searches over typed arrays, where "compatible" is one
 * integer comparison (same instance and same first-device properties) and an attempt is
 * counted as the consumers count them.
 */
function limitLoop(fleet: Fleet, consumer: "vfio-type1" | "iommufd"): number {
  const keys = new Map<string, number>();
  const compat = new Int32Array(fleet.classes.length);
  const driver = new Int32Array(fleet.classes.length);
  const drivers = new Map<string, number>();
  fleet.classes.forEach((c, i) => {
    const k = `${c.instance}|${JSON.stringify(c.members[0]!.props)}`;
    if (!keys.has(k)) keys.set(k, keys.size);
    compat[i] = keys.get(k)!;
    const d = fleet.instances[c.instance]!.driver;
    if (!drivers.has(d)) drivers.set(d, drivers.size);
    driver[i] = drivers.get(d)!;
  });
  const list = new Int32Array(fleet.classOf.length);
  const listDriver = new Int32Array(fleet.classOf.length);
  let n = 0;
  let attempts = 0;
  const classOf = fleet.classOf;
  for (let g = 0; g < classOf.length; g++) {
    const c = compat[classOf[g]!]!;
    const d = driver[classOf[g]!]!;
    let found = false;
    if (consumer === "iommufd") {
      for (let i = 0; i < n; i++) {
        attempts++;
        if (list[i] === c) {
          found = true;
          break;
        }
      }
      if (!found) attempts++;
    } else {
      attempts++; // attach the new domain
      for (let i = 0; i < n; i++) {
        if (listDriver[i] !== d) continue;
        attempts++; // try the merge
        if (list[i] === c) {
          found = true;
          break;
        }
        attempts++; // back to the new domain
      }
    }
    if (!found) {
      list[n] = c;
      listDriver[n++] = d;
    }
  }
  return attempts;
}

/**
 * The same groups with every instance replaced by the first instance of the same spec (driver
 * and properties): roughly what an engine could simulate at best if it shared transitions
 * between interchangeable instances, which this engine does not (its unit is class x instance).
 * Not the same experiment: pools (context banks) are per instance and attaches across
 * instances of one driver may fail, so its outcomes differ slightly; it only sizes that idea.
 */
function instancesMerged(fleet: Fleet): Fleet {
  const firstOfSpec = new Map<string, number>();
  const rep = fleet.instances.map((inst, i) => {
    const spec = `${inst.driver}${JSON.stringify(inst.props)}`;
    if (!firstOfSpec.has(spec)) firstOfSpec.set(spec, i);
    return firstOfSpec.get(spec)!;
  });
  const classes: GroupClass[] = [];
  const index = new Map<string, number>();
  const to = fleet.classes.map((c) => {
    const instance = rep[c.instance]!;
    const key = classKey(instance, c.members);
    let i = index.get(key);
    if (i === undefined) {
      i = classes.length;
      classes.push({ key, instance, members: c.members });
      index.set(key, i);
    }
    return i;
  });
  return { ...fleet, classes, classOf: fleet.classOf.map((c) => to[c]!) };
}

interface ChildResult {
  ms: number;
  maxRssKB: number;
}

/** Run `iommu-lab sweep` in a fresh process; wall time as the user sees it, and the child's peak RSS. */
function cliSweep(devices: number, workers: number): ChildResult {
  const file = path.join(os.tmpdir(), `iommu-lab-bench-${process.pid}-${devices}.json`);
  const raw = JSON.parse(fs.readFileSync(FLEET, "utf8")) as Record<string, unknown>;
  fs.writeFileSync(file, JSON.stringify({ ...raw, devices }));
  const t = performance.now();
  const r = spawnSync(process.execPath, ["--require", "tsx/cjs", __filename, "--child", file, String(workers)], { encoding: "utf8", cwd: root });
  const ms = performance.now() - t;
  fs.rmSync(file);
  if (r.status !== 0) throw new Error(`child sweep failed: ${r.stderr}`);
  return { ms, maxRssKB: (JSON.parse(r.stdout) as { maxRssKB: number }).maxRssKB };
}

async function child(file: string, workers: number): Promise<void> {
  await runSweep(file, { workers });
  console.log(JSON.stringify({ maxRssKB: process.resourceUsage().maxRSS }));
}

/** The parts named by `--only NAME` (all when there is none). */
async function main(want: (part: string) => boolean): Promise<void> {
  fs.mkdirSync(outDir, { recursive: true });
  const rows: string[][] = [];
  const json: Record<string, unknown> = { machine: { cpus: os.availableParallelism(), node: process.version } };

  // 0: the waits users see.
  const ratios: Ratio[] = [];
  if (want("cli")) ratios.push(cliOverNode());
  if (want("notebook")) {
    const cells = importOverEmptyCell();
    if (cells) ratios.push(...cells);
    else rows.push(["0. import/empty-cell", "-", "needs /usr/bin/python3 with Jupyter and the kernelspec: run `bash scripts/setup.sh`"]);
  }
  if (want("attach")) ratios.push(attachOverMinimal());
  if (want("loader")) ratios.push(loaderLinear());
  if (want("engine")) ratios.push(...engineRatios());
  for (const r of ratios) rows.push([`0. ${r.name}`, `x${r.ratio.toFixed(2)}`, r.detail]);
  json["ratios"] = Object.fromEntries(ratios.map((r) => [r.name, r.ratio]));

  // 1 + 2: attempts per second.
  const speed: Record<string, unknown> = {};
  for (const consumer of want("engine") ? (["vfio-type1", "iommufd"] as const) : []) {
    const exp = experiment(100_000, consumer, ["mainline-2025"]);
    const cell = sweepCells(exp)[0]!;
    const fleet = makeFleet(exp, cell.seed);
    // The first run also learns which drivers count their domains (a restart); it is the cold figure.
    const eng = steady(WARM, RUNS, () => runCompressed(exp, fleet, cell));
    const engAttempts = attemptsOf(eng.value.rows);
    const lim = steady(WARM, RUNS, () => limitLoop(fleet, consumer));
    const merged = instancesMerged(fleet);
    const shared = steady(WARM, RUNS, () => runCompressed(exp, merged, cell));
    const lib = steady(0, 1, () => runReference(exp, fleet, cell));
    const libAttempts = attemptsOf(lib.value.rows);
    const rate = (a: number, ms: number) => (a / ms) * 1000;
    const exp6 = experiment(1_000_000, consumer, ["mainline-2025"]);
    const fleet6 = makeFleet(exp6, cell.seed);
    const eng6 = steady(WARM >> 1, RUNS >> 1, () => runCompressed(exp6, fleet6, cell));
    const lim6 = steady(WARM >> 1, RUNS >> 1, () => limitLoop(fleet6, consumer));
    const s = {
      engine: { devices: 100_000, attempts: engAttempts, ms: eng.ms, firstRunMs: eng.first, perSecond: rate(engAttempts, eng.ms), simulated: eng.value.stats.simulated, groups: eng.value.stats.groups },
      limit: { devices: 100_000, attempts: lim.value, ms: lim.ms, perSecond: rate(lim.value, lim.ms) },
      libraryPerDevice: { devices: 100_000, attempts: libAttempts, ms: lib.ms, perSecond: rate(libAttempts, lib.ms) },
      engineOverLimit: rate(engAttempts, eng.ms) / rate(lim.value, lim.ms),
      libraryOverLimit: rate(libAttempts, lib.ms) / rate(lim.value, lim.ms),
      /** Both handle the same groups; the limit loop's stricter predicate makes it try more domains. */
      engineOverLimitPerGroup: lim.ms / eng.ms,
      /**
       * The library's cost alone for the transitions the engine simulated (each group makes two,
       * probe and request, in the per-device run), over the engine's time, and as a share of the
       * limit: what no amount of engine tuning gets below without simulating fewer transitions.
       */
      libraryFloorMs: (lib.ms / (2 * eng.value.stats.groups)) * eng.value.stats.simulated,
      /** The engine's time that would give 30% of the limit's attempts per second. */
      budgetMsFor30: (engAttempts / (0.3 * rate(lim.value, lim.ms))) * 1000,
      /** The same groups on one instance per spec (instancesMerged): an engine sharing transitions between instances, at best. */
      instancesMerged: {
        instances: new Set(merged.classes.map((c) => c.instance)).size,
        classes: merged.classes.length,
        simulated: shared.value.stats.simulated,
        ms: shared.ms,
        attempts: attemptsOf(shared.value.rows),
        engineOverLimit: rate(engAttempts, shared.ms) / rate(lim.value, lim.ms),
      },
      at1e6: {
        engineMs: eng6.ms,
        limitMs: lim6.ms,
        engineOverLimit: rate(attemptsOf(eng6.value.rows), eng6.ms) / rate(lim6.value, lim6.ms),
        engineOverLimitPerGroup: lim6.ms / eng6.ms,
        simulated: eng6.value.stats.simulated,
        groups: eng6.value.stats.groups,
      },
    };
    speed[consumer] = s;
    const f = (x: number) => Math.round(x).toLocaleString("en-US");
    rows.push([`1. engine, ${consumer}`, `${f(s.engine.perSecond)} attempts/s`, `${f(engAttempts)} attempts, 10^5 devices, ${s.engine.ms.toFixed(1)} ms warm (first run ${s.engine.firstRunMs.toFixed(0)} ms); ${s.engine.simulated} transitions simulated for ${s.engine.groups} groups x 2`]);
    rows.push([`1. library per device, ${consumer}`, `${f(s.libraryPerDevice.perSecond)} attempts/s`, `${f(libAttempts)} attempts, 10^5 devices, ${s.libraryPerDevice.ms.toFixed(0)} ms`]);
    rows.push([`2. limit loop, ${consumer}`, `${f(s.limit.perSecond)} attempts/s`, `${f(lim.value)} attempts, 10^5 devices, ${s.limit.ms.toFixed(1)} ms warm`]);
    rows.push([`2. engine / limit, ${consumer}`, `${(100 * s.engineOverLimit).toFixed(2)}%`, `per group (same ${s.engine.groups} groups): ${(100 * s.engineOverLimitPerGroup).toFixed(1)}%; library per device / limit: ${(100 * s.libraryOverLimit).toFixed(4)}%`]);
    rows.push([`2. library floor, ${consumer}`, `${s.libraryFloorMs.toFixed(0)} ms`, `${s.engine.simulated} simulated transitions at the library's ${((1000 * lib.ms) / (2 * s.engine.groups)).toFixed(1)} us each: ${((100 * s.libraryFloorMs) / s.engine.ms).toFixed(0)}% of the engine's time; per-group ceiling ${((100 * s.limit.ms) / s.libraryFloorMs).toFixed(1)}% of the limit`]);
    const m = s.instancesMerged;
    rows.push([
      `2. budget for 30%, ${consumer}`,
      `${s.budgetMsFor30.toFixed(1)} ms`,
      `the engine's time for 30% of the limit's attempts/s; sharing transitions between instances of one spec would at best give ${(100 * m.engineOverLimit).toFixed(1)}%: ${m.simulated} transitions, ${m.ms.toFixed(1)} ms (same groups on ${m.instances} instances, ${m.classes} classes; ${f(m.attempts)} attempts)`,
    ]);
    rows.push([`2. engine / limit at 10^6, ${consumer}`, `${(100 * s.at1e6.engineOverLimit).toFixed(1)}%`, `per group ${(100 * s.at1e6.engineOverLimitPerGroup).toFixed(1)}%; engine ${eng6.ms.toFixed(0)} ms (${eng6.value.stats.simulated} transitions simulated for ${eng6.value.stats.groups} groups x 2), limit ${lim6.ms.toFixed(1)} ms`]);
  }
  if (want("engine")) json["attemptsPerSecond"] = speed;
  if (want("sweep")) await sweepParts(rows, json);

  console.log(table(["measure", "figure", "detail"], rows));
  if (want("engine")) {
    console.log(
      "\nNote: the limit loop's predicate (same instance and first-device properties) is stricter than the drivers', so it tries more domains than the engine accounts for; 'per group' compares the same groups.",
    );
  }
  if (want("sweep")) console.log(`Chart: ${path.relative(root, path.join(outDir, "sweep-growth.svg"))}`);
  console.log("");
  for (const r of ratios) console.log(`ratio ${r.name}: ${r.ratio.toFixed(2)}`);
  if (ratios.length) console.log("");
  console.log(JSON.stringify(json, null, 2));
}

/** 3 and 4: sweep wall time by size and threads, and memory per device. */
async function sweepParts(rows: string[][], json: Record<string, unknown>): Promise<void> {
  // 3: growth and workers.
  const sizes = [10_000, 100_000, 1_000_000];
  const threads = [1, os.availableParallelism()];
  const growth: Array<{ devices: number; workers: number; ms: number; maxRssKB: number }> = [];
  for (const n of sizes) for (const w of threads) growth.push({ devices: n, workers: w, ...cliSweep(n, w) });
  const at = (n: number, w: number) => growth.find((g) => g.devices === n && g.workers === w)!;
  for (const w of threads) {
    const per = sizes.slice(1).map((n, i) => at(n, w).ms / at(sizes[i]!, w).ms);
    rows.push([`3. sweep, all 6 eras, ${w} thread${w > 1 ? "s" : ""}`, `${(at(1_000_000, w).ms / 1000).toFixed(2)} s for 10^6`, `${sizes.map((n) => `${n.toExponential(0)}: ${(at(n, w).ms / 1000).toFixed(2)} s`).join(", ")}; x${per.map((p) => p.toFixed(2)).join(", x")} per 10x devices`]);
  }
  const speedup = at(1_000_000, 1).ms / at(1_000_000, threads[1]!).ms;
  rows.push([`3. speed-up from ${threads[1]} threads`, `x${speedup.toFixed(2)}`, `10^6 devices; x${(at(100_000, 1).ms / at(100_000, threads[1]!).ms).toFixed(2)} at 10^5`]);
  json["sweep"] = { eras: 6, runs: growth, speedup };
  const chart = barChart({
    title: "iommu-lab sweep wall time, all six eras",
    data: growth.map((g) => ({ devices: g.devices.toExponential(0), seconds: Math.round(g.ms) / 1000, threads: String(g.workers) })),
    x: "devices",
    y: "seconds",
    color: "threads",
  });
  fs.writeFileSync(path.join(outDir, "sweep-growth.svg"), await renderSvg(chart));

  // 4: memory per device (one thread, so the worker isolates do not count).
  const base = cliSweep(1_000, 1);
  const big = at(1_000_000, 1);
  const perDevice = ((big.maxRssKB - base.maxRssKB) * 1024) / (1_000_000 - 1_000);
  const perDeviceThreads = ((at(1_000_000, threads[1]!).maxRssKB - base.maxRssKB) * 1024) / (1_000_000 - 1_000);
  rows.push(["4. peak memory per device", `${perDevice.toFixed(0)} B`, `peak RSS ${(big.maxRssKB / 1024).toFixed(0)} MB at 10^6 vs ${(base.maxRssKB / 1024).toFixed(0)} MB at 10^3 (one thread); ${perDeviceThreads.toFixed(0)} B with ${threads[1]} threads`]);
  json["memory"] = { bytesPerDevice: perDevice, bytesPerDeviceWithThreads: perDeviceThreads, peakRssKB1e6: big.maxRssKB, peakRssKB1e3: base.maxRssKB };
}

// "--child FILE W" is how cliSweep starts its fresh processes; everything else is the user's.
if (childArgs) void child(childArgs.file, childArgs.workers);
else {
  main((part) => only.length === 0 || only.includes(part)).catch((e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  });
}
