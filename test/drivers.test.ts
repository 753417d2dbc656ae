/**
 * The arm-smmu-v3 and intel VT-d rows of the fact sheet's D.2 matrix (with D.1 for the printk
 * texts), era by era, driven through the core: iommu_attach_device for the RID and
 * iommu_attach_device_pasid for set_dev_pasid. For each row: the errno, whether a line was
 * printed and at which level, and where the device's hardware ends up.
 *
 * Every scenario below is built from the fact sheet's wording of the condition; none of them
 * reads the drivers' own data.
 */
import { drivers } from "../hardware/index.ts";
import { test } from "uvu";
import * as assert from "uvu/assert";
import {
  errnoName,
  groupHwOn,
  iommuAttachDevice,
  iommuAttachDevicePasid,
  type Device,
  type Domain,
  type EraId,
  type Kernel,
} from "../lib/index.ts";
import { alloc, CUR_ERAS, isErrno, lab, type Lab, mark } from "./helpers.ts";

const PASID = 1;

/** Kernel function names of the two drivers (fact sheet D.1, TD1). */
const FN = {
  "arm-smmu-v3": { attach: "arm_smmu_attach_dev", test: "arm_smmu_test_dev", pasid: "arm_smmu_s1_set_dev_pasid" },
  "intel-vtd": { attach: "intel_iommu_attach_device", test: "intel_iommu_test_dev", pasid: "intel_iommu_set_dev_pasid" },
} as const;
type DriverId = keyof typeof FN;

interface Scenario {
  k: Kernel;
  /** Device under test. */
  dut: Device;
  domain: Domain;
}

type Level = "err" | "dbg" | "warn";

interface Expect {
  errno: string;
  /** The one line printed on the path, or null for a silent path. */
  log: { level: Level; text?: string } | null;
  /**
   * RID / PASID state afterwards:
   * "unchanged": hardware and group->domain as before (prepare/commit drivers, refused by the core);
   * "detached": arm_smmu_detach_dev() / intel's dmar_remove_one_dev_info() ran before the check, the RID has no domain;
   * "attached": the attach went through; "fake": 0 returned, hardware not on the domain.
   */
  state: "unchanged" | "detached" | "attached" | "fake";
  /** Who refuses: the driver (attach_dev / set_dev_pasid, or test_dev in test-dev-2025) or the core before any driver call. */
  by?: "driver" | "core";
}

interface Row {
  driver: DriverId;
  check: string;
  op: "attach" | "pasid";
  setup: (era: EraId, variants: string[]) => Scenario;
  expect: Partial<Record<EraId, Expect>>;
  variants?: string[];
}

// ---- Expectation shorthands ----------------------------------------------------------------

const silent = (errno: string, state: Expect["state"] = "unchanged"): Expect => ({ errno, log: null, state });
const printed = (errno: string, level: Level, text: string | undefined, state: Expect["state"]): Expect => ({ errno, log: text ? { level, text } : { level }, state });
const byCore = (errno: string): Expect => ({ errno, log: null, state: "unchanged", by: "core" });
/** A mainline-2025 row and its test-dev-2025 twin (TD1: the same errnos, moved into test_dev). */
const cur = (e: Expect): Partial<Record<EraId, Expect>> => ({ "mainline-2025": e, "test-dev-2025": e });

// ---- Scenario builders (arm-smmu-v3) ---------------------------------------------------------

/**
 * Instance smmu0 (where the domain lives) and, if `other`, smmu1 behind which the device under
 * test sits. The domain is allocated for "first" and, if `finalise`, attached to it (finalising
 * it in eras with lazily finalised, bus-allocated domains).
 */
