/**
 * amd-iommu against the fact sheet (D.1 "amd", D.2) and TD1 05/20:
 *   pre-2022: IOMMUv2 domain with a non-identity default domain -> EINVAL; check_device /
 *             rlookup_amd_iommu -> EINVAL
 *   einval-6.2: the two device checks dropped (79218fd0b38b)
 *   mainline-2025: dirty_ops && !HD -> EINVAL; SVA set_dev_pasid: old -> EOPNOTSUPP, bad PASID
 *             -> EINVAL, kzalloc failure -> EINVAL (bug)
 *   test-dev-2025: the same checks in test_dev; the kzalloc failure -> ENOMEM
 * INFERRED cells: 2014 = pre-2022; the EMEDIUMTYPE proposal converts the IOMMUv2 path and keeps
 * the no-IOMMU path; the IOMMUv2 path is gone in mainline-2025 (amd_iommu_v2 removed in 2023);
 * a paging domain has no set_dev_pasid (EOPNOTSUPP from the core's op test).
 */
import { drivers } from "../../hardware/index.ts";
import * as assert from "uvu/assert";
import {
  buildPlatform,
  type Domain,
  domainAlloc,
  errnoName,
  type EraId,
  iommuAttachDevice,
  iommuAttachDevicePasid,
  iommuReplaceDevicePasid,
  Kernel,
  VfioContainer,
  vfioType1AttachGroup,
} from "../../lib/index.ts";
import { referenceRows, test } from "./reference.ts";

/** Cells of a check that only exists from mainline-2025 on. */
const NOT_BEFORE_MAINLINE = { "2014-nesting": "-", "pre-2022": "-", "emediumtype-2022": "-", "einval-6.2": "-" } as const;

referenceRows("amd-iommu", {
  "no-amd-iommu": {
    "2014-nesting": "EINVAL",
    "pre-2022": "EINVAL",
    "emediumtype-2022": "EINVAL",
    "einval-6.2": "-",
    "mainline-2025": "-",
    "test-dev-2025": "-",
  },
  "dirty-no-hd": {
    ...NOT_BEFORE_MAINLINE,
    "mainline-2025": "EINVAL",
    "test-dev-2025": "EINVAL",
  },
  "iommuv2-default": {
    "2014-nesting": "EINVAL",
    "pre-2022": "EINVAL",
    "emediumtype-2022": "EMEDIUMTYPE",
    "einval-6.2": "EINVAL",
    "mainline-2025": "-",
    "test-dev-2025": "-",
  },
});

referenceRows(
  "amd-iommu",
  {
    "paging-no-set-dev-pasid": {
      ...NOT_BEFORE_MAINLINE,
      "mainline-2025": "EOPNOTSUPP",
      "test-dev-2025": "EOPNOTSUPP",
    },
    "sva-bad-pasid": {
      ...NOT_BEFORE_MAINLINE,
      "mainline-2025": "EINVAL",
      "test-dev-2025": "EINVAL",
    },
  },
  { op: "pasid" },
);

/** An EPYC-like machine: two IOMMUs (one per root complex), a NIC behind each, an accelerator with PASIDs. */
function epyc(era: EraId, failNth = 0, passthrough = false): Kernel {
  const k = new Kernel({ era, drivers, failNth });
  buildPlatform(k, {
    instances: [
      { id: "iommu0", driver: "amd-iommu", props: { pasid: true, passthrough } },
      { id: "iommu1", driver: "amd-iommu", props: { pasid: true, passthrough } },
    ],
    devices: [
      { id: "nic0", instance: "iommu0" },
      { id: "nic1", instance: "iommu1" },
      { id: "accel", instance: "iommu1", maxPasids: 1024 },
    ],
  });
  return k;
}

test("amd-iommu: one protection domain serves devices behind different IOMMUs, in every era", () => {
  for (const era of ["2014-nesting", "pre-2022", "einval-6.2", "mainline-2025", "test-dev-2025"] as const) {
    const k = epyc(era);
    const d = domainAlloc(k, { dev: k.devices.get("nic0")! }) as Domain;
    assert.is(iommuAttachDevice(k, d, k.devices.get("nic0")!), 0, era);
    assert.is(iommuAttachDevice(k, d, k.devices.get("nic1")!), 0, era);
    assert.is(k.devices.get("nic1")!.hwDomain, d, era);
  }
});

test("amd-iommu: VFIO type1 merges groups of two IOMMUs into one domain", () => {
  for (const era of ["pre-2022", "mainline-2025"] as const) {
    const k = epyc(era);
    const c = new VfioContainer("c0", "v2");
    assert.is(vfioType1AttachGroup(k, c, k.groups.get("nic0")!).outcome, "attached-new", era);
    const o = vfioType1AttachGroup(k, c, k.groups.get("nic1")!);
    assert.is(o.outcome, "attached-existing", era);
    assert.is(o.softFailures, 0, era);
  }
});

