/**
 * `npm run fuzz [-- --runs N --seed S --era ID]`: the long property campaign. Random machines and
 * random operation sequences per era (tools/reliability/sequences.ts), every promise checked after
 * every step. Each era plays from its own seed, derived from the master seed S and the era id
 * (tools/reliability/campaign.ts), so `--seed S --era ID` replays one era of a campaign exactly.
 * Prints sequences, steps, violations and, per era, how often each core path of
 * drivers/iommu/iommu.c was taken (tools/reliability/paths.ts; "n/a": the path does not exist in
 * that era's kernel). Exits 1 on the first violation, with fast-check's shrunk counterexample.
 */
// First: the command line (it exits on --help or a bad flag before the rest loads).
import { eras, runs, seed } from "./fuzz-args.ts";
import { type CampaignResult, eraSeed, runCampaign } from "../tools/reliability/campaign.ts";
import { CORE_PATHS } from "../tools/reliability/paths.ts";

let failed = false;
const results: CampaignResult[] = [];
const rows: Array<Record<string, string | number>> = [];
for (const era of eras) {
  const t0 = Date.now();
  const r = runCampaign(era, { seed: eraSeed(seed, era), runs });
  results.push(r);
  rows.push({
    era,
    seed: r.seed,
    sequences: r.sequences,
    played: r.played,
    steps: r.steps,
    "steps/seq": Number((r.steps / Math.max(1, r.played)).toFixed(1)),
    violations: r.violation ? 1 : 0,
    seconds: Number(((Date.now() - t0) / 1000).toFixed(1)),
  });
  if (r.violation) {
    failed = true;
    console.error(`${era}: VIOLATION (replay: npm run fuzz -- --seed ${seed} --era ${era} --runs ${runs})\n${r.report}`);
  }
}
console.table(rows);

// Core paths x eras: hit counts, "n/a" where the era's kernel has no such code.
const table: Array<Record<string, string | number>> = [];
const unreached: string[] = [];
for (const p of CORE_PATHS) {
  const row: Record<string, string | number> = { path: p.id };
  for (const r of results) {
    const n = r.hits.get(p.id);
    row[r.era] = n === undefined ? "n/a" : n;
    if (n === 0) unreached.push(`${r.era}: ${p.id}`);
  }
  table.push(row);
}
console.log("core paths taken (per era; n/a: not in that era's kernel)");
console.table(table);
if (unreached.length) console.log(`NOT REACHED (${unreached.length}):\n  ${unreached.join("\n  ")}`);
const total = results.reduce((n, r) => n + r.played, 0);
console.log(
  `fuzz: ${total} sequences played over ${eras.length} era(s), master seed ${seed} (era seeds above); ${failed ? "violations found" : "0 violations"}; ${unreached.length ? `${unreached.length} path(s) not reached` : "every core path reached"}`,
);
process.exit(failed ? 1 : 0);