function smmu(
  era: EraId,
  variants: string[],
  o: { other?: boolean; inst?: Record<string, boolean>; first?: Record<string, number | boolean>; dut?: Record<string, number | boolean>; dutPasids?: number; domain?: Record<string, string | boolean>; domainType?: "sva"; finalise?: boolean },
): Scenario & Lab {
  const l = lab(
    era,
    {
      instances: [{ id: "smmu0", driver: "arm-smmu-v3", props: o.inst ?? {} }, { id: "smmu1", driver: "arm-smmu-v3" }],
      devices: [
        { id: "first", instance: "smmu0", props: o.first ?? {} },
        { id: "dut", instance: o.other ? "smmu1" : "smmu0", props: o.dut ?? {}, maxPasids: o.dutPasids ?? 0 },
      ],
    },
    { variants },
  );
  const domain = alloc(l.k, l.dev("first"), o.domain ?? {}, o.domainType ? { type: o.domainType } : {});
  if (o.finalise ?? true) isErrno(iommuAttachDevice(l.k, domain, l.dev("first")), "0", "fixture: attach to the first device");
  return { ...l, dut: l.dev("dut"), domain };
}

const MISMATCH = "cannot attach to SMMU smmu0 (upstream of smmu1)";

const armRows: Row[] = [
  {
    driver: "arm-smmu-v3",
    check: "smmu mismatch (smmu_domain->smmu != master->smmu)",
    op: "attach",
    setup: (era, v) => smmu(era, v, { other: true }),
    expect: {
      "pre-2022": printed("ENXIO", "err", MISMATCH, "detached"),
      "emediumtype-2022": silent("EMEDIUMTYPE", "detached"), // v6 deleted the print (20220815181437.28127-2-nicolinc@nvidia.com)
      // f4a147735793 dropped the print; the Nov 2022 follow-up brought it back as dev_dbg (D.1).
      "einval-6.2": printed("EINVAL", "dbg", MISMATCH, "detached"),
      ...cur(silent("EINVAL")),
    },
  },
  {
    driver: "arm-smmu-v3",
    check: "SSID bits mismatch (master->ssid_bits != s1cdmax)",
    op: "attach",
    setup: (era, v) => smmu(era, v, { first: { ssidBits: 0 }, dut: { ssidBits: 5 } }),
    expect: {
      "pre-2022": printed("EINVAL", "err", "cannot attach to incompatible domain (0 SSID bits != 5)", "detached"),
      "emediumtype-2022": silent("EMEDIUMTYPE", "detached"),
      "einval-6.2": printed("EINVAL", "dbg", "cannot attach to incompatible domain (0 SSID bits != 5)", "detached"),
      // Not among the mainline checks (D.1): the CD table is per master.
      ...cur(silent("0", "attached")),
    },
  },
  {
    driver: "arm-smmu-v3",
    check: "stall mismatch (stall_enabled differs)",
    op: "attach",
    setup: (era, v) => smmu(era, v, { dut: { stallEnabled: true } }),
    expect: {
      "pre-2022": printed("EINVAL", "err", "cannot attach to stall-disabled domain", "detached"),
      "emediumtype-2022": silent("EMEDIUMTYPE", "detached"),
      "einval-6.2": printed("EINVAL", "dbg", "cannot attach to stall-disabled domain", "detached"),
      ...cur(silent("0", "attached")),
    },
  },
  {
    driver: "arm-smmu-v3",
    check: "S2 domain while SSIDs are in use",
    op: "attach",
    setup: (era, v) => {
      const s = smmu(era, v, { dutPasids: 16, domain: { stage: "S2" }, finalise: false });
      isErrno(iommuAttachDevicePasid(s.k, alloc(s.k, s.dut), s.dut, PASID), "0", "fixture: a PASID in use");
      return s;
    },
    expect: cur(silent("EBUSY")),
  },
  {
    driver: "arm-smmu-v3",
    check: "enforce_cache_coherency && !CANWBS",
    op: "attach",
    setup: (era, v) => smmu(era, v, { first: { canwbs: true }, dut: { canwbs: false }, domain: { enforceCacheCoherency: true } }),
    expect: cur(silent("EINVAL")),
  },
  {
    driver: "arm-smmu-v3",
    check: "IOPF domain without SVA support",
    op: "attach",
    setup: (era, v) => smmu(era, v, { inst: { sva: false }, domain: { iopf: true }, finalise: false }),
    expect: cur(silent("EOPNOTSUPP")),
  },
  {
    driver: "arm-smmu-v3",
    check: "IOPF stall with num_streams != 1",
    op: "attach",
    setup: (era, v) => smmu(era, v, { inst: { sva: true }, domain: { iopf: true }, dut: { stallEnabled: true, numStreams: 2 }, finalise: false }),
    expect: cur(silent("EOPNOTSUPP")),
  },
  {
    driver: "arm-smmu-v3",
    check: "set_dev_pasid: non-S1 domain",
    op: "pasid",
    setup: (era, v) => smmu(era, v, { dutPasids: 16, domain: { stage: "S2" }, finalise: false }),
    expect: cur(silent("EINVAL")),
  },
  {
    driver: "arm-smmu-v3",
    check: "set_dev_pasid: CD table not in the STE (RID on stage 2)",
    op: "pasid",
    setup: (era, v) => {
      const s = smmu(era, v, { dutPasids: 16, finalise: false });
      isErrno(iommuAttachDevice(s.k, alloc(s.k, s.dut, { stage: "S2" }), s.dut), "0", "fixture: RID on a stage-2 domain");
      return s;
    },
    expect: cur(silent("EINVAL")),
  },
  {
    driver: "arm-smmu-v3",
    check: "set_dev_pasid: SVA without FEAT_SVA",
    op: "pasid",
    setup: (era, v) => smmu(era, v, { inst: { sva: false }, dutPasids: 16, domainType: "sva", finalise: false }),
    expect: cur(silent("EOPNOTSUPP")),
  },
];

