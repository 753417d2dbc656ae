/**
 * The attach core (drivers/iommu/iommu.c): the K-1..K-11 cases of the fact sheet (section E),
 * each in every era where the rule exists and with the historical behaviour asserted where it
 * does not; then detach, replace, MUST_SUCCEED, deferred attach, PASID rollback, test_dev
 * ordering and determinism.
 */
import { drivers } from "../hardware/index.ts";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import {
  domainAlloc,
  errnoName,
  groupSetDomainInternal,
  iommuAttachDevice,
  iommuAttachDevicePasid,
  iommuAttachGroup,
  iommuDeferredAttach,
  iommuDetachDevice,
  iommuDetachDevicePasid,
  iommuDetachGroup,
  iommuDeviceClaimDmaOwner,
  iommuGroupClaimDmaOwner,
  iommuGroupReleaseDmaOwner,
  iommuReplaceDevicePasid,
  iommuReplaceGroup,
  IOMMU_NO_PASID,
  MUST_SUCCEED,
  pciDevResetIommuDone,
  pciDevResetIommuPrepare,
  staticDomain,
  VfioContainer,
  vfioType1AttachGroup,
  type Domain,
  type EraId,
} from "../lib/index.ts";
import { runScenario, type RunResult } from "../lib/scenario/run.ts";
import type { Scenario } from "../lib/scenario/schema.ts";
import {
  ALL_ERAS,
  alloc,
  CUR_ERAS,
  groupIs,
  hwIs,
  isErrno,
  lab,
  mark,
  mixed,
  OLD_CORE_ERAS,
  OWNERSHIP_ERAS,
  PRE_OWNERSHIP_ERAS,
  oneGroup,
  singles,
  throwsNamed,
} from "./helpers.ts";

const REQUIRE_DIRECT_TEXT =
  "Firmware has requested this device have a 1:1 IOMMU mapping, rejecting configuring the device without a 1:1 mapping. Contact your platform vendor.";

/** The errno each era's arm-smmu-v3 uses for an incompatible SSID size / SMMU mismatch. */
const SOFT: Record<EraId, string> = {
  "2014-nesting": "-",
  "pre-2022": "EINVAL",
  "emediumtype-2022": "EMEDIUMTYPE",
  "einval-6.2": "EINVAL",
  "mainline-2025": "EINVAL",
  "test-dev-2025": "EINVAL",
};

// ---- K-1 -------------------------------------------------------------------------------------

for (const era of ALL_ERAS) {
  test(`K-1 iommu_attach_device: a group with 2 devices is refused with EINVAL before any driver call (${era})`, () => {
    const { k, dev, group } = lab(era, {
      instances: [{ id: "dmar0", driver: "intel-vtd" }],
      devices: [{ id: "d1", instance: "dmar0", group: "g" }, { id: "d2", instance: "dmar0", group: "g" }, { id: "s", instance: "dmar0" }],
    });
    const g = group("g");
    const def = g.defaultDomain;
    const d = alloc(k, dev("d1"));
    const m = mark(k);
    isErrno(iommuAttachDevice(k, d, dev("d1")), "EINVAL", "attach_device on a 2-device group");
    assert.not.ok(m.called("__iommu_attach_group"), "the singleton rule is checked before __iommu_attach_group");
    assert.not.ok(m.called("intel_iommu_attach_device"), "no driver call");
    groupIs(g, def, "group unchanged");
    hwIs(dev("d1"), def, "d1 unchanged");
    hwIs(dev("d2"), def, "d2 unchanged");
    // The same domain on a singleton group is fine.
    isErrno(iommuAttachDevice(k, d, dev("s")), "0", "attach_device on a singleton group");
    groupIs(group("s"), d, "singleton group");
    hwIs(dev("s"), d, "singleton device");
  });
}

// ---- K-2 -------------------------------------------------------------------------------------

for (const era of ALL_ERAS) {
  test(`K-2 __iommu_attach_group: EBUSY while the group is on another unmanaged domain (${era})`, () => {
    const { k, dev, group } = singles(era, "intel-vtd", ["s"]);
    const s = dev("s");
    const d1 = alloc(k, s);
    const d2 = alloc(k, s);
    isErrno(iommuAttachGroup(k, d1, group("s")), "0", "first unmanaged attach");
    const m = mark(k);
    isErrno(iommuAttachGroup(k, d2, group("s")), "EBUSY", "second unmanaged attach");
    isErrno(iommuAttachDevice(k, d2, s), "EBUSY", "second unmanaged attach through iommu_attach_device");
    assert.not.ok(m.called("intel_iommu_attach_device"), "refused before the driver");
    assert.equal(m.log(), [], "no log line");
    groupIs(group("s"), d1, "group stays on d1");
    hwIs(s, d1, "hardware stays on d1");
    // The rule only exempts the core domains: even the domain the group is already on is refused.
    isErrno(iommuAttachGroup(k, d1, group("s")), "EBUSY", "re-attaching the current non-core domain also hits the EBUSY rule");
    // After detaching to the core domain the second domain attaches.
    iommuDetachDevice(k, d1, s);
    isErrno(iommuAttachGroup(k, d2, group("s")), "0", "attach after detach");
    hwIs(s, d2, "hardware on d2");
  });
}

for (const era of CUR_ERAS) {
  test(`K-2 contrast iommu_replace_group_handle: no EBUSY non-core check, unmanaged -> unmanaged directly (${era})`, () => {
    const { k, dev, group } = singles(era, "arm-smmu-v3", ["s"]);
    const s = dev("s");
    const d1 = alloc(k, s);
    const d2 = alloc(k, s);
    isErrno(iommuAttachGroup(k, d1, group("s")), "0", "attach d1");
    isErrno(iommuAttachGroup(k, d2, group("s")), "EBUSY", "attach d2 over d1");
    const m = mark(k);
    isErrno(iommuReplaceGroup(k, group("s"), d2), "0", "replace d1 -> d2");
    assert.ok(m.called("iommu_replace_group_handle"), "trace names iommu_replace_group_handle");
    assert.equal(m.calls("arm_smmu_attach_dev").map((e) => e.args["domain"]), [d2.id], "one driver attach, straight to d2 (no detour through a core domain)");
    groupIs(group("s"), d2, "group on d2");
    hwIs(s, d2, "hardware on d2");
    isErrno(iommuReplaceGroup(k, group("s"), null), "EINVAL", "replace with a NULL domain");
  });
}

for (const era of OLD_CORE_ERAS) {
  test(`K-2 contrast: no group replace API before ~v6.3 (EraUnavailableError) (${era})`, () => {
    const { k, dev, group } = singles(era, "intel-vtd", ["s"]);
    const d = alloc(k, dev("s"));
    throwsNamed(() => iommuReplaceGroup(k, group("s"), d), "EraUnavailableError", "iommu_group_replace_domain");
  });
}

// ---- K-3 -------------------------------------------------------------------------------------

/** What a foreign-driver domain gives in each era (fact sheet A.2, D.1 and 1). */
const K3: Record<string, { intelOnArm: string; armOnIntel: string; armLevel: string | null }> = {
  "pre-2022": { intelOnArm: "ENODEV", armOnIntel: "ENXIO", armLevel: "err" },
  "emediumtype-2022": { intelOnArm: "ENODEV", armOnIntel: "EMEDIUMTYPE", armLevel: null },
  "einval-6.2": { intelOnArm: "ENODEV", armOnIntel: "EINVAL", armLevel: "dbg" },
};

