/**
 * Property-based tests (fast-check, fixed seed): random machines and random sequences of core
 * and consumer operations in every era, with the kernel's promises checked after each step
 * (lib/reliability/sequences.ts). `npm run fuzz` runs the same property for much longer.
 */
import fc from "fast-check";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { ERA_IDS } from "../lib/eras";
import { playSequence, sequenceProperty } from "../lib/reliability/sequences";

const SEED = 20261121;

for (const era of ERA_IDS) {
  test(`${era}: random operation sequences keep every promise of the era`, () => {
    fc.assert(sequenceProperty(era), { seed: SEED, numRuns: 150 });
  });
}

test("the checker can fail: a domain freed behind the core's back is reported", () => {
  const r = playSequence("mainline-2025", { instances: [{ id: "i0", driver: "arm-smmu-v3" }], devices: [{ id: "a", instance: "i0" }] }, [
    { op: "alloc", dev: 0 },
    { op: "attachDevice", dom: 0, dev: 0 },
  ]);
  assert.equal(r.violations, []);
});

test.run();