// ---- Scenario builders (intel VT-d) ------------------------------------------------------------

/**
 * Unit dmar0 (where the domain is allocated, for device "first") and dmar1 behind which the
 * device under test sits, unless `same`.
 */
function dmar(
  era: EraId,
  o: { u0?: Record<string, number | boolean>; u1?: Record<string, number | boolean>; domain?: Record<string, number | boolean>; same?: boolean; dutPasids?: number; finalise?: boolean; enforce?: boolean },
): Scenario & Lab {
  const l = lab(era, {
    instances: [{ id: "dmar0", driver: "intel-vtd", props: o.u0 ?? {} }, { id: "dmar1", driver: "intel-vtd", props: o.u1 ?? {} }],
    devices: [
      { id: "first", instance: "dmar0" },
      { id: "dut", instance: o.same ? "dmar0" : "dmar1", maxPasids: o.dutPasids ?? 0 },
    ],
  });
  const domain = alloc(l.k, l.dev("first"), o.domain ?? {});
  if (o.finalise ?? true) isErrno(iommuAttachDevice(l.k, domain, l.dev("first")), "0", "fixture: attach to the first device");
  if (o.enforce) {
    // ops->enforce_cache_coherency(domain), as VFIO type1 / iommufd call it.
    const ok = drivers.get("intel-vtd")!.enforceCacheCoherency!(l.k, domain);
    assert.ok(ok, "fixture: enforce_cache_coherency succeeds on the snooping unit");
  }
  return { ...l, dut: l.dev("dut"), domain };
}