for (const era of ["pre-2022", "emediumtype-2022", "einval-6.2"] as const) {
  test(`K-3 no owner check before 2023: a foreign-driver domain reaches the driver, the driver's errno comes back (${era})`, () => {
    const { k, dev } = mixed(era);
    const a = dev("a");
    const v = dev("v");
    const intelDom = alloc(k, v);
    const armDom = alloc(k, a);
    const aDef = a.hwDomain;
    const vDef = v.hwDomain;
    const exp = K3[era]!;

    let m = mark(k);
    isErrno(iommuAttachDevice(k, intelDom, a), exp.intelOnArm, "intel-vtd domain on an SMMU device (intel no-iommu)");
    assert.ok(m.calls("intel_iommu_attach_device", "a").some((e) => errnoName(e.ret ?? 0) === exp.intelOnArm), "intel_iommu_attach_device returned the errno");
    assert.equal(m.log(), [], "intel's !device_to_iommu path is silent");
    hwIs(a, aDef, "SMMU device keeps its domain (VT-d attach does not detach first)");
    groupIs(a.group!, aDef, "group unchanged");

    m = mark(k);
    isErrno(iommuAttachDevice(k, armDom, v), exp.armOnIntel, "arm-smmu-v3 domain on a VT-d device (smmu mismatch)");
    assert.ok(m.called("arm_smmu_attach_dev", "v"), "arm_smmu_attach_dev was called for the foreign device");
    assert.equal(m.levels(), exp.armLevel ? [exp.armLevel] : [], "arm-smmu-v3's line at the era's level (none in the proposal's v6)");
    assert.ok(v.hwDomain !== armDom, "the foreign device is not on the SMMU domain");
    groupIs(v.group!, vDef, "group unchanged");
  });
}

test("K-3 __iommu_attach_group owner check: foreign-driver domain -> EINVAL from the core, no driver call (mainline-2025)", () => {
  const { k, dev } = mixed("mainline-2025");
  const a = dev("a");
  const v = dev("v");
  const intelDom = alloc(k, v);
  const armDom = alloc(k, a);
  for (const [d, target, drvFn] of [
    [intelDom, a, "intel_iommu_attach_device"],
    [armDom, v, "arm_smmu_attach_dev"],
  ] as const) {
    const before = target.hwDomain;
    const m = mark(k);
    isErrno(iommuAttachDevice(k, d, target), "EINVAL", `${d.owner.id} domain on ${target.id}`);
    const ev = m.calls("__iommu_attach_group")[0];
    assert.ok(ev && errnoName(ev.ret ?? 0) === "EINVAL", "__iommu_attach_group returns EINVAL");
    assert.not.ok(m.called("__iommu_group_set_domain_internal"), "never reaches set_domain");
    assert.not.ok(m.called(drvFn), "the domain's driver is never called");
    assert.equal(m.log(), [], "silent");
    hwIs(target, before, "hardware unchanged");
    groupIs(target.group!, before, "group unchanged");
  }
});

for (const era of CUR_ERAS) {
  test(`K-3 iommu_attach_device_pasid owner check: a foreign-driver domain on a PASID -> EINVAL, no driver call (${era})`, () => {
    const { k, dev } = mixed(era, [{ id: "p", instance: "smmu0", maxPasids: 16 }]);
    const intelDom = alloc(k, dev("v"));
    const m = mark(k);
    isErrno(iommuAttachDevicePasid(k, intelDom, dev("p"), 1), "EINVAL", "VT-d domain on an SMMU device's PASID");
    assert.not.ok(m.called("intel_iommu_set_dev_pasid") || m.called("intel_iommu_test_dev"), "intel never called");
    assert.is(dev("p").hwPasid.size, 0, "nothing programmed");
    assert.is(dev("p").group!.pasidArray.size, 0, "nothing committed");
  });
}

test("K-3 test-dev: the owner check moves into __iommu_domain_test_device (EINVAL, no test_dev/attach_dev call) (test-dev-2025)", () => {
  const { k, dev } = mixed("test-dev-2025");
  const a = dev("a");
  const v = dev("v");
  const armDom = alloc(k, a);
  const before = v.hwDomain;
  const m = mark(k);
  isErrno(iommuAttachDevice(k, armDom, v), "EINVAL", "arm-smmu-v3 domain on a VT-d device");
  const t = m.calls("__iommu_domain_test_device", "v")[0];
  assert.ok(t && errnoName(t.ret ?? 0) === "EINVAL", "__iommu_domain_test_device refuses");
  assert.not.ok(m.called("arm_smmu_test_dev"), "the driver's test_dev is not asked");
  assert.not.ok(m.called("arm_smmu_attach_dev"), "attach_dev is never called");
  hwIs(v, before, "hardware unchanged");
});

test("K-3 static core domains: the device's own driver's blocked domain passes the owner check (mainline-2025)", () => {
  const { k, dev } = mixed("mainline-2025");
  const a = dev("a");
  const blocked = staticDomain(k, a.instance!.driver, "blocked");
  const foreignBlocked = staticDomain(k, dev("v").instance!.driver, "blocked");
  isErrno(iommuAttachDevice(k, foreignBlocked, a), "EINVAL", "another driver's static blocked domain");
  isErrno(iommuAttachDevice(k, blocked, a), "0", "own driver's static blocked domain");
  hwIs(a, blocked, "SMMU device on its driver's blocked domain");
});

// ---- K-4 -------------------------------------------------------------------------------------

/**
 * Mainline fixture: an SMMUv3 group of three whose middle device is not CANWBS, and a domain
 * that enforces cache coherency. arm_smmu_attach_dev refuses only d2 (EINVAL).
 */
function canwbsGroup(era: EraId, opts: { maxPasids?: number } = {}) {
  const l = oneGroup(era, "arm-smmu-v3", ["d1", "d2", "d3"], {
    d1: { props: { canwbs: true }, maxPasids: opts.maxPasids ?? 0 },
    d2: { props: { canwbs: false }, maxPasids: opts.maxPasids ?? 0 },
    d3: { props: { canwbs: true }, maxPasids: opts.maxPasids ?? 0 },
  });
  const g = l.group("g");
  const enforcing = alloc(l.k, l.dev("d1"), { enforceCacheCoherency: true });
  return { ...l, g, enforcing, def: g.defaultDomain! };
}

test("K-4 __iommu_group_set_domain_internal: rollback of device 1 when attach_dev fails on device 2 (mainline-2025)", () => {
  const { k, dev, g, enforcing, def } = canwbsGroup("mainline-2025");
  const m = mark(k);
  isErrno(iommuAttachGroup(k, enforcing, g), "EINVAL", "group attach");
  groupIs(g, def, "group->domain keeps the old domain");
  for (const id of ["d1", "d2", "d3"]) hwIs(dev(id), def, `${id} back on / still on the old domain`);
  const attaches = m.calls("arm_smmu_attach_dev").map((e) => `${e.args["dev"]}:${e.args["domain"] === enforcing.id ? "new" : "old"}:${errnoName(e.ret ?? 0)}`);
  assert.equal(attaches, ["d1:new:0", "d2:new:EINVAL", "d1:old:0"], "d1 attached, d2 refused, d1 reverted; d2 and d3 are not touched by the revert");
  const revert = m.calls("__iommu_device_set_domain", "d1")[1];
  assert.ok(revert && revert.args["flags"] === MUST_SUCCEED, "the revert uses IOMMU_SET_DOMAIN_MUST_SUCCEED");
  assert.not.ok(m.levels().includes("WARN"), "a well-behaved revert prints no WARN");
});

test("K-4 with test_dev: every device is tested first, nothing is attached, nothing to roll back (test-dev-2025)", () => {
  const { k, dev, g, enforcing, def } = canwbsGroup("test-dev-2025");
  const m = mark(k);
  isErrno(iommuAttachGroup(k, enforcing, g), "EINVAL", "group attach");
  const tests = m.calls("__iommu_domain_test_device").map((e) => `${e.args["dev"]}:${errnoName(e.ret ?? 0)}`);
  assert.equal(tests, ["d1:0", "d2:EINVAL"], "d1 passes, d2 fails, d3 is never tested");
  assert.not.ok(m.called("arm_smmu_attach_dev"), "attach_dev is never called");
  groupIs(g, def, "group unchanged");
  for (const id of ["d1", "d2", "d3"]) hwIs(dev(id), def, `${id} never moved`);
});

