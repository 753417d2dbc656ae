/**
 * The mutant corpus (corpus.ts): every plausible wrong answer is rejected, for the right reason
 * (a substring of the checker's report), and at least five per exercise. Each mutant runs through
 * the same checks as a student's file (runChecks with the file in a temporary folder).
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { drivers } from "../../../hardware/index.ts";
import { formatFailure } from "../../../tools/exercises/explain.ts";
import { runChecks } from "../../../tools/exercises/runner.ts";
import { PROJECT_ROOT } from "../../../tools/exercises/target.ts";
import { loadTrack } from "../../../tools/exercises/track.ts";
import { MUTANTS, type Mutant } from "./corpus.ts";

const ids = loadTrack().exercises.map((e) => e.id);
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "iommu-lab-mutants-"));

/** The mutant's source: the solution with its edits (each must apply exactly once). */
function source(id: string, mu: Mutant): string {
  let text = mu.text ?? fs.readFileSync(path.join(PROJECT_ROOT, "solutions", `${id}.ts`), "utf8");
  for (const [from, to] of mu.edits ?? []) {
    const n = text.split(from).length - 1;
    assert.is(n, 1, `${id} / ${mu.name}: the edit ${JSON.stringify(from.slice(0, 60))} matches ${n} times in the solution (update the mutant)`);
    text = text.replace(from, () => to);
  }
  if (text.includes("HARD_CODED")) {
    // Rows copied from a run of the reference, as a student pasting its output would.
    const rows = (require(path.join(PROJECT_ROOT, "solutions", `${id}.ts`)) as { runExperiment(set: typeof drivers): unknown }).runExperiment(drivers);
    text += `\nconst HARD_CODED: OutcomeRow[] = ${JSON.stringify(rows)};\n`;
  }
  // Imports point into the project wherever the file lies.
  return text.replace(/from "\.\.\//g, `from "${PROJECT_ROOT}/`);
}

/** The checker's words for a run: check names and failures. */
function report(r: Awaited<ReturnType<typeof runChecks>>): string {
  const out: string[] = [r.status];
  if (r.loadFailure) out.push(formatFailure(r.loadFailure));
  for (const c of r.checks) out.push(`${c.ok ? "✓" : "✗"} ${c.name}`, c.failure ? formatFailure(c.failure, "  ") : "");
  return out.join("\n");
}

test("the corpus: at least five mutants for every exercise of the track", () => {
  assert.equal(Object.keys(MUTANTS).sort(), ids);
  for (const id of ids) assert.ok(MUTANTS[id]!.length >= 5, `${id}: ${MUTANTS[id]!.length} mutants`);
  const classes = new Set(Object.values(MUTANTS).flat().map((m) => m.class));
  for (const c of ["loop", "point", "path", "value", "cheat"] as const) assert.ok(classes.has(c), `no mutant of class ${c}`);
});

for (const id of ids) {
  test(`${id}: every mutant is rejected, with the expected feedback`, async () => {
    for (const [i, mu] of MUTANTS[id]!.entries()) {
      const file = path.join(tmp, `${id}.m${i}.ts`);
      fs.writeFileSync(file, source(id, mu));
      const r = await runChecks(id, "exercises", { file });
      const text = report(r);
      assert.is.not(r.status, "passed", `${id} / ${mu.name}: the checker ACCEPTS this wrong answer`);
      assert.ok(text.includes(mu.expect), `${id} / ${mu.name}: rejected, but the report does not say "${mu.expect}":\n${text}`);
      if (mu.notExpect) assert.not.ok(text.includes(mu.notExpect), `${id} / ${mu.name}: the report blames "${mu.notExpect}":\n${text}`);
    }
  });
}

test.after(() => fs.rmSync(tmp, { recursive: true, force: true }));
test.run();