test("amd-iommu pre-2022: an IOMMUv2 domain is refused unless the device is in passthrough, and the device is left detached", () => {
  const k = epyc("pre-2022");
  const gpu = k.devices.get("accel")!;
  const v2 = domainAlloc(k, { dev: gpu, props: { iommuV2: true } }) as Domain;
  const from = k.log.length;
  assert.is(errnoName(iommuAttachDevice(k, v2, gpu)), "EINVAL");
  assert.is(k.log.length, from, "silent");
  // detach_device() ran before attach_device() refused: no domain in hardware, the core still says default.
  assert.is(gpu.hwDomain, null);
  assert.is(gpu.group!.domain, gpu.group!.defaultDomain);

  const pt = epyc("pre-2022", 0, true);
  const g2 = pt.devices.get("accel")!;
  assert.is(g2.group!.defaultDomain!.type, "identity");
  assert.is(iommuAttachDevice(pt, domainAlloc(pt, { dev: g2, props: { iommuV2: true } }) as Domain, g2), 0);
});

test("amd-iommu mainline-2025: dirty tracking needs HD - refused at allocation for the device's own IOMMU", () => {
  const k = epyc("mainline-2025");
  assert.is(errnoName(domainAlloc(k, { dev: k.devices.get("nic0")!, props: { dirtyTracking: true } }) as number), "EOPNOTSUPP");
});

test("amd-iommu mainline-2025: no IOMMUv2 domain can be made any more (amd_iommu_v2 removed, INFERRED errno)", () => {
  const k = epyc("mainline-2025");
  assert.is(errnoName(domainAlloc(k, { dev: k.devices.get("accel")!, props: { iommuV2: true } }) as number), "EOPNOTSUPP");
});

/** Allocations made up to (not including) the SVA attach of PASID 1 on the accelerator. */
function allocsBeforeSvaAttach(era: EraId): number {
  const k = epyc(era);
  domainAlloc(k, { dev: k.devices.get("accel")!, type: "sva" });
  return k.allocations;
}

test("amd-iommu SVA: a kzalloc failure in set_dev_pasid returns EINVAL in mainline-2025 (bug) and ENOMEM in test-dev-2025", () => {
  const want = { "mainline-2025": "EINVAL", "test-dev-2025": "ENOMEM" } as const;
  for (const era of ["mainline-2025", "test-dev-2025"] as const) {
    // +1: the core's own allocation (xa_insert); +2: pdom_dev_data in iommu_sva_set_dev_pasid.
    const n = allocsBeforeSvaAttach(era);
    for (const [nth, errno] of [[n + 1, "ENOMEM"], [n + 2, want[era]]] as const) {
      const k = epyc(era, nth);
      const accel = k.devices.get("accel")!;
      const sva = domainAlloc(k, { dev: accel, type: "sva" }) as Domain;
      assert.is(errnoName(iommuAttachDevicePasid(k, sva, accel, 1)), errno, `${era} fail #${nth}`);
      assert.not.ok(accel.hwPasid.has(1), era);
      assert.not.ok(accel.group!.pasidArray.has(1), era);
    }
    const ok = epyc(era, n + 3);
    const accel = ok.devices.get("accel")!;
    assert.is(iommuAttachDevicePasid(ok, domainAlloc(ok, { dev: accel, type: "sva" }) as Domain, accel, 1), 0, era);
  }
});

test("amd-iommu SVA: replacing an attached PASID gives old != NULL -> EOPNOTSUPP; the PASID keeps its domain", () => {
  for (const era of ["mainline-2025", "test-dev-2025"] as const) {
    const k = epyc(era);
    const accel = k.devices.get("accel")!;
    const a = domainAlloc(k, { dev: accel, type: "sva" }) as Domain;
    const b = domainAlloc(k, { dev: accel, type: "sva" }) as Domain;
    assert.is(iommuAttachDevicePasid(k, a, accel, 7), 0, era);
    assert.is(errnoName(iommuReplaceDevicePasid(k, b, accel, 7)), "EOPNOTSUPP", era);
    assert.is(accel.hwPasid.get(7), a, era);
    assert.is(accel.group!.pasidArray.get(7)!.domain, a, era);
  }
});

test("amd-iommu SVA domains do not exist before mainline-2025", () => {
  const k = epyc("einval-6.2");
  assert.is(errnoName(domainAlloc(k, { dev: k.devices.get("accel")!, type: "sva" }) as number), "EOPNOTSUPP");
});

test.run();