/**
 * Old-core fixture (no rollback). Devices of a group normally agree on everything the pre-2022
 * SMMUv3 checks, since the default domain is finalised by the first device. d2 has a wider
 * SSID size and its default-domain attach is deferred (kdump), so probe succeeds and only a
 * later attach of a new S1 domain (finalised by d1 to 0 SSID bits) trips on d2.
 */
for (const era of ["pre-2022", "emediumtype-2022", "einval-6.2"] as const) {
  test(`K-4 no rollback before ~v6.4: device 1 stays on the new domain, group->domain still the old one (${era})`, () => {
    const { k, dev, group } = oneGroup(era, "arm-smmu-v3", ["d1", "d2", "d3"], { d2: { props: { ssidBits: 5 }, attachDeferred: true } });
    const g = group("g");
    const def = g.defaultDomain!;
    hwIs(dev("d1"), def, "probe: d1 on default");
    hwIs(dev("d3"), def, "probe: d3 on default");
    const nd = alloc(k, dev("d1"));
    const m = mark(k);
    isErrno(iommuAttachGroup(k, nd, g), SOFT[era], "group attach");
    groupIs(g, def, "group->domain still names the old domain");
    hwIs(dev("d1"), nd, "d1 stays on the NEW domain (the inconsistency)");
    hwIs(dev("d2"), null, "d2 (deferred, never attached) is refused");
    assert.ok(m.calls("arm_smmu_attach_dev", "d2").some((e) => errnoName(e.ret ?? 0) === SOFT[era]), "d2 refused by arm_smmu_attach_dev");
    hwIs(dev("d3"), def, "d3 was never reached");
    assert.not.ok(m.called("arm_smmu_attach_dev", "d3"), "the walk stops at d2");
    assert.is(m.calls("arm_smmu_attach_dev", "d1").length, 1, "no revert of d1");
    assert.not.ok(m.called("__iommu_group_set_domain_internal"), "the T62 walk, not the CUR function");
    // The inconsistency sticks: group->domain already names the default domain, so
    // detaching to the core domain returns early and d1 stays on the new domain.
    const m2 = mark(k);
    iommuDetachGroup(k, nd, g);
    assert.not.ok(m2.called("arm_smmu_attach_dev"), "detach does not touch the hardware");
    hwIs(dev("d1"), nd, "d1 still on the new domain after detach");
  });
}

// ---- K-5 / K-6 ------------------------------------------------------------------------------
// DMA ownership is read from CUR and T62 (A.5). The API appeared in ~v5.19, so it does not exist
// in 2014-nesting and pre-2022 (older VFIO attached from the default domain).

for (const era of PRE_OWNERSHIP_ERAS) {
  test(`K-5/K-6 DMA ownership does not exist yet (${era})`, () => {
    const { k, group } = singles(era, "intel-vtd", ["s"]);
    throwsNamed(() => iommuGroupClaimDmaOwner(k, group("s"), "vfio"), "EraUnavailableError", "iommu_group_claim_dma_owner");
  });
}

for (const era of OWNERSHIP_ERAS) {
  test(`K-5 iommu_group_claim_dma_owner twice -> EPERM; device claim by the same owner nests (${era})`, () => {
    const { k, dev, group } = singles(era, "intel-vtd", ["s", "t"]);
    const g = group("s");
    isErrno(iommuGroupClaimDmaOwner(k, g, "vfio"), "0", "first claim");
    const blocking = g.blockingDomain;
    assert.ok(blocking, "a blocking domain was set up");
    groupIs(g, blocking, "claimed group sits on the blocking domain");
    hwIs(dev("s"), blocking, "hardware blocked");
    isErrno(iommuGroupClaimDmaOwner(k, g, "vfio"), "EPERM", "second claim, same owner");
    isErrno(iommuGroupClaimDmaOwner(k, g, "other"), "EPERM", "second claim, other owner");
    assert.is(g.owner, "vfio");
    assert.is(g.ownerCnt, 1);
    const t = group("t");
    isErrno(iommuDeviceClaimDmaOwner(k, dev("t"), "iommufd"), "0", "device claim");
    isErrno(iommuDeviceClaimDmaOwner(k, dev("t"), "iommufd"), "0", "device claim again by the same owner");
    assert.is(t.ownerCnt, 2, "owner_cnt++");
    isErrno(iommuDeviceClaimDmaOwner(k, dev("t"), "vfio"), "EPERM", "device claim by another owner");
  });

  test(`K-6 iommu_group_claim_dma_owner while on a non-default domain -> EBUSY (${era})`, () => {
    const { k, dev, group } = singles(era, "intel-vtd", ["s"]);
    const d = alloc(k, dev("s"));
    isErrno(iommuAttachGroup(k, d, group("s")), "0", "attach an unmanaged domain");
    isErrno(iommuGroupClaimDmaOwner(k, group("s"), "vfio"), "EBUSY", "claim");
    assert.is(group("s").owner, null, "not owned");
    assert.is(group("s").ownerCnt, 0);
    groupIs(group("s"), d, "group stays on its domain");
    hwIs(dev("s"), d, "hardware stays");
  });
}

for (const era of CUR_ERAS) {
  test(`K-6 __iommu_take_dma_ownership: EBUSY while a PASID is attached (${era})`, () => {
    const { k, dev, group } = singles(era, "arm-smmu-v3", ["s"], { s: { maxPasids: 16 } });
    const p = alloc(k, dev("s"));
    isErrno(iommuAttachDevicePasid(k, p, dev("s"), 1), "0", "PASID attach");
    isErrno(iommuGroupClaimDmaOwner(k, group("s"), "vfio"), "EBUSY", "claim with a PASID in use");
    groupIs(group("s"), group("s").defaultDomain, "still on default");
  });
}

test("K-5/K-6 T62 __iommu_take_dma_ownership: a failed blocking-domain allocation is reported as EINVAL (einval-6.2)", () => {
  // Find the allocation number of the blocking domain in a clean run, then fail exactly that one.
  const probe = singles("einval-6.2", "intel-vtd", ["s"]);
  const before = probe.k.allocations;
  isErrno(iommuGroupClaimDmaOwner(probe.k, probe.group("s"), "vfio"), "0", "fixture: clean claim");
  assert.is(probe.k.allocations, before + 1, "fixture: the 6.2 core allocates the blocking domain");
  const { k, group } = singles("einval-6.2", "intel-vtd", ["s"], {}, { failNth: before + 1 });
  isErrno(iommuGroupClaimDmaOwner(k, group("s"), "vfio"), "EINVAL", "claim with the allocation failing");
  assert.is(group("s").owner, null, "not owned");
  groupIs(group("s"), group("s").defaultDomain, "still on default");
});

test("K-5/K-6 CUR: the blocking domain is the driver's static blocked domain, nothing to allocate (mainline-2025)", () => {
  const probe = singles("mainline-2025", "intel-vtd", ["s"]);
  const before = probe.k.allocations;
  isErrno(iommuGroupClaimDmaOwner(probe.k, probe.group("s"), "vfio"), "0", "claim");
  assert.is(probe.k.allocations, before, "no allocation");
  assert.ok(probe.group("s").blockingDomain === staticDomain(probe.k, probe.dev("s").instance!.driver, "blocked"), "ops->blocked_domain");
});

// ---- attach_dev's `old` argument (A.10) ----------------------------------------------------------

for (const [era, hasOld] of [
  ["einval-6.2", false],
  ["mainline-2025", true],
] as const) {
  test(`A.10 attach_dev ${hasOld ? "(domain, dev, old): the core passes the previous domain" : "(domain, dev): no old argument yet"} (${era})`, () => {
    const { k, dev, group } = singles(era, "intel-vtd", ["s"]);
    const d = alloc(k, dev("s"));
    const m = mark(k);
    isErrno(iommuAttachDevice(k, d, dev("s")), "0", "attach");
    const ev = m.calls("intel_iommu_attach_device", "s")[0]!;
    if (hasOld) assert.is(ev.args["old"], group("s").defaultDomain!.id, "old = the default domain");
    else assert.not.ok("old" in ev.args, "no old argument");
  });
}

// ---- K-7 -------------------------------------------------------------------------------------