const intelRows: Row[] = [
  {
    driver: "intel-vtd",
    check: "!iommu (a device of another IOMMU driver)",
    op: "attach",
    setup: (era) => {
      const l = lab(era, {
        instances: [{ id: "dmar0", driver: "intel-vtd" }, { id: "smmu0", driver: "arm-smmu-v3" }],
        devices: [{ id: "first", instance: "dmar0" }, { id: "dut", instance: "smmu0" }],
      });
      return { ...l, dut: l.dev("dut"), domain: alloc(l.k, l.dev("first")) };
    },
    expect: {
      "pre-2022": silent("ENODEV"),
      "emediumtype-2022": silent("ENODEV"),
      "einval-6.2": silent("ENODEV"),
      // The core's owner check (a9c362db3920) refuses before intel's code runs.
      ...cur(byCore("EINVAL")),
    },
  },
  {
    driver: "intel-vtd",
    check: "force_snooping && !ecap_sc_support",
    op: "attach",
    setup: (era) => dmar(era, { u1: { snoopControl: false }, enforce: true }),
    expect: {
      // Added in v5.19 (after the kit's pre-2022); intel_iommu_attach_device() has blocked the
      // device by the time prepare_domain_attach_device() refuses (detach first, no rollback).
      "pre-2022": silent("0", "attached"),
      "emediumtype-2022": silent("EMEDIUMTYPE", "detached"),
      "einval-6.2": silent("EINVAL", "detached"),
      ...cur(silent("EINVAL")),
    },
  },
  {
    driver: "intel-vtd",
    check: "address width (iommu width not sufficient)",
    op: "attach",
    // dmar0 is 57-bit, dmar1 48-bit. Old eras compare the highest mapped IOVA (2^52) with the
    // unit's width; mainline compares the domain's gaw (57, from dmar0) with it.
    setup: (era) => dmar(era, { u0: { addressWidth: 57 }, u1: { addressWidth: 48 }, domain: { maxAddrBits: 52 } }),
    expect: {
      "pre-2022": printed("EFAULT", "err", "prepare_domain_attach_device: iommu width (48) is not sufficient for the mapped address (10000000000000)", "detached"),
      // v6 of the proposal deleted the print (20220815181437.28127-2-nicolinc@nvidia.com).
      "emediumtype-2022": silent("EMEDIUMTYPE", "detached"),
      "einval-6.2": silent("EINVAL", "detached"),
      ...cur(silent("EINVAL")),
    },
  },
  {
    driver: "intel-vtd",
    check: "paging_domain_compatible: first stage on a unit without FLTS",
    op: "attach",
    setup: (era) => dmar(era, { u1: { firstStage: false } }),
    expect: cur(silent("EINVAL")),
  },
  {
    driver: "intel-vtd",
    check: "paging_domain_compatible: first stage 1G pages unsupported",
    op: "attach",
    setup: (era) => dmar(era, { u1: { superpage1G: false } }),
    expect: cur(silent("EINVAL")),
  },
  {
    driver: "intel-vtd",
    check: "paging_domain_compatible: dirty tracking without SSADS",
    op: "attach",
    setup: (era) => dmar(era, { u0: { dirtyTracking: true }, domain: { dirtyTracking: true } }),
    expect: cur(silent("EINVAL")),
  },
  {
    driver: "intel-vtd",
    check: "paging_domain_compatible: nest parent without nesting support",
    op: "attach",
    setup: (era) => dmar(era, { u0: { nesting: true }, domain: { nestParent: true } }),
    expect: cur(silent("EINVAL")),
  },
  {
    driver: "intel-vtd",
    check: "paging_domain_compatible: second stage on a unit without SLTS",
    op: "attach",
    setup: (era) => dmar(era, { u0: { firstStage: false }, u1: { secondStage: false } }),
    expect: cur(silent("EINVAL")),
  },
  {
    driver: "intel-vtd",
    check: "paging_domain_compatible: second stage 2M superpage mismatch",
    op: "attach",
    setup: (era) => dmar(era, { u0: { firstStage: false }, u1: { superpage2M: false } }),
    expect: cur(silent("EINVAL")),
  },
  {
    driver: "intel-vtd",
    check: "paging_domain_compatible: iommu_coherency mismatch",
    op: "attach",
    setup: (era) => dmar(era, { u1: { coherent: false } }),
    expect: cur(silent("EINVAL")),
  },
  {
    driver: "intel-vtd",
    check: "set_dev_pasid: !pasid_supported",
    op: "pasid",
    setup: (era) => dmar(era, { same: true, u0: { pasid: false }, dutPasids: 16, finalise: false }),
    expect: cur(silent("EOPNOTSUPP")),
  },
  {
    driver: "intel-vtd",
    check: "set_dev_pasid: dirty tracking domain",
    op: "pasid",
    setup: (era) => dmar(era, { same: true, u0: { dirtyTracking: true }, domain: { dirtyTracking: true }, dutPasids: 16, finalise: false }),
    expect: cur(silent("EINVAL")),
  },
  {
    driver: "intel-vtd",
    check: "set_dev_pasid: context copied from a previous kernel",
    op: "pasid",
    setup: (era) => dmar(era, { same: true, u0: { contextCopied: true }, dutPasids: 16, finalise: false }),
    expect: cur(silent("EBUSY")),
  },
];

