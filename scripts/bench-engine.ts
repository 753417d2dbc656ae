/**
 * The sweep engine's ratios for `npm run bench` (scripts/bench.ts), CPU time (user + system of
 * this process, so V8's helper threads count) measured back to back in one run:
 *   engine/per-device  the sweep engine ("compressed", which may fall back to per-device
 *                      simulation) over the per-device engine ("reference"): on notebook 07's
 *                      default experiment (all its cells), and on one cell of a 10^6-device mixed
 *                      fleet (experiments/mixed-fleet-all-eras.json, VFIO, mainline-2025)
 *   engine/floor       the engine's time over what the work it could not avoid costs: the
 *                      transitions it simulated x the library's own µs per transition (from the
 *                      per-device run of the same cells) + groups x a bare counting loop's µs per
 *                      group (a loop that adds each group to a count by its class)
 * Warm-up: each engine first runs a small copy of the experiment (its JIT) until it has run at
 * least WARM_TRANSITIONS transitions through the library; then the experiment is measured per
 * engine, the sweep engine first, as the mean of as many runs as fill MEASURE_MS of CPU (one for
 * notebook 07's 1-2 s; about eight for the 10^6 cell's ~30 ms, whose single run swung 1.5-2.8x
 * the floor with where a GC landed). Until Dec 2026 each engine ran the copy once and the
 * per-device engine was measured first, which made the sides unequal on the 10^6 cell:
 * - one run of the copy is 160,000 transitions per device but about 1,300 for the sweep engine,
 *   so the sweep engine's measured run was the one in which V8 optimised its code (0.13-0.16 s
 *   CPU against 0.04-0.05 s after 20,000 transitions, same code), while the floor's µs per
 *   transition comes from 1.6 million transitions, compiled within their first few thousand;
 * - measured after the per-device run, the sweep engine paid for that run's 1.4 GB of garbage
 *   (its young-generation collections took 10-40 ms instead of 2-7).
 */
import * as path from "node:path";
import { type Experiment, type Fleet, loadExperiment, makeFleet, resolveExperiment, sweepCells } from "../tools/sweep/index.ts";
import { runCell, type EngineName } from "../tools/sweep/cells.ts";
import type { CellResult } from "../tools/sweep/tally.ts";
import type { Ratio } from "./bench-waits.ts";

const root = path.resolve(__dirname, "..");

/** Notebook 07's parameters cell as it ships (notebooks/07-what-if.ipynb). */
export const NOTEBOOK_07 = {
  name: "07-what-if: spreadtrum-soc",
  platform: { preset: "spreadtrum-soc", order: "listed" },
  devices: 12_000,
  consumer: ["vfio-type1", "direct"],
  contextSize: 6,
  eras: ["pre-2022", "emediumtype-2022", "einval-6.2", "mainline-2025"],
  variants: [[], ["emediumtype-2022:v1"]],
  seeds: [1],
};

function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

interface Run {
  ms: number;
  results: CellResult[];
}

function run(exp: Experiment, fleets: Map<number, Fleet>, engine: EngineName, cells = sweepCells(exp)): Run {
  const t = cpuMs();
  const results = cells.map((c) => runCell(exp, fleets.get(c.seed)!, c, engine, {}));
  return { ms: cpuMs() - t, results };
}

/** CPU a measured figure must fill at least (see measured()). */
export const MEASURE_MS = 250;

/**
 * The engine's measured run: repeated until the runs fill MEASURE_MS of CPU (once when one run
 * does), its time the mean per run. One run of a 10^6 cell is ~30 ms, in which one young-
 * generation GC (3-16 ms) lands or not: the mean counts it as often as it comes, where a single
 * run counted it wholly or not at all. Every repeat must give the same rows.
 */
function measured(exp: Experiment, fleets: Map<number, Fleet>, engine: EngineName, cells: ReturnType<typeof sweepCells>): Run {
  const first = run(exp, fleets, engine, cells);
  const rows = JSON.stringify(first.results.map((r) => r.rows));
  let ms = first.ms;
  let n = 1;
  while (ms < MEASURE_MS) {
    const again = run(exp, fleets, engine, cells);
    if (JSON.stringify(again.results.map((r) => r.rows)) !== rows) throw new Error(`${engine}: a repeated run of ${exp.name} gave other rows`);
    ms += again.ms;
    n++;
  }
  return { ms: ms / n, results: first.results };
}