for (const era of CUR_ERAS) {
  test(`K-7 __iommu_device_set_domain: require_direct device + blocking domain -> EINVAL + dev_warn (${era})`, () => {
    const { k, dev, group } = singles(era, "intel-vtd", ["rmrr"], { rmrr: { requireDirect: true } });
    const g = group("rmrr");
    const def = g.defaultDomain;
    const m = mark(k);
    isErrno(iommuGroupClaimDmaOwner(k, g, "vfio"), "EINVAL", "claim (moves to blocking)");
    assert.equal(
      m.lines().map((l) => [l.level, l.dev, l.text]),
      [["warn", "rmrr", REQUIRE_DIRECT_TEXT]],
      "exactly one dev_warn with the kernel's text",
    );
    assert.is(g.owner, null, "not owned");
    assert.is(g.ownerCnt, 0);
    groupIs(g, def, "group stays on its default domain");
    hwIs(dev("rmrr"), def, "hardware keeps the 1:1 default domain");
    // A BLOCKED-type domain is refused the same way, even outside ownership.
    const blocked = staticDomain(k, dev("rmrr").instance!.driver, "blocked");
    isErrno(iommuAttachDevice(k, blocked, dev("rmrr")), "EINVAL", "attach of the static blocked domain");
    // A paging domain is fine.
    const d = alloc(k, dev("rmrr"));
    isErrno(iommuAttachDevice(k, d, dev("rmrr")), "0", "attach of a paging domain");
    hwIs(dev("rmrr"), d, "hardware on the paging domain");
  });
}

for (const era of OLD_CORE_ERAS.filter((e) => OWNERSHIP_ERAS.includes(e))) {
  // No core require_direct rule yet; VT-d's own RMRR check (c875d2c1b808, removed by d3aedf94f480
  // in 2023) refuses the blocking domain, which these cores make as an empty UNMANAGED domain.
  test(`K-7 historical: no require_direct rule; VT-d refuses the RMRR device's blocking domain itself (EPERM + dev_warn) (${era})`, () => {
    const { k, dev, group } = singles(era, "intel-vtd", ["rmrr"], { rmrr: { requireDirect: true } });
    const g = group("rmrr");
    const def = g.domain;
    const m = mark(k);
    isErrno(iommuGroupClaimDmaOwner(k, g, "vfio"), "EPERM", "claim");
    assert.equal(m.levels(), ["warn"], "one dev_warn");
    assert.match(k.log[k.log.length - 1]!.text, /platform RMRR requirement/);
    groupIs(g, def, "group stays on its default domain");
    hwIs(dev("rmrr"), def, "hardware unchanged: refused before the device leaves its domain");
  });
  test(`K-7 historical: a device without RMRR is blocked like any other (${era})`, () => {
    const { k, dev, group } = singles(era, "intel-vtd", ["nic"]);
    const g = group("nic");
    isErrno(iommuGroupClaimDmaOwner(k, g, "vfio"), "0", "claim");
    groupIs(g, g.blockingDomain, "group on blocking");
    hwIs(dev("nic"), g.blockingDomain, "hardware blocked");
  });
}

// ---- K-8: PCI reset window --------------------------------------------------------------------

/** A group with an ATS device (being reset), a PASID-capable sibling and a deferred sibling. */
function resetLab(era: EraId) {
  const l = oneGroup(era, "arm-smmu-v3", ["nic", "sib", "kdump"], {
    nic: { ats: true, maxPasids: 16 },
    sib: { maxPasids: 16 },
    kdump: { attachDeferred: true },
  });
  const g = l.group("g");
  const pdom = alloc(l.k, l.dev("nic"));
  isErrno(iommuAttachDevicePasid(l.k, pdom, l.dev("nic"), 5), "0", "fixture: PASID 5");
  return { ...l, g, def: g.defaultDomain!, pdom };
}

for (const era of CUR_ERAS) {
  test(`K-8 pci_dev_reset_iommu_prepare: RID and PASIDs parked on blocking, group->domain kept (${era})`, () => {
    const { k, dev, g, def, pdom } = resetLab(era);
    const nic = dev("nic");
    isErrno(pciDevResetIommuPrepare(k, nic), "0", "prepare");
    assert.ok(g.blockingDomain, "blocking domain exists");
    hwIs(nic, g.blockingDomain, "RID parked on blocking");
    assert.is(nic.hwPasid.size, 0, "PASIDs parked (removed from the hardware)");
    groupIs(g, def, "group->domain kept");
    assert.ok(g.resettingDomain === g.blockingDomain, "resetting_domain set");
    assert.ok(g.pasidArray.get(5)?.domain === pdom, "pasid_array kept");
    hwIs(dev("sib"), def, "the sibling is not parked");
    assert.ok(dev("sib").hwPasid.get(5) === pdom, "the sibling's PASID is not parked");
  });

  test(`K-8 attach, replace, PASID attach/replace and deferred attach during a PCI reset -> EBUSY (${era})`, () => {
    const { k, dev, g, def, pdom } = resetLab(era);
    const nic = dev("nic");
    const other = alloc(k, nic);
    isErrno(pciDevResetIommuPrepare(k, nic), "0", "prepare");
    const blocking = g.blockingDomain;
    const m = mark(k);
    isErrno(iommuAttachGroup(k, other, g), "EBUSY", "iommu_attach_group");
    isErrno(iommuReplaceGroup(k, g, other), "EBUSY", "iommu_replace_group_handle");
    isErrno(iommuAttachDevicePasid(k, other, nic, 6), "EBUSY", "iommu_attach_device_pasid");
    isErrno(iommuReplaceDevicePasid(k, other, nic, 5), "EBUSY", "iommu_replace_device_pasid");
    isErrno(iommuDeferredAttach(k, dev("kdump"), def), "EBUSY", "iommu_deferred_attach of the deferred sibling");
    assert.not.ok(m.called("arm_smmu_attach_dev"), "no driver attach");
    assert.not.ok(m.called("arm_smmu_s1_set_dev_pasid"), "no driver set_dev_pasid");
    groupIs(g, def, "group->domain unchanged");
    hwIs(nic, blocking, "still parked");
    assert.ok(g.pasidArray.get(5)?.domain === pdom && !g.pasidArray.has(6), "pasid_array unchanged");
    assert.ok(dev("kdump").attachDeferred, "the deferred attach is still pending");
    isErrno(pciDevResetIommuPrepare(k, nic), "EBUSY", "re-entry");
    assert.ok(m.levels().includes("WARN"), "re-entry WARNs");
  });

  test(`K-8 pci_dev_reset_iommu_done: RID and PASIDs restored, attach works again (${era})`, () => {
    const { k, dev, g, def, pdom } = resetLab(era);
    const nic = dev("nic");
    isErrno(pciDevResetIommuPrepare(k, nic), "0", "prepare");
    const m = mark(k);
    pciDevResetIommuDone(k, nic);
    assert.not.ok(m.levels().includes("WARN"), "clean restore");
    hwIs(nic, def, "RID back on group->domain");
    assert.ok(nic.hwPasid.get(5) === pdom, "PASID 5 back");
    assert.is(g.resettingDomain, null, "window closed");
    isErrno(iommuDeferredAttach(k, dev("kdump"), def), "0", "deferred attach now");
    hwIs(dev("kdump"), def, "deferred device attached");
  });

  test(`K-8 pci_dev_reset_iommu_prepare does nothing for a device without ATS (${era})`, () => {
    const { k, dev, g, def } = resetLab(era);
    isErrno(pciDevResetIommuPrepare(k, dev("sib")), "0", "prepare on a non-ATS device");
    assert.is(g.resettingDomain, null, "no reset window");
    hwIs(dev("sib"), def, "not parked");
    const d = alloc(k, dev("sib"));
    isErrno(iommuAttachGroup(k, d, g), "0", "attach still works");
  });
}

