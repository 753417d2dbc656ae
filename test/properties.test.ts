/**
 * Property-based tests (fast-check, fixed seed): random machines and random sequences of core
 * and consumer operations in every era, with the kernel's promises checked after each step
 * (tools/reliability/sequences.ts), and every core path of drivers/iommu/iommu.c that exists in
 * the era taken at least once (tools/reliability/paths.ts). `npm run fuzz` runs the same campaign
 * for much longer; test/fuzz-mutants.test.ts checks that it catches deliberate core bugs.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { domainFree } from "../lib/core/domain.ts";
import { ERA_IDS, ERAS } from "../lib/eras.ts";
import { eraSeed, runCampaign } from "../tools/reliability/campaign.ts";
import { MUTANTS } from "../tools/reliability/mutants.ts";
import { CORE_PATHS, pathsOf } from "../tools/reliability/paths.ts";
import { playSequence } from "../tools/reliability/sequences.ts";
import type { PlatformSpec } from "../lib/platform.ts";

const SEED = 20261121;

for (const era of ERA_IDS) {
  // Eras with PASID have twice as many paths, some of them four operations deep.
  const runs = ERAS[era].features.pasid ? 1000 : 400;
  test(`${era}: random operation sequences keep every promise of the era and take every core path (${runs} runs)`, () => {
    const r = runCampaign(era, { seed: eraSeed(SEED, era), runs, maxOps: 40 });
    assert.is(r.violation, null, r.report ?? "");
    const exist = new Set(pathsOf(era));
    const unreached = [...exist].filter((id) => !r.hits.get(id));
    assert.equal(unreached, [], `${era}: core paths never taken with seed ${r.seed} (bias the generator in tools/reliability/sequences.ts)`);
    // A path the catalogue says the era's kernel does not have must never be taken.
    const absent = [...r.hits].filter(([id, n]) => n > 0 && !exist.has(id)).map(([id]) => id);
    assert.equal(absent, [], `${era}: paths listed as not in this era were taken`);
  });
}

test("eras play from different seeds, derived from the master seed and the era id", () => {
  const seeds = ERA_IDS.map((e) => eraSeed(SEED, e));
  assert.is(new Set(seeds).size, seeds.length);
  assert.is(eraSeed(SEED, "mainline-2025"), eraSeed(SEED, "mainline-2025"));
  assert.is.not(eraSeed(SEED, "mainline-2025"), eraSeed(SEED + 1, "mainline-2025"));
});

test("the path catalogue: every path exists in some era, and some paths only before or only after rollback", () => {
  for (const p of CORE_PATHS) assert.ok(ERA_IDS.some((e) => pathsOf(e).includes(p.id)), p.id);
  assert.ok(pathsOf("einval-6.2").includes("__iommu_group_set_domain:partial, no revert"));
  assert.not.ok(pathsOf("mainline-2025").includes("__iommu_group_set_domain:partial, no revert"));
  assert.ok(pathsOf("mainline-2025").includes("__iommu_group_set_domain_internal:err_revert"));
  assert.not.ok(pathsOf("pre-2022").includes("iommu_attach_device_pasid:success"));
});

// The bug of issue #15: two PASID devices in one AMD group, the second one with PASID disabled.
// set_dev_pasid succeeds on the first and fails on the second; __iommu_set_group_pasid must
// remove the PASID from the first again.
const AMD_PASID_GROUP: PlatformSpec = {
  instances: [{ id: "i0", driver: "amd-iommu", props: { pasid: true } }],
  devices: [
    { id: "a", instance: "i0", group: "g", maxPasids: 16 },
    { id: "b", instance: "i0", group: "g", maxPasids: 16, props: { pasidEnabled: false } },
  ],
};
const ATTACH_SVA_PASID = [
  { op: "alloc", dev: 0, sva: true },
  { op: "attachPasid", dom: 0, dev: 0, pasid: 1 },
] as const;

test("the checker can fail: a PASID set that does not undo the earlier devices of the group is reported", () => {
  const hits = new Map<string, number>();
  const clean = playSequence("mainline-2025", AMD_PASID_GROUP, ATTACH_SVA_PASID, { hits });
  assert.equal(clean.violations, []);
  assert.is(hits.get("__iommu_set_group_pasid:rollback, earlier devices removed"), 1, "the scenario takes the rollback path");
  const bug = MUTANTS.find((m) => m.id === "no-pasid-rollback")!;
  const r = playSequence("mainline-2025", AMD_PASID_GROUP, ATTACH_SVA_PASID, { mutate: bug.install });
  // Caught twice: by the per-call promise ("left in the old config in error case") and by the
  // invariant that a device's programmed PASIDs are those of group->pasid_array.
  assert.equal(r.violations, [
    'after {"op":"attachPasid","dom":0,"dev":0,"pasid":1} (step 2): group g: PASID state changed on a failed PASID attach/replace',
    'after {"op":"attachPasid","dom":0,"dev":0,"pasid":1} (step 2): device a pasid 1 programmed with dom#1 but not in pasid_array',
  ]);
});

test("the checker can fail: a domain freed behind the core's back is reported", () => {
  const machine: PlatformSpec = { instances: [{ id: "i0", driver: "arm-smmu-v3" }], devices: [{ id: "a", instance: "i0" }] };
  const ops = [
    { op: "alloc", dev: 0 },
    { op: "attachDevice", dom: 0, dev: 0 },
  ] as const;
  assert.equal(playSequence("mainline-2025", machine, ops).violations, []);
  // The bug: right after the attach, something frees the domain the group is on.
  const r = playSequence("mainline-2025", machine, ops, {
    mutate: (k) => {
      const call = k.call.bind(k);
      k.call = (fn, args, body) => {
        const ret = call(fn, args, body);
        if (fn === "iommu_attach_device" && ret === 0) domainFree(k, k.domains.get(String(args["domain"]))!);
        return ret;
      };
    },
  });
  assert.ok(r.violations.length > 0);
  assert.match(r.violations[0]!, /group a domain points at freed domain dom#1/);
});

test.run();