function fleetsOf(exp: Experiment): Map<number, Fleet> {
  return new Map(exp.seeds.map((s) => [s, makeFleet(exp, s)]));
}

/** µs per group of a bare loop counting each group by its class (the least a tally of n groups costs). */
function countingLoopUs(fleet: Fleet): number {
  const counts = new Float64Array(fleet.classes.length);
  const { classOf } = fleet;
  let reps = 0;
  const t = cpuMs();
  do {
    for (let j = 0; j < classOf.length; j++) counts[classOf[j]!]!++;
    reps++;
  } while (cpuMs() - t < 50);
  const us = ((cpuMs() - t) * 1000) / (reps * classOf.length);
  if (counts[0] === -1) console.log(""); // keep the loop's result alive
  return us;
}

const sum = (rs: CellResult[], f: (r: CellResult) => number) => rs.reduce((a, r) => a + f(r), 0);

interface Compared {
  engine: Run;
  perDevice: Run;
  floorMs: number;
}

/** Transitions each engine runs through the library before it is measured (see the top). */
export const WARM_TRANSITIONS = 20_000;

function warmUp(exp: Experiment, fleets: Map<number, Fleet>, engine: EngineName, cells: ReturnType<typeof sweepCells>): void {
  let simulated = 0;
  do simulated += sum(run(exp, fleets, engine, cells).results, (r) => r.stats.simulated);
  while (simulated < WARM_TRANSITIONS);
}

function compare(exp: Experiment, cells = sweepCells(exp), warmDevices = 2_000): Compared {
  const warm = { ...exp, devices: Math.min(warmDevices, exp.devices) };
  const warmFleets = fleetsOf(warm);
  warmUp(warm, warmFleets, "reference", cells);
  warmUp(warm, warmFleets, "compressed", cells);
  const fleets = fleetsOf(exp);
  // The sweep engine first, before the per-device run leaves its garbage (see the top).
  const engine = measured(exp, fleets, "compressed", cells);
  const perDevice = measured(exp, fleets, "reference", cells);
  const transitions = perDevice.results.reduce((a, r) => a + r.stats.simulated, 0);
  const libUsPerTransition = (perDevice.ms * 1000) / transitions;
  let floorUs = 0;
  for (const r of engine.results) floorUs += r.stats.simulated * libUsPerTransition + r.stats.groups * countingLoopUs(fleets.get(r.cell.seed)!);
  return { engine, perDevice, floorMs: floorUs / 1000 };
}

function detail(c: Compared): string {
  const e = c.engine.results;
  return `engine ${(c.engine.ms / 1000).toFixed(2)} s CPU (${sum(e, (r) => r.stats.simulated)} transitions simulated, ${sum(e, (r) => r.stats.memoised)} counted, ${e.filter((r) => r.stats.engine === "reference").length}/${e.length} cells per device), per-device ${(c.perDevice.ms / 1000).toFixed(2)} s, floor ${(c.floorMs / 1000).toFixed(2)} s`;
}

export function engineRatios(): Ratio[] {
  const nb = resolveExperiment(NOTEBOOK_07, "notebook 07");
  const a = compare(nb);
  const big = loadExperiment(path.join(root, "experiments/mixed-fleet-all-eras.json"));
  const mixed = { ...big, consumers: ["vfio-type1" as const], eras: ["mainline-2025" as const] };
  const b = compare(mixed, sweepCells(mixed), 100_000);
  return [
    { name: "engine/per-device", ratio: a.engine.ms / a.perDevice.ms, detail: `notebook 07's default experiment: ${detail(a)}` },
    { name: "engine/per-device-1e6", ratio: b.engine.ms / b.perDevice.ms, detail: `10^6-device mixed fleet, VFIO, mainline-2025: ${detail(b)}` },
    { name: "engine/floor", ratio: a.engine.ms / a.floorMs, detail: `notebook 07's default experiment: ${detail(a)}` },
    { name: "engine/floor-1e6", ratio: b.engine.ms / b.floorMs, detail: `10^6-device mixed fleet: ${detail(b)}` },
  ];
}

if (require.main === module) {
  for (const r of engineRatios()) console.log(`ratio ${r.name}: ${r.ratio.toFixed(2)}  (${r.detail})`);
}