for (const era of OLD_CORE_ERAS) {
  test(`K-8 historical: no PCI reset window (EraUnavailableError) (${era})`, () => {
    const { k, dev } = singles(era, "intel-vtd", ["nic"], { nic: { ats: true } });
    throwsNamed(() => pciDevResetIommuPrepare(k, dev("nic")), "EraUnavailableError", "pci_dev_reset_iommu_prepare");
  });
}

// ---- K-9 / K-10 / K-11 ------------------------------------------------------------------------

for (const era of CUR_ERAS) {
  test(`K-9 iommu_attach_device_pasid with IOMMU_NO_PASID -> EINVAL (${era})`, () => {
    const { k, dev, group } = singles(era, "arm-smmu-v3", ["s"], { s: { maxPasids: 16 } });
    const p = alloc(k, dev("s"));
    const m = mark(k);
    isErrno(iommuAttachDevicePasid(k, p, dev("s"), IOMMU_NO_PASID), "EINVAL", "PASID 0");
    assert.not.ok(m.called("arm_smmu_s1_set_dev_pasid"), "no driver call");
    assert.is(group("s").pasidArray.size, 0, "nothing committed");
    hwIs(dev("s"), group("s").defaultDomain, "RID untouched");
  });

  test(`K-10 iommu_attach_device_pasid with pasid >= max_pasids -> EINVAL; devices without PASID are skipped (${era})`, () => {
    const { k, dev, group } = oneGroup(era, "arm-smmu-v3", ["p", "np"], { p: { maxPasids: 16 }, np: { maxPasids: 0 } });
    const d = alloc(k, dev("p"));
    const m = mark(k);
    isErrno(iommuAttachDevicePasid(k, d, dev("p"), 16), "EINVAL", "pasid 16 with max_pasids 16");
    assert.not.ok(m.called("arm_smmu_s1_set_dev_pasid"), "refused before the driver");
    if (era === "test-dev-2025") {
      const t = m.calls("__iommu_domain_test_device", "p")[0];
      assert.ok(t && errnoName(t.ret ?? 0) === "EINVAL", "test-dev: the max_pasids check is in __iommu_domain_test_device");
    }
    assert.is(group("g").pasidArray.size, 0, "nothing committed");
    isErrno(iommuAttachDevicePasid(k, d, dev("p"), 15), "0", "pasid 15");
    assert.ok(dev("p").hwPasid.get(15) === d, "PASID-capable device programmed");
    assert.is(dev("np").hwPasid.size, 0, "device with max_pasids 0 skipped");
  });

  test(`K-11 iommu_attach_device_pasid: no set_dev_pasid for the domain -> EOPNOTSUPP (${era})`, () => {
    // Both modelled drivers' blocked domains have set_dev_pasid in this era, so the EOPNOTSUPP
    // branch is reached through a domain without PASID support (same branch, same errno).
    const { k, dev, group } = singles(era, "intel-vtd", ["s"], { s: { maxPasids: 16 } });
    const np = alloc(k, dev("s"), {}, { pasid: false });
    const m = mark(k);
    isErrno(iommuAttachDevicePasid(k, np, dev("s"), 3), "EOPNOTSUPP", "non-PASID domain");
    assert.not.ok(m.called("intel_iommu_set_dev_pasid"), "no driver call");
    assert.is(group("s").pasidArray.size, 0, "nothing committed");
  });
}

for (const era of OLD_CORE_ERAS) {
  test(`K-9..K-11 historical: no PASID attach API in the 6.2 core (EraUnavailableError) (${era})`, () => {
    const { k, dev } = singles(era, "intel-vtd", ["s"], { s: { maxPasids: 16 } });
    const d = alloc(k, dev("s"));
    throwsNamed(() => iommuAttachDevicePasid(k, d, dev("s"), 1), "EraUnavailableError", "iommu_attach_device_pasid");
    throwsNamed(() => iommuReplaceDevicePasid(k, d, dev("s"), 1), "EraUnavailableError", "iommu_replace_device_pasid");
  });
}

// ---- Detach to the core domain -----------------------------------------------------------------

for (const era of ALL_ERAS) {
  test(`iommu_detach_device: back to the default domain when unowned, to blocking when owned (${era})`, () => {
    const { k, dev, group } = singles(era, "intel-vtd", ["u", "o"]);
    const u = dev("u");
    const du = alloc(k, u);
    isErrno(iommuAttachDevice(k, du, u), "0", "attach (unowned)");
    iommuDetachDevice(k, du, u);
    groupIs(group("u"), group("u").defaultDomain, "unowned -> default");
    hwIs(u, group("u").defaultDomain, "hardware on default");
    if (!OWNERSHIP_ERAS.includes(era)) return; // no DMA ownership before ~v5.19

    const o = dev("o");
    isErrno(iommuGroupClaimDmaOwner(k, group("o"), "vfio"), "0", "claim");
    const blocking = group("o").blockingDomain!;
    const dOwned = alloc(k, o);
    isErrno(iommuAttachGroup(k, dOwned, group("o")), "0", "attach over the blocking domain is allowed");
    iommuDetachGroup(k, null, group("o"));
    groupIs(group("o"), blocking, "owned -> blocking, not default");
    hwIs(o, blocking, "hardware blocked");
    iommuGroupReleaseDmaOwner(k, group("o"));
    groupIs(group("o"), group("o").defaultDomain, "release -> default");
  });

  test(`iommu_detach_device with a domain the group is not on: WARN, nothing changes (${era})`, () => {
    const { k, dev, group } = singles(era, "intel-vtd", ["s"]);
    const s = dev("s");
    const d1 = alloc(k, s);
    const d2 = alloc(k, s);
    isErrno(iommuAttachDevice(k, d1, s), "0", "attach d1");
    const m = mark(k);
    iommuDetachDevice(k, d2, s);
    assert.equal(m.levels(), ["WARN"], "one WARN splat");
    assert.not.ok(m.called("intel_iommu_attach_device"), "no attach");
    groupIs(group("s"), d1, "still on d1");
    hwIs(s, d1, "hardware still on d1");
  });
}

// ---- Group replace with rollback ---------------------------------------------------------------

test("iommu_replace_group_handle: failure on device 2 rolls device 1 back, the group keeps the old domain (mainline-2025)", () => {
  const { k, dev, g, enforcing } = canwbsGroup("mainline-2025");
  const plain = alloc(k, dev("d1"));
  isErrno(iommuAttachGroup(k, plain, g), "0", "group on a plain unmanaged domain");
  const m = mark(k);
  isErrno(iommuReplaceGroup(k, g, enforcing), "EINVAL", "replace onto the enforcing domain");
  groupIs(g, plain, "group keeps the old domain");
  for (const id of ["d1", "d2", "d3"]) hwIs(dev(id), plain, `${id} on the old domain`);
  const d1 = m.calls("arm_smmu_attach_dev", "d1").map((e) => e.args["domain"]);
  assert.equal(d1, [enforcing.id, plain.id], "d1 moved, then reverted to the old (unmanaged) domain");
});

test("iommu_replace_group_handle with test_dev: refused before any attach (test-dev-2025)", () => {
  const { k, dev, g, enforcing } = canwbsGroup("test-dev-2025");
  const plain = alloc(k, dev("d1"));
  isErrno(iommuAttachGroup(k, plain, g), "0", "group on a plain unmanaged domain");
  const m = mark(k);
  isErrno(iommuReplaceGroup(k, g, enforcing), "EINVAL", "replace");
  assert.not.ok(m.called("arm_smmu_attach_dev"), "no attach_dev");
  groupIs(g, plain, "group keeps the old domain");
  for (const id of ["d1", "d2", "d3"]) hwIs(dev(id), plain, `${id} untouched`);
});

// ---- MUST_SUCCEED and the first attach ---------------------------------------------------------

for (const era of CUR_ERAS) {
  test(`iommu_setup_default_domain: the first attach runs with IOMMU_SET_DOMAIN_MUST_SUCCEED (${era})`, () => {
    const { k, group } = singles(era, "arm-smmu-v3", ["s"]);
    const ev = k.trace!.find((e) => e.fn === "__iommu_group_set_domain_internal" && e.args["group"] === "s");
    assert.ok(ev, "the probe goes through __iommu_group_set_domain_internal");
    assert.is(ev!.args["flags"], MUST_SUCCEED, "flags = MUST_SUCCEED");
    assert.is(ev!.ret, 0);
    assert.not.ok(k.log.some((l) => l.level === "WARN"), "no WARN on a good probe");
    assert.ok(group("s").domain === group("s").defaultDomain, "group on default");
  });
}