// ---- The runner ---------------------------------------------------------------------------------

function runRow(row: Row, era: EraId, exp: Expect): void {
  const where = `${row.driver} / ${era} / ${row.check}${row.variants ? ` [${row.variants.join(",")}]` : ""}`;
  const { k, dut, domain } = row.setup(era, row.variants ?? []);
  const g = dut.group!;
  const hwBefore = dut.hwDomain;
  const groupBefore = g.domain;
  const m = mark(k);
  const ret = row.op === "attach" ? iommuAttachDevice(k, domain, dut) : iommuAttachDevicePasid(k, domain, dut, PASID);
  assert.is(errnoName(ret), exp.errno, `${where}: errno`);

  // The log: exactly the expected line, or nothing at all.
  const lines = m.lines();
  if (exp.log) {
    assert.is(lines.length, 1, `${where}: one log line, got ${JSON.stringify(m.log())}`);
    assert.is(lines[0]!.level, exp.log.level, `${where}: log level`);
    assert.is(lines[0]!.dev, dut.id, `${where}: the line is about the device`);
    if (exp.log.text) assert.is(lines[0]!.text, exp.log.text, `${where}: log text`);
  } else {
    assert.equal(m.log(), [], `${where}: silent`);
  }

  // Who refused.
  const fn = FN[row.driver];
  const testDev = era === "test-dev-2025";
  const driverFn = row.op === "attach" ? fn.attach : fn.pasid;
  if (exp.by === "core") {
    assert.not.ok(m.called(fn.attach) || m.called(fn.pasid) || m.called(fn.test), `${where}: no driver call`);
  } else if (ret !== 0) {
    const refuser = testDev ? fn.test : driverFn;
    assert.ok(m.calls(refuser, dut.id).some((e) => errnoName(e.ret ?? 0) === exp.errno), `${where}: ${refuser} returned ${exp.errno}; trace ${m.fns().join(" ")}`);
    if (testDev) assert.not.ok(m.called(driverFn, dut.id), `${where}: test-dev: ${driverFn} never called after a refused test`);
  }

  // Attach state.
  if (row.op === "pasid") {
    if (exp.state === "attached") assert.ok(dut.hwPasid.get(PASID) === domain, `${where}: PASID programmed`);
    else {
      assert.ok(!dut.hwPasid.has(PASID), `${where}: PASID not programmed`);
      assert.ok(!g.pasidArray.has(PASID), `${where}: pasid_array not committed`);
    }
    assert.ok(dut.hwDomain === hwBefore, `${where}: RID untouched`);
    return;
  }
  switch (exp.state) {
    case "unchanged":
      assert.ok(dut.hwDomain === hwBefore, `${where}: hardware unchanged (${dut.hwDomain?.id})`);
      assert.ok(g.domain === groupBefore, `${where}: group->domain unchanged`);
      break;
    case "detached":
      assert.is(dut.hwDomain, null, `${where}: arm_smmu_detach_dev() ran first, the RID has no domain`);
      assert.ok(g.domain === groupBefore, `${where}: group->domain unchanged`);
      break;
    case "attached":
      assert.ok(dut.hwDomain === domain, `${where}: hardware on the domain`);
      assert.ok(g.domain === domain, `${where}: group->domain is the domain`);
      break;
    case "fake":
      assert.ok(dut.hwDomain === hwBefore, `${where}: hardware NOT on the domain`);
      assert.not.ok(groupHwOn(g, domain), `${where}: groupHwOn is false`);
      assert.ok(g.domain === domain, `${where}: but the core believes the group is on it`);
      break;
  }
}

