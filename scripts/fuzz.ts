/**
 * `npm run fuzz [-- --runs N --seed S --era ID]`: the long property campaign. Random machines and
 * random operation sequences per era (lib/reliability/sequences.ts), every promise checked after
 * every step. Prints sequences run, steps, discarded machines and violations per era; exits 1
 * on the first violation with fast-check's shrunk counterexample.
 */
import fc from "fast-check";
import { parseScriptArgs } from "../lib/cli/args";
import { ERA_IDS, type EraId, isEraId } from "../lib/eras";
import { opArb, platformArb, playSequence } from "../lib/reliability/sequences";

const { values } = parseScriptArgs(
  {
    name: "npm run fuzz --",
    summary: "The long property campaign: random machines and operation sequences per era, every promise checked after every step.",
    flags: {
      runs: { type: "string", arg: "N", help: "sequences per era (default 100000)" },
      seed: { type: "string", arg: "S", help: "fast-check seed (default 1)" },
      era: { type: "string", arg: "ID", help: `one era only (${ERA_IDS.join(", ")})` },
    },
    notes: "Exit code 1 on the first violation, with fast-check's shrunk counterexample.",
    examples: ["npm run fuzz", "npm run fuzz -- --runs 2000 --era mainline-2025 --seed 7"],
  },
  process.argv.slice(2),
);
const runs = Number(values.runs ?? 100_000);
const seed = Number(values.seed ?? 1);
if (!Number.isInteger(runs) || runs < 1 || !Number.isInteger(seed)) {
  console.error("fuzz: --runs and --seed take integers");
  process.exit(2);
}
if (values.era !== undefined && !isEraId(values.era)) {
  console.error(`fuzz: unknown era ${JSON.stringify(values.era)} (expected one of: ${ERA_IDS.join(", ")})`);
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