test("MUST_SUCCEED: the walk goes on past a failing device, group->domain becomes the new domain, the error is returned (mainline-2025)", () => {
  const { k, dev, g, enforcing, def } = canwbsGroup("mainline-2025");
  const m = mark(k);
  isErrno(groupSetDomainInternal(k, g, enforcing, MUST_SUCCEED), "EINVAL", "MUST_SUCCEED set_domain");
  groupIs(g, enforcing, "group->domain = new domain anyway");
  hwIs(dev("d1"), enforcing, "d1 on the new domain");
  hwIs(dev("d2"), def, "d2 refused; no blocking domain exists yet, so it stays where it was");
  hwIs(dev("d3"), enforcing, "d3 still attached after d2 failed");
  assert.ok(m.indexOf("arm_smmu_attach_dev", "d3") > m.indexOf("arm_smmu_attach_dev", "d2"), "d3 is attached after d2's failure");
});

test("MUST_SUCCEED: a failing device is parked on the blocking domain when one exists (mainline-2025)", () => {
  const { k, dev, g, enforcing } = canwbsGroup("mainline-2025");
  isErrno(iommuGroupClaimDmaOwner(k, g, "vfio"), "0", "claim (allocates the blocking domain)");
  iommuGroupReleaseDmaOwner(k, g);
  const blocking = g.blockingDomain!;
  assert.ok(blocking, "blocking domain kept after release");
  isErrno(groupSetDomainInternal(k, g, enforcing, MUST_SUCCEED), "EINVAL", "MUST_SUCCEED set_domain");
  hwIs(dev("d2"), blocking, "d2 parked on blocking 'in hopes of avoiding a UAF'");
  hwIs(dev("d1"), enforcing, "d1 on the new domain");
  groupIs(g, enforcing, "group->domain = new");
});

// (This was a BUG when first written: MUST_SUCCEED walks skipped __iommu_domain_test_device and,
// with the checks moved out of attach_dev, attached d2 anyway and returned 0. Fixed in
// lib/core/set-domain.ts deviceSetDomain; fact sheet C.3: the test runs before every attach.)
test("MUST_SUCCEED with test_dev: each device is tested, a refused device counts as its attach error (test-dev-2025)", () => {
  const { k, dev, g, enforcing, def } = canwbsGroup("test-dev-2025");
  const m = mark(k);
  isErrno(groupSetDomainInternal(k, g, enforcing, MUST_SUCCEED), "EINVAL", "MUST_SUCCEED set_domain");
  const t = m.calls("__iommu_domain_test_device", "d2")[0];
  assert.ok(t && errnoName(t.ret ?? 0) === "EINVAL", "d2 is tested and refused");
  assert.not.ok(m.called("arm_smmu_attach_dev", "d2"), "d2's attach_dev is never called");
  hwIs(dev("d2"), def, "d2 is not attached to a domain it is incompatible with");
  hwIs(dev("d1"), enforcing, "d1 attached");
  hwIs(dev("d3"), enforcing, "the walk goes on to d3");
  groupIs(g, enforcing, "group->domain = new (MUST_SUCCEED)");
});

for (const era of ["pre-2022", "einval-6.2"] as const) {
  test(`MUST_SUCCEED historical: the 6.2 core has no flag, the walk stops at the first error (${era})`, () => {
    const { k, dev, group } = oneGroup(era, "arm-smmu-v3", ["d1", "d2", "d3"], { d2: { props: { ssidBits: 5 }, attachDeferred: true } });
    const g = group("g");
    const def = g.defaultDomain!;
    const nd = alloc(k, dev("d1"));
    isErrno(groupSetDomainInternal(k, g, nd, MUST_SUCCEED), "EINVAL", "set_domain with MUST_SUCCEED");
    groupIs(g, def, "group->domain not updated");
    hwIs(dev("d3"), def, "d3 never reached");
  });
}

// ---- Deferred attach -------------------------------------------------------------------------

for (const era of ALL_ERAS) {
  test(`iommu_deferred_attach: the default-domain attach waits for the first DMA API use (${era})`, () => {
    const { k, dev, group } = singles(era, "intel-vtd", ["kd"], { kd: { attachDeferred: true } });
    const kd = dev("kd");
    const g = group("kd");
    assert.ok(g.domain === g.defaultDomain, "group->domain is the default domain after probe");
    hwIs(kd, null, "but the hardware was not programmed");
    assert.ok(kd.attachDeferred, "attach_deferred still set");
    let m = mark(k);
    isErrno(iommuDeferredAttach(k, kd, g.defaultDomain!), "0", "deferred attach");
    assert.ok(m.called("intel_iommu_attach_device", "kd"), "the driver attaches now");
    hwIs(kd, g.defaultDomain, "hardware on default");
    assert.not.ok(kd.attachDeferred, "flag cleared");
    m = mark(k);
    isErrno(iommuDeferredAttach(k, kd, g.defaultDomain!), "0", "second call");
    assert.not.ok(m.called("intel_iommu_attach_device"), "fast path: no driver call");
  });
}

test("test-dev: iommu_deferred_attach runs __iommu_domain_test_device before attaching (test-dev-2025)", () => {
  const { k, dev, group } = singles("test-dev-2025", "intel-vtd", ["kd"], { kd: { attachDeferred: true } });
  const m = mark(k);
  isErrno(iommuDeferredAttach(k, dev("kd"), group("kd").defaultDomain!), "0", "deferred attach");
  const t = m.indexOf("__iommu_domain_test_device", "kd");
  assert.ok(t >= 0 && m.indexOf("intel_iommu_attach_device", "kd") > t, "tested, then attached");
});

for (const era of CUR_ERAS) {
  test(`__iommu_device_set_domain: attaching a non-default domain clears attach_deferred and attaches (${era})`, () => {
    const { k, dev } = singles(era, "intel-vtd", ["kd"], { kd: { attachDeferred: true } });
    const kd = dev("kd");
    const d = alloc(k, kd);
    isErrno(iommuAttachDevice(k, d, kd), "0", "attach");
    hwIs(kd, d, "attached");
    assert.not.ok(kd.attachDeferred, "flag cleared");
  });
}

// ---- PASID attach / replace with rollback ------------------------------------------------------

