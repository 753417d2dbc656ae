/**
 * `npm run fuzz [-- --runs N --seed S --era ID]`: the long property campaign. Random machines and
 * random operation sequences per era (lib/reliability/sequences.ts), every promise checked after
 * every step. Prints sequences run, steps, discarded machines and violations per era; exits 1
 * on the first violation with fast-check's shrunk counterexample.
 */
import fc from "fast-check";
import { parseArgs } from "node:util";
import { ERA_IDS, type EraId, isEraId } from "../lib/eras";
import { opArb, platformArb, playSequence } from "../lib/reliability/sequences";

const { values } = parseArgs({ options: { runs: { type: "string" }, seed: { type: "string" }, era: { type: "string" } } });
const runs = Number(values.runs ?? 100_000);
const seed = Number(values.seed ?? 1);
if (!Number.isInteger(runs) || runs < 1 || !Number.isInteger(seed)) {
  console.error("fuzz: --runs and --seed take integers");
  process.exit(2);
}
if (values.era !== undefined && !isEraId(values.era)) {
  console.error(`fuzz: unknown era ${values.era}`);
  process.exit(2);
}
const eras: readonly EraId[] = values.era ? [values.era as EraId] : ERA_IDS;

let failed = false;
const rows: Array<Record<string, string | number>> = [];
for (const era of eras) {
  let sequences = 0;
  let steps = 0;
  let discarded = 0;
  const prop = fc.property(platformArb(era), fc.array(opArb, { minLength: 1, maxLength: 40, size: "medium" }), (p, ops) => {
    const r = playSequence(era, p, ops);
    sequences++;
    steps += r.steps;
    if (r.discarded) discarded++;
    fc.pre(!r.discarded);
    if (r.violations.length) throw new Error(r.violations.join("\n"));
  });
  const r = fc.check(prop, { seed, numRuns: runs, maxSkipsPerRun: 1 });
  rows.push({ era, sequences, played: sequences - discarded, steps, discarded, violations: r.failed ? 1 : 0 });
  if (r.failed) {
    failed = true;
    console.error(`${era}: VIOLATION\n${fc.defaultReportMessage(r)}`);
  }
}
console.table(rows);
const total = rows.reduce((n, r) => n + Number(r["played"]), 0);
console.log(`fuzz: ${total} sequences played over ${eras.length} era(s), seed ${seed}; ${failed ? "violations found" : "0 violations"}`);
process.exit(failed ? 1 : 0);
