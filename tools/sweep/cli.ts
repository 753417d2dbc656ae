/**
 * `iommu-lab sweep <experiment.json> [--out DIR] [--json|--csv] [--workers N]`.
 *
 * The experiment is read and validated synchronously, so bad input ends with exit code 2
 * before anything runs or is written. The sweep itself is asynchronous (worker threads, chart
 * rendering): the exit code is set when it ends. A progress bar goes to stderr when it is a
 * terminal and the sweep takes more than a second.
 */
import { SingleBar } from "cli-progress";
import { inertVariantWarnings } from "../cli/variants.ts";
import { InputError } from "../../lib/scenario/load.ts";
import { LabArgumentError } from "../../lib/model.ts";
import { experimentInputs, loadExperiment } from "./load.ts";
import { checkOutDir } from "../../lib/output.ts";
import { oneLine } from "../../lib/text.ts";
import { runSweep, type SweepResult } from "./index.ts";
import { sweepCharts, sweepCsv, sweepText, writeSweepOutputs } from "./report.ts";
import { SweepLimitError } from "./runner.ts";

export interface SweepCliOptions {
  out?: string | undefined;
  json?: boolean | undefined;
  csv?: boolean | undefined;
  workers?: number | undefined;
}

/** Shows a bar on stderr once a run has lasted a second; nothing when stderr is not a terminal. */
class Progress {
  private bar: SingleBar | null = null;
  private readonly start = Date.now();
  private readonly enabled = process.stderr.isTTY === true;

  update(done: number, total: number): void {
    if (!this.enabled) return;
    if (!this.bar) {
      if (Date.now() - this.start < 1000) return;
      this.bar = new SingleBar({ stream: process.stderr, format: "sweep [{bar}] {percentage}% | {value}/{total} transitions | ETA {eta}s", hideCursor: true, clearOnComplete: true });
      this.bar.start(total, done);
    }
    this.bar.update(done);
  }

  stop(): void {
    this.bar?.stop();
  }
}

async function finish(file: string, result: SweepResult, opts: SweepCliOptions, inputs: readonly string[]): Promise<void> {
  if (opts.out) writeSweepOutputs(opts.out, result, await sweepCharts(result), inputs);
  if (opts.json) console.log(JSON.stringify(result, null, 2));
  else if (opts.csv) process.stdout.write(sweepCsv(result.rows));
  else if (!opts.out) console.log(sweepText(result));
  else console.log(`${sweepText(result)}\n\nwrote ${opts.out}/ (sweep.json, sweep.csv, charts, index.html) for ${file}`);
}

/** Returns 2 for bad input found before the run; otherwise 0 now and the real code when the run ends. */
export function sweepCli(file: string, opts: SweepCliOptions): number {
  const exp = loadExperiment(file); // throws InputError: exit 2, nothing written
  // A variant inert in every era of the sweep only relabels the baseline: say so.
  for (const w of inertVariantWarnings(exp.variants.flat(), exp.eras)) console.error(`iommu-lab: warning: ${w}`);
  const inputs = experimentInputs(exp);
  if (opts.out !== undefined) checkOutDir(opts.out, inputs); // before any work; checked again when writing
  const progress = new Progress();
  runSweep(exp, { ...(opts.workers ? { workers: opts.workers } : {}), onProgress: (d, t) => progress.update(d, t) })
    .then(async (result) => {
      progress.stop();
      await finish(file, result, opts, inputs);
      process.exitCode = 0;
    })
    .catch((e: unknown) => {
      progress.stop();
      if (e instanceof SweepLimitError) {
        console.error(`iommu-lab: ${oneLine(`${file}: ${e.where}: ${e.message}`)}`);
        process.exitCode = 2;
      } else if (e instanceof InputError) {
        console.error(`iommu-lab: ${e.message}`);
        process.exitCode = 2;
      } else if (e instanceof LabArgumentError) {
        console.error(`iommu-lab: ${oneLine(`${file}: ${e.message}`)}`);
        process.exitCode = 2;
      } else {
        console.error(`iommu-lab: internal error: ${(e as Error).message}`);
        if (process.env["IOMMU_LAB_DEBUG"]) console.error((e as Error).stack);
        else console.error("(set IOMMU_LAB_DEBUG=1 for the stack trace; please report it)");
        process.exitCode = 1;
      }
    });
  return 0;
}