for (const era of CUR_ERAS) {
  test(`E-24 iommu_attach_device_pasid never overwrites: a second attach of an attached PASID -> EBUSY (${era})`, () => {
    const { k, dev, group } = oneGroup(era, "arm-smmu-v3", ["p1", "p2"], { p1: { maxPasids: 1024 }, p2: { maxPasids: 1024 } });
    const a = alloc(k, dev("p1"));
    const b = alloc(k, dev("p1"));
    isErrno(iommuAttachDevicePasid(k, a, dev("p1"), 100), "0", "first attach");
    assert.ok(dev("p1").hwPasid.get(100) === a && dev("p2").hwPasid.get(100) === a, "every PASID device of the group programmed");
    const m = mark(k);
    isErrno(iommuAttachDevicePasid(k, b, dev("p1"), 100), "EBUSY", "attach to another domain");
    isErrno(iommuAttachDevicePasid(k, a, dev("p2"), 100), "EBUSY", "attach again to the same domain (the core's xa_insert)");
    assert.not.ok(m.called("arm_smmu_s1_set_dev_pasid"), "no driver call");
    assert.ok(group("g").pasidArray.get(100)?.domain === a, "pasid_array unchanged");
    assert.ok(dev("p1").hwPasid.get(100) === a, "hardware unchanged");
  });

  // (Found as a bug when first written: the "same handle" check only ran when the new domain
  // equalled the current one. Fact sheet A.7 puts it first, whatever the domain.)
  test(`iommu_replace_device_pasid reusing the installed handle -> WARN + EINVAL, even onto another domain (${era})`, () => {
    const { k, dev, group } = singles(era, "arm-smmu-v3", ["p"], { p: { maxPasids: 16 } });
    const a = alloc(k, dev("p"));
    const b = alloc(k, dev("p"));
    isErrno(iommuAttachDevicePasid(k, a, dev("p"), 3, "h1"), "0", "attach with handle h1");
    const m = mark(k);
    isErrno(iommuReplaceDevicePasid(k, b, dev("p"), 3, "h1"), "EINVAL", "replace onto b with the same handle");
    assert.equal(m.levels(), ["WARN"], "WARN_ON(handle == curr)");
    assert.ok(group("p").pasidArray.get(3)?.domain === a, "PASID stays on a");
    assert.ok(dev("p").hwPasid.get(3) === a, "hardware stays on a");
  });

  test(`iommu_replace_device_pasid with the installed handle and the same domain -> WARN + EINVAL (${era})`, () => {
    const { k, dev } = singles(era, "arm-smmu-v3", ["p"], { p: { maxPasids: 16 } });
    const a = alloc(k, dev("p"));
    isErrno(iommuAttachDevicePasid(k, a, dev("p"), 3, "h1"), "0", "attach with handle h1");
    const m = mark(k);
    isErrno(iommuReplaceDevicePasid(k, a, dev("p"), 3, "h1"), "EINVAL", "replace with the same handle");
    assert.equal(m.levels(), ["WARN"], "WARN_ON(handle == curr)");
    isErrno(iommuReplaceDevicePasid(k, a, dev("p"), 3, null), "EINVAL", "replace without a handle");
  });

  test(`E-25 iommu_replace_device_pasid of a PASID that is not attached -> EINVAL (${era})`, () => {
    const { k, dev, group } = singles(era, "arm-smmu-v3", ["p"], { p: { maxPasids: 16 } });
    const a = alloc(k, dev("p"));
    isErrno(iommuReplaceDevicePasid(k, a, dev("p"), 200), "EINVAL", "replace unattached");
    assert.is(group("p").pasidArray.size, 0, "nothing reserved");
    assert.is(dev("p").hwPasid.size, 0);
  });

  test(`iommu_replace_device_pasid success moves every device; same domain only swaps the handle (${era})`, () => {
    const { k, dev, group } = oneGroup(era, "arm-smmu-v3", ["p1", "p2"], { p1: { maxPasids: 16 }, p2: { maxPasids: 16 } });
    const a = alloc(k, dev("p1"));
    const b = alloc(k, dev("p1"));
    isErrno(iommuAttachDevicePasid(k, a, dev("p1"), 7, "h1"), "0", "attach");
    isErrno(iommuReplaceDevicePasid(k, b, dev("p1"), 7, "h2"), "0", "replace a -> b");
    assert.ok(group("g").pasidArray.get(7)?.domain === b, "pasid_array on b");
    assert.ok(dev("p1").hwPasid.get(7) === b && dev("p2").hwPasid.get(7) === b, "both devices on b");
    const m = mark(k);
    isErrno(iommuReplaceDevicePasid(k, b, dev("p1"), 7, "h3"), "0", "replace with the same domain");
    assert.not.ok(m.called("arm_smmu_s1_set_dev_pasid"), "no driver call");
    assert.is(group("g").pasidArray.get(7)?.handle, "h3", "handle swapped");
  });

  test(`iommu_replace_device_pasid failure leaves the PASID on the old domain (pasid_array and every device) (${era})`, () => {
    const { k, dev, group } = oneGroup(era, "arm-smmu-v3", ["p1", "p2"], { p1: { maxPasids: 16 }, p2: { maxPasids: 16 } });
    const a = alloc(k, dev("p1"));
    const s2 = alloc(k, dev("p1"), { stage: "S2" });
    isErrno(iommuAttachDevicePasid(k, a, dev("p1"), 9, "h1"), "0", "attach");
    isErrno(iommuReplaceDevicePasid(k, s2, dev("p1"), 9, "h2"), "EINVAL", "replace onto a stage-2 domain");
    const e = group("g").pasidArray.get(9);
    assert.ok(e?.domain === a, "pasid_array still on the old domain");
    assert.is(e?.handle, "h1", "old handle kept");
    assert.ok(dev("p1").hwPasid.get(9) === a, "p1 hardware still on the old domain");
    assert.ok(dev("p2").hwPasid.get(9) === a, "p2 hardware still on the old domain");
  });

  test(`iommu_detach_device_pasid: every device's PASID goes through the blocked domain's set_dev_pasid (${era})`, () => {
    const { k, dev, group } = oneGroup(era, "arm-smmu-v3", ["p1", "p2"], { p1: { maxPasids: 16 }, p2: { maxPasids: 16 } });
    const a = alloc(k, dev("p1"));
    isErrno(iommuAttachDevicePasid(k, a, dev("p1"), 4), "0", "attach");
    const m = mark(k);
    iommuDetachDevicePasid(k, a, dev("p1"), 4);
    assert.equal(m.calls("arm_smmu_ops.blocked_domain.set_dev_pasid").map((x) => x.args["dev"]), ["p1", "p2"]);
    assert.not.ok(group("g").pasidArray.has(4));
    assert.is(dev("p1").hwPasid.size + dev("p2").hwPasid.size, 0);
  });
}

test("__iommu_set_group_pasid: failure on device 2 undoes device 1 through the blocked domain, nothing committed (mainline-2025)", () => {
  // d1 cannot take the enforcing stage-2 domain (not CANWBS), d2 can: after a MUST_SUCCEED
  // set_domain, d1's RID is on the old stage-1 default domain and d2's on stage 2. A stage-1
  // PASID then fits d1 but not d2 (no CD table in d2's STE).
  const { k, dev, group } = oneGroup("mainline-2025", "arm-smmu-v3", ["d1", "d2"], {
    d1: { props: { canwbs: false }, maxPasids: 16 },
    d2: { props: { canwbs: true }, maxPasids: 16 },
  });
  const g = group("g");
  const s2 = alloc(k, dev("d2"), { stage: "S2", enforceCacheCoherency: true });
  isErrno(groupSetDomainInternal(k, g, s2, MUST_SUCCEED), "EINVAL", "fixture: MUST_SUCCEED leaves d1 behind");
  hwIs(dev("d2"), s2, "fixture: d2 on stage 2");
  const p = alloc(k, dev("d1"));
  const m = mark(k);
  isErrno(iommuAttachDevicePasid(k, p, dev("d1"), 3), "EINVAL", "PASID attach");
  const setCalls = m.events().filter((e) => e.fn.endsWith("set_dev_pasid")).map((e) => `${e.fn}:${e.args["dev"]}:${errnoName(e.ret ?? 0)}`);
  assert.equal(setCalls, ["arm_smmu_s1_set_dev_pasid:d1:0", "arm_smmu_s1_set_dev_pasid:d2:EINVAL", "arm_smmu_ops.blocked_domain.set_dev_pasid:d1:0"], "d1 set, d2 refused, d1 undone");
  assert.not.ok(g.pasidArray.has(3), "not committed (xa_release)");
  assert.is(dev("d1").hwPasid.size, 0, "d1 PASID removed");
  assert.is(dev("d2").hwPasid.size, 0, "d2 never had it");
});

// ---- test_dev ordering -----------------------------------------------------------------------

test("test-dev: __iommu_domain_test_device and the driver's test_dev run before the driver's attach_dev (test-dev-2025)", () => {
  const { k, dev } = singles("test-dev-2025", "arm-smmu-v3", ["s"]);
  const d = alloc(k, dev("s"));
  const m = mark(k);
  isErrno(iommuAttachDevice(k, d, dev("s")), "0", "attach");
  const core = m.indexOf("__iommu_domain_test_device", "s");
  const drvTest = m.indexOf("arm_smmu_test_dev", "s");
  const drvAttach = m.indexOf("arm_smmu_attach_dev", "s");
  assert.ok(core >= 0 && drvTest > core && drvAttach > drvTest, `order: core test ${core}, driver test ${drvTest}, attach ${drvAttach}`);
  hwIs(dev("s"), d, "attached");
});

