/** `iommu-lab run`: one scenario in one era, as a table or JSON (loaded only when the command runs). */
import { type EraId } from "../../lib/eras.ts";
import { formatLine } from "../../lib/log.ts";
import { LabArgumentError } from "../../lib/model.ts";
import { InputError, loadScenario } from "../../lib/scenario/load.ts";
import { runScenario, type RunResult } from "../../lib/scenario/run.ts";
import { drivers } from "../../hardware/index.ts";
import { table } from "./table.ts";
import { inertVariantWarnings } from "./variants.ts";

export function runText(r: RunResult): string {
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

/**
 * Loads and runs the scenario (throws InputError for bad input). A variant that changes
 * nothing in the era that runs gets a warning on stderr: the run is then the baseline.
 */
export function runCommand(file: string, opts: { era?: EraId | undefined; variants?: string[] | undefined; trace: boolean }): RunResult {
  const s = loadScenario(file, drivers);
  let r: RunResult;
  try {
    r = runScenario(s, { drivers, ...(opts.era ? { era: opts.era } : {}), ...(opts.variants ? { variants: opts.variants } : {}), trace: opts.trace });
  } catch (e) {
    if (e instanceof LabArgumentError) throw new InputError(file, e.message);
    throw e;
  }
  for (const w of inertVariantWarnings(r.variants, [r.era as EraId])) console.error(`iommu-lab: warning: ${w}`);
  return r;
}
