/**
 * rockchip-iommu against the fact sheet (D.1 "rockchip", D.2): the mainline-2025 identity
 * attach refuses a device with no Rockchip IOMMU with ENODEV (TD1 rockchip patch; test_dev in
 * test-dev-2025). The paging attach was not read (fact sheet F): its "virtual device" row below
 * is the model's INFERRED reading, not a fact-sheet cell.
 */
import { drivers } from "../../hardware/index.ts";
import * as assert from "uvu/assert";
import { buildPlatform, type Domain, domainAlloc, errnoName, iommuAttachDevice, iommuAttachGroup, Kernel, staticDomain, type EraId } from "../../lib/index.ts";
import { __iommuAttachDevice } from "../../lib/core/set-domain.ts";
import { referenceRows, test } from "./reference.ts";

const ALL: EraId[] = ["2014-nesting", "pre-2022", "emediumtype-2022", "einval-6.2", "mainline-2025", "test-dev-2025"];

referenceRows("rockchip-iommu", {
  // D.2: "rockchip | (not read) | - | identity: no iommu -> ENODEV | test_dev". The static
  // identity domain exists from 2023 on, so the identity path is absent before mainline-2025.
  "identity-no-iommu": {
    "2014-nesting": "-",
    "pre-2022": "-",
    "emediumtype-2022": "-",
    "einval-6.2": "-",
    "mainline-2025": "ENODEV",
    "test-dev-2025": "ENODEV",
  },
  // INFERRED (paging attach not read): a "virtual device" returns 0 without being attached.
  "virtual-device": {
    "2014-nesting": "0!",
    "pre-2022": "0!",
    "emediumtype-2022": "0!",
    "einval-6.2": "0!",
    "mainline-2025": "0!",
    "test-dev-2025": "0!",
  },
});

/** Two rk_iommu instances, a VOP behind each, and a drm "virtual device" with no IOMMU. */
function rk3399(era: EraId): Kernel {
  const k = new Kernel({ era, drivers });
  buildPlatform(k, {
    instances: [{ id: "vopb_mmu", driver: "rockchip-iommu" }, { id: "vopl_mmu", driver: "rockchip-iommu" }],
    devices: [{ id: "vopb", instance: "vopb_mmu" }, { id: "vopl", instance: "vopl_mmu" }, { id: "display-subsystem" }],
  });
  return k;
}

test("rockchip-iommu exists in every era (merged for v3.19, INFERRED)", () => {
  assert.equal(drivers.get("rockchip-iommu")!.exists, ALL);
});

test("rockchip-iommu: one domain serves masters behind two rk_iommu instances in every era (no instance check)", () => {
  for (const era of ALL) {
    const k = rk3399(era);
    const d = domainAlloc(k, { dev: k.devices.get("vopb")! }) as Domain;
    assert.is(errnoName(iommuAttachDevice(k, d, k.devices.get("vopb")!)), "0", era);
    assert.is(errnoName(iommuAttachDevice(k, d, k.devices.get("vopl")!)), "0", era);
    assert.is(k.devices.get("vopl")!.hwDomain, d, era);
    assert.equal(k.log, [], era);
  }
});

test("rockchip-iommu: the drm virtual device 'attaches' to a paging domain with 0 and no hardware change", () => {
  for (const era of ALL) {
    const k = rk3399(era);
    const d = domainAlloc(k, { dev: k.devices.get("vopb")! }) as Domain;
    const drm = k.devices.get("display-subsystem")!;
    assert.is(__iommuAttachDevice(k, d, drm, null), 0, era);
    assert.is(drm.hwDomain, null, era);
    assert.equal(k.log, [], era);
  }
});

test("rockchip-iommu mainline-2025: the static identity domain refuses the drm device (ENODEV, silent) but takes a VOP group", () => {
  for (const era of ["mainline-2025", "test-dev-2025"] as const) {
    const k = rk3399(era);
    const identity = staticDomain(k, drivers.get("rockchip-iommu")!, "identity");
    const drm = k.devices.get("display-subsystem")!;
    assert.is(errnoName(__iommuAttachDevice(k, identity, drm, null)), "ENODEV", era);
    assert.is(drm.hwDomain, null, era);
    const vopb = k.devices.get("vopb")!;
    assert.is(iommuAttachGroup(k, identity, vopb.group!), 0, era);
    assert.is(vopb.hwDomain, identity, era);
    assert.equal(k.log, [], era);
  }
});

test.run();
