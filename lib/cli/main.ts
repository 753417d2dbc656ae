/**
 * The `iommu-lab` command line.
 *   iommu-lab run <scenario.json> [--era ID] [--variant driver:name]... [--json] [--trace]
 *   iommu-lab eras [--json]
 *   iommu-lab drivers [--json]
 *   iommu-lab matrix [--csv|--json]
 *   iommu-lab sweep <experiment.json> [--out DIR] [--json|--csv] [--workers N]
 * Exit codes: 0 done, 2 bad input (message names the file and JSON path), 1 internal error.
 */
import { parseArgs } from "node:util";
import { ERA_IDS, isEraId } from "../eras";
import { formatLine } from "../log";
import { LabArgumentError } from "../model";
import { writeOutFile } from "../output";
import { InputError, loadScenario } from "../scenario/load";
import { runScenario, type RunResult } from "../scenario/run";
import { sweepCli } from "../sweep/cli";
import { driversData, driversText, erasData, erasText, matrixCsv, matrixData, matrixText } from "./describe";
import { table } from "./table";

const USAGE = `usage:
  iommu-lab run <scenario.json> [--era ID] [--variant driver:name]... [--json] [--trace] [--out FILE]
  iommu-lab eras [--json]
  iommu-lab drivers [--json]
  iommu-lab matrix [--csv|--json]
  iommu-lab sweep <experiment.json> [--out DIR] [--json|--csv] [--workers N]
eras: ${ERA_IDS.join(", ")}`;

class UsageError extends Error {}

function runText(r: RunResult): string {
  const rows = r.steps.map((s) => [
    String(s.index),
    s.op,
    s.target,
    s.errno === "0" ? "0" : s.errno === "-" ? "-" : `-${s.errno}`,
    s.domain ?? "-",
    s.outcome,
    s.attempts !== undefined ? `${s.attempts}/${s.softFailures}/${s.domainsAllocated}` : "",
  ]);
  const out = [`scenario: ${r.scenario}`, `era: ${r.era}${r.variants.length ? `  variants: ${r.variants.join(", ")}` : ""}`, ""];
  out.push(table(["#", "op", "target", "result", "domain", "outcome", "tries/soft/new"], rows), "");
  for (const s of r.steps) {
    if (!s.log.length && !s.detail) continue;
    out.push(`step ${s.index} (${s.op} ${s.target}):`);
    if (s.detail) out.push(`  ${s.detail}`);
    for (const l of s.log) out.push(`  ${formatLine(l)}`);
  }
  const by = Object.entries(r.summary.byOutcome).map(([k, v]) => `${k} ${v}`).join(", ");
  out.push("", `summary: ${r.summary.steps} steps (${by}); ${r.summary.logLines} log lines, ${r.summary.spamLines} at err/warn level; ${r.summary.domainsAllocated} domains allocated`);
  return out.join("\n");
}

function main(argv: string[]): number {
  const { values, positionals } = (() => {
    try {
      return parseArgs({
        args: argv,
        allowPositionals: true,
        options: {
          era: { type: "string" },
          variant: { type: "string", multiple: true },
          json: { type: "boolean" },
          csv: { type: "boolean" },
          trace: { type: "boolean" },
          out: { type: "string" },
          workers: { type: "string" },
          help: { type: "boolean", short: "h" },
        },
      });
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
  })();
  const [cmd, ...rest] = positionals;
  if (values.help || !cmd) {
    console.log(USAGE);
    return values.help ? 0 : 2;
  }
  // With --out the output goes to a file (never the input), through a temporary file: lib/output.
  const emit = (s: string) => (values.out === undefined ? console.log(s) : writeOutFile(values.out, s + "\n", cmd === "run" ? rest : []));
  const print = (data: unknown, text: () => string) => emit(values.json ? JSON.stringify(data, null, 2) : text());
  switch (cmd) {
    case "eras":
      print(erasData(), erasText);
      return 0;
    case "drivers":
      print(driversData(), driversText);
      return 0;
    case "matrix": {
      const rows = matrixData();
      emit(values.json ? JSON.stringify(rows, null, 2) : values.csv ? matrixCsv(rows) : matrixText(rows));
      return 0;
    }
    case "sweep": {
      if (rest.length !== 1) throw new UsageError("sweep takes exactly one experiment file");
      const workers = values.workers === undefined ? undefined : Number(values.workers);
      if (workers !== undefined && !(Number.isInteger(workers) && workers >= 1 && workers <= 64)) throw new UsageError(`--workers: expected an integer from 1 to 64, got "${values.workers}"`);
      return sweepCli(rest[0]!, { out: values.out, json: values.json, csv: values.csv, workers });
    }
    case "run": {
      if (rest.length !== 1) throw new UsageError("run takes exactly one scenario file");
      if (values.era !== undefined && !isEraId(values.era)) throw new UsageError(`--era: unknown era "${values.era}" (expected one of: ${ERA_IDS.join(", ")})`);
      const file = rest[0]!;
      const s = loadScenario(file);
      let r: RunResult;
      try {
        r = runScenario(s, {
          ...(values.era ? { era: values.era as (typeof ERA_IDS)[number] } : {}),
          ...(values.variant ? { variants: values.variant } : {}),
          trace: values.trace === true,
        });
      } catch (e) {
        if (e instanceof LabArgumentError) throw new InputError(file, e.message);
        throw e;
      }
      print(r, () => runText(r));
      return 0;
    }
    default:
      throw new UsageError(`unknown command "${cmd}"`);
  }
}

export function cli(argv: string[]): number {
  try {
    return main(argv);
  } catch (e) {
    if (e instanceof InputError || e instanceof UsageError) {
      console.error(`iommu-lab: ${e.message}${e instanceof UsageError ? " (iommu-lab --help for usage)" : ""}`);
      return 2;
    }
    console.error(`iommu-lab: internal error: ${(e as Error).message}`);
    if (process.env["IOMMU_LAB_DEBUG"]) console.error((e as Error).stack);
    else console.error("(set IOMMU_LAB_DEBUG=1 for the stack trace; please report it)");
    return 1;
  }
}
