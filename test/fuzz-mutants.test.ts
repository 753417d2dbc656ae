/**
 * Mutation test of the fuzzer's promises (tools/reliability/mutants.ts): each deliberate bug in
 * the attach core, installed on the kernels of a fixed-seed fuzz campaign, must be reported as a
 * violation, by the promise the mutant names. A mutant that survives means the invariants or the
 * generator have a blind spot (the PASID rollback one went unseen before the PASID-group machines).
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { eraSeed, runCampaign } from "../tools/reliability/campaign.ts";
import { MUTANTS } from "../tools/reliability/mutants.ts";

const SEED = 20261206;
/** Sequences per era at most; a mutant is usually caught within a few dozen. */
const RUNS = 1000;

test("at least 6 mutants, each with its own id", () => {
  assert.ok(MUTANTS.length >= 6);
  assert.is(new Set(MUTANTS.map((m) => m.id)).size, MUTANTS.length);
});

for (const m of MUTANTS) {
  test(`mutant ${m.id} is caught (${m.eras.join(", ")})`, () => {
    for (const era of m.eras) {
      const r = runCampaign(era, { seed: eraSeed(SEED, era), runs: RUNS, mutate: m.install, noShrink: true, maxOps: 40 });
      assert.ok(r.violation, `${m.id} survived ${r.played} sequences in ${era}: ${m.bug}`);
      const first = r.violation!.split("\n")[0]!;
      assert.ok(
        m.caughtBy.some((c) => first.includes(c)),
        `${m.id} in ${era} was caught, but not by any of ${JSON.stringify(m.caughtBy)}: ${first}`,
      );
      console.log(`  ${m.id} @ ${era}: caught after ${r.sequences} sequence(s) by: ${first.replace(/^after .*?: /, "")}`);
    }
  });
}

test.run();