test("test-dev: a refused test means attach_dev is never called for that request (test-dev-2025)", () => {
  const { k, dev } = lab("test-dev-2025", {
    instances: [{ id: "smmu0", driver: "arm-smmu-v3" }, { id: "smmu1", driver: "arm-smmu-v3" }],
    devices: [{ id: "a", instance: "smmu0" }, { id: "b", instance: "smmu1" }],
  });
  const d = alloc(k, dev("a"));
  const before = dev("b").hwDomain;
  const m = mark(k);
  isErrno(iommuAttachDevice(k, d, dev("b")), "EINVAL", "domain of smmu0 on a device of smmu1");
  const t = m.calls("arm_smmu_test_dev", "b")[0];
  assert.ok(t && errnoName(t.ret ?? 0) === "EINVAL", "the driver's test_dev refuses");
  assert.not.ok(m.called("arm_smmu_attach_dev"), "no attach_dev event for the request");
  assert.not.ok(m.called("__iommu_attach_device"), "the core never gets to __iommu_attach_device");
  hwIs(dev("b"), before, "hardware unchanged");
});

test("test-dev: PASID attach is tested before set_dev_pasid (test-dev-2025)", () => {
  const { k, dev } = singles("test-dev-2025", "arm-smmu-v3", ["p"], { p: { maxPasids: 16 } });
  const s2 = alloc(k, dev("p"), { stage: "S2" });
  const m = mark(k);
  isErrno(iommuAttachDevicePasid(k, s2, dev("p"), 2), "EINVAL", "stage-2 domain on a PASID");
  assert.ok(m.calls("arm_smmu_test_dev", "p").some((e) => errnoName(e.ret ?? 0) === "EINVAL"), "test_dev refuses");
  assert.not.ok(m.called("arm_smmu_s1_set_dev_pasid"), "set_dev_pasid never called");
});

// ---- Determinism ------------------------------------------------------------------------------

function script(era: EraId) {
  const { k, dev, group } = oneGroup(era, "arm-smmu-v3", ["d1", "d2", "d3"], {
    d1: { props: { canwbs: true }, maxPasids: 16, ats: true },
    d2: { props: { canwbs: false }, maxPasids: 16 },
    d3: { props: { canwbs: true } },
  });
  const g = group("g");
  const enforcing = alloc(k, dev("d1"), { enforceCacheCoherency: true });
  const plain = domainAlloc(k, { dev: dev("d1") }) as Domain;
  iommuAttachGroup(k, enforcing, g);
  iommuAttachGroup(k, plain, g);
  iommuAttachDevicePasid(k, plain, dev("d1"), 1);
  pciDevResetIommuPrepare(k, dev("d1"));
  iommuReplaceGroup(k, g, enforcing);
  pciDevResetIommuDone(k, dev("d1"));
  iommuDetachGroup(k, plain, g);
  const c = new VfioContainer("c", "v2");
  iommuDetachDevicePasid(k, plain, dev("d1"), 1);
  vfioType1AttachGroup(k, c, g);
  return { log: k.log, trace: k.trace };
}

for (const era of CUR_ERAS) {
  test(`determinism: the same sequence twice gives deep-equal logs and traces (${era})`, () => {
    const a = script(era);
    const b = script(era);
    assert.ok(a.trace && a.trace.length > 20, "a non-trivial trace");
    assert.equal(a.log, b.log);
    assert.equal(a.trace, b.trace);
  });
}

test("determinism: a pre-2022 sequence with a no-rollback failure repeats exactly (pre-2022)", () => {
  const run = () => {
    const { k, dev, group } = oneGroup("pre-2022", "arm-smmu-v3", ["d1", "d2", "d3"], { d2: { props: { ssidBits: 5 }, attachDeferred: true } });
    const nd = alloc(k, dev("d1"));
    iommuAttachGroup(k, nd, group("g"));
    iommuDetachGroup(k, null, group("g"));
    return { log: k.log, trace: k.trace };
  };
  const a = run();
  const b = run();
  assert.ok(a.log.length > 0, "the failure logged something");
  assert.equal(a, b);
});

// ---- A device with no IOMMU (issue #16 point 5; kernel: iommu_group_get() is NULL) ------------

/** Every op a scenario can name, on a device with no IOMMU: the core's answer, never a crash. */
const NO_IOMMU_STEPS = [
  { op: "alloc-domain", id: "d0", device: "a" },
  { op: "attach-device", domain: "d0", device: "n" },
  { op: "detach-device", domain: "d0", device: "n" },
  { op: "attach-pasid", domain: "d0", device: "n", pasid: 3 },
  { op: "replace-pasid", domain: "d0", device: "n", pasid: 3 },
  { op: "detach-pasid", domain: "d0", device: "n", pasid: 3 },
  { op: "pci-reset-prepare", device: "n" },
  { op: "pci-reset-done", device: "n" },
  { op: "deferred-attach", device: "n" },
  { op: "iommufd-attach", ioas: "io", device: "n" },
  { op: "iommufd-unbind", device: "n" },
] as const;
// iommufd_device_bind() asks device_iommu_capable(dev, IOMMU_CAP_CACHE_COHERENCY) before it looks
// for the group: false for a device with no IOMMU, so EINVAL, not ENODEV.
const NO_IOMMU_WANT = ["0", "-ENODEV", "0", "-ENODEV", "-ENODEV", "0", "0", "0", "0", "-EINVAL", "0"];

function noIommuScenario(): Scenario {
  return {
    name: "no iommu",
    instances: [{ id: "i0", driver: "arm-smmu-v3" }],
    devices: [
      { id: "a", instance: "i0" },
      { id: "n", instance: null },
    ],
    steps: NO_IOMMU_STEPS.map((s) => ({ ...s })),
  };
}

test("no IOMMU: iommu_attach_device() and the PASID calls answer ENODEV, iommufd bind EINVAL, the rest 0 (API)", () => {
  for (const era of ["pre-2022", "einval-6.2", "mainline-2025", "test-dev-2025"] as EraId[]) {
    const r = runScenario(noIommuScenario(), { drivers, era });
    for (const [i, rec] of r.steps.entries()) {
      if (rec.outcome === "unavailable") continue; // PASID / reset / iommufd calls of older eras
      assert.is(rec.errno === "-" ? "0" : rec.errno === "0" ? "0" : `-${rec.errno}`, NO_IOMMU_WANT[i], `${era} step ${i} ${rec.op}`);
    }
    assert.is(r.steps[1]!.outcome, "hard-failure", `${era}: attach-device refused`);
  }
});

test("no IOMMU: group-named steps reached through the API get ENODEV / 0, not a crash", () => {
  const s = noIommuScenario();
  s.steps = [
    { op: "alloc-domain", id: "d0", device: "a" },
    { op: "attach-group", domain: "d0", group: "n" },
    { op: "claim-dma-owner", group: "n", owner: "me" },
    { op: "vfio-attach", container: "c", group: "n" },
    { op: "detach-group", group: "n" },
  ];
  const r = runScenario(s, { drivers, era: "mainline-2025" });
  assert.equal(r.steps.map((x) => x.errno), ["0", "ENODEV", "ENODEV", "ENODEV", "0"]);
});

test("no IOMMU: `iommu-lab run` reports ENODEV for attach-device and exits 0 (CLI)", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "noiommu-"));
  try {
    const file = path.join(dir, "s.json");
    fs.writeFileSync(file, JSON.stringify(noIommuScenario()));
    const r = spawnSync(process.execPath, [path.join(__dirname, "..", "bin/iommu-lab.cjs"), "run", file, "--json"], { encoding: "utf8" });
    assert.is(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout) as RunResult;
    assert.equal(out.steps.map((x) => (x.errno === "0" ? "0" : `-${x.errno}`)), NO_IOMMU_WANT);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