for (const row of [...armRows, ...intelRows]) {
  for (const [era, exp] of Object.entries(row.expect) as Array<[EraId, Expect]>) {
    const summary = `${exp.errno}${exp.log ? ", " + exp.log.level : ", silent"}, ${exp.state}${exp.by === "core" ? ", refused by the core" : ""}`;
    test(`D.2 ${row.driver} ${era}: ${row.check} -> ${summary}`, () => runRow(row, era, exp));
  }
}

// ---- The 2025 SMMUv3 regression (48e7b8e284e5, fixed by be5a2d3f8f97) -------------------------

const REGRESSION = "arm-smmu-v3:regression-48e7b8e284e5";

test(`D.1 arm-smmu-v3 mainline-2025 [${REGRESSION}]: smmu mismatch returns 0 but the device is not attached`, () => {
  runRow({ ...armRows[0]!, variants: [REGRESSION] }, "mainline-2025", silent("0", "fake"));
});

test(`D.1 arm-smmu-v3 [${REGRESSION}]: the variant changes nothing in einval-6.2`, () => {
  runRow({ ...armRows[0]!, variants: [REGRESSION] }, "einval-6.2", printed("EINVAL", "dbg", MISMATCH, "detached"));
});

// ---- !fwspec -> ENOENT (mainline arm-smmu-v3) is out of reach of the public core ----------------

for (const era of ["pre-2022", ...CUR_ERAS] as const) {
  test(`D.2 arm-smmu-v3 ${era}: a device without an IOMMU never reaches the driver (the core answers ENODEV, no group)`, () => {
    const l = lab(era, { instances: [{ id: "smmu0", driver: "arm-smmu-v3" }], devices: [{ id: "first", instance: "smmu0" }, { id: "bare" }] });
    const d = alloc(l.k, l.dev("first"));
    const m = mark(l.k);
    isErrno(iommuAttachDevice(l.k, d, l.dev("bare")), "ENODEV", "attach to a device with no IOMMU");
    assert.not.ok(m.called("arm_smmu_attach_dev") || m.called("arm_smmu_test_dev"), "no driver call");
    assert.is(l.dev("bare").hwDomain, null);
  });
}

// ---- The same mismatch leaves different attach state across eras --------------------------------

test("D.1 arm-smmu-v3: a refused attach detaches the master before 2023 and leaves it alone after (pre-2022 vs mainline-2025)", () => {
  const old = smmu("pre-2022", [], { other: true });
  const before = old.dut.hwDomain;
  assert.ok(before, "fixture: the device is on its default domain");
  isErrno(iommuAttachDevice(old.k, old.domain, old.dut), "ENXIO", "pre-2022");
  assert.is(old.dut.hwDomain, null, "pre-2022: no domain at all (DMA blocked/faulting)");
  assert.ok(old.dut.group!.domain === before, "pre-2022: group->domain still claims the default domain");
  const now = smmu("mainline-2025", [], { other: true });
  const nowBefore = now.dut.hwDomain;
  isErrno(iommuAttachDevice(now.k, now.domain, now.dut), "EINVAL", "mainline-2025");
  assert.ok(now.dut.hwDomain === nowBefore, "mainline-2025: still on its default domain");
});

test.run();
