/**
 * What-if experiments at fleet scale: the public API of the sweep engine, for the CLI
 * (`iommu-lab sweep`) and for notebooks. An experiment (a file name or an object) is validated
 * exactly as the CLI does it; bad input throws an InputError naming the JSON path.
 *
 *   const rows = await runExperiment("experiments/vfio-vs-iommufd-intel-client.json");
 *   const result = await runSweep({ name: "x", platform: { preset: "arm-server-2x-smmuv3" }, devices: 1000, consumer: "iommufd" });
 */
import { runCells, type RunOptions } from "./cells.ts";
import { type Experiment, toExperiment } from "./load.ts";
import type { SweepResult } from "./report.ts";
import type { SweepRow } from "./tally.ts";

export { ExperimentSchema, CONSUMERS, type ConsumerKind, type ExperimentInput } from "./schema.ts";
export { loadExperiment, resolveExperiment, defaultDist, type Experiment, type DeviceTemplate, type Dist, type PropDist } from "./load.ts";
export { makeFleet, fleetJson, fleetPlatform, groupDevices, classKey, type Fleet, type GroupClass } from "./fleet.ts";
export { runCompressed, countingDrivers, describeDomain, type EngineOptions } from "./compressed.ts";
export { runReference } from "./reference.ts";
export { sweepCells, type EngineName, type RunOptions } from "./cells.ts";
export { ROW_COLUMNS, variantLabel, type Cell, type CellResult, type CellStats, type SweepRow } from "./tally.ts";
export { SweepLimitError, type Req } from "./runner.ts";
export { sweepCsv, sweepText, sweepCharts, sweepHtml, writeSweepOutputs, type ChartFile, type SweepResult } from "./report.ts";

function platformName(e: Experiment): string {
  const p = e.platform;
  return p.kind === "preset" ? `preset ${p.name} (${p.order})` : `generated: ${p.instances} instances of ${p.drivers.map((d) => d.id).join(", ")}`;
}

/** Run a sweep and return everything it produced. */
export async function runSweep(input: string | object, opts: RunOptions = {}): Promise<SweepResult> {
  const exp = toExperiment(input);
  const results = await runCells(exp, opts);
  return {
    experiment: {
      name: exp.name,
      description: exp.description,
      platform: platformName(exp),
      devices: exp.devices,
      consumers: exp.consumers,
      eras: exp.eras,
      variants: exp.variants,
      seeds: exp.seeds,
      contextSize: exp.contextSize,
      engine: opts.engine ?? "compressed",
    },
    rows: results.flatMap((r) => r.rows),
    stats: results.map((r) => ({ cell: r.cell.index, ...r.stats })),
  };
}

/** Run a sweep and return the tidy rows (see SweepRow). */
export async function runExperiment(input: string | object, opts: RunOptions = {}): Promise<SweepRow[]> {
  return (await runSweep(input, opts)).rows;
}
