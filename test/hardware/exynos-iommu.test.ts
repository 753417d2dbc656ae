/**
 * exynos-iommu:
 *   v5.x (pre-2022): !has_sysmmu -> ENODEV, no print (UNVERIFIED: not read)
 *   2014-nesting, read in torvalds/linux exynos-iommu.c at 0004ffbc5eb0 (the v3.17-v4.0 driver): a
 *   System MMU already enabled with another page table -> WARN_ON + EBUSY + dev_err. The no-sysmmu
 *   row keeps the older drivers' dev_err "has no sysmmu device." + ENODEV (that driver BUG()s).
 *   einval-6.2: not in the series ("-" in D.2: unchanged)
 *   mainline-2025: 2023 identity conversion, no compatibility check; not in TD1
 * INFERRED cells: EMEDIUMTYPE keeps the device path (ENODEV).
 */
import { drivers } from "../../hardware/index.ts";
import * as assert from "uvu/assert";
import { buildPlatform, type Domain, domainAlloc, errnoName, type EraId, iommuAttachDevice, Kernel } from "../../lib/index.ts";
import { referenceRows, test } from "./reference.ts";

referenceRows("exynos-iommu", {
  "no-sysmmu": {
    "2014-nesting": "ENODEV/err",
    "pre-2022": "ENODEV",
    "emediumtype-2022": "ENODEV",
    "einval-6.2": "ENODEV",
    "mainline-2025": "-",
    "test-dev-2025": "-",
  },
  "already-attached": {
    "2014-nesting": "EBUSY/WARN+err",
    "pre-2022": "-",
    "emediumtype-2022": "-",
    "einval-6.2": "-",
    "mainline-2025": "-",
    "test-dev-2025": "-",
  },
});

/** Exynos 5422: the FIMD display and the G2D engine, each behind its own System MMU. */
function exynos5422(era: EraId): Kernel {
  const k = new Kernel({ era, drivers });
  buildPlatform(k, {
    instances: [
      { id: "sysmmu_fimd", driver: "exynos-iommu" },
      { id: "sysmmu_g2d", driver: "exynos-iommu" },
    ],
    devices: [
      { id: "fimd", instance: "sysmmu_fimd" },
      { id: "g2d", instance: "sysmmu_g2d" },
    ],
  });
  return k;
}

test("exynos-iommu 2014-nesting: a master on its DMA mapping must be detached first (WARN + EBUSY + dev_err); v5.x detaches it itself", () => {
  const want = { "2014-nesting": "EBUSY", "pre-2022": "0", "einval-6.2": "0", "mainline-2025": "0" } as const;
  for (const era of Object.keys(want) as Array<keyof typeof want>) {
    const k = exynos5422(era);
    const fimd = k.devices.get("fimd")!;
    const mapping = fimd.hwDomain;
    const d = domainAlloc(k, { dev: fimd }) as Domain;
    const from = k.log.length;
    assert.is(errnoName(iommuAttachDevice(k, d, fimd)), want[era], era);
    const lines = k.log.slice(from).map((l) => [l.level, l.text]);
    // __sysmmu_enable() WARN_ON(ret < 0), then exynos_iommu_attach_device()'s dev_err (0004ffbc5eb0).
    const want2014 = [["WARN", "WARN_ON(pgtable != data->pgtable (__sysmmu_enable: already enabled with another page table))"], ["err", "exynos_iommu_attach_device: Failed to attach IOMMU with pgtable %pa"]];
    assert.equal(lines, era === "2014-nesting" ? want2014 : [], era);
    assert.is(fimd.hwDomain, era === "2014-nesting" ? mapping : d, era);
  }
});

test("exynos-iommu: a domain attaches to masters of two System MMUs (no compatibility check)", () => {
  for (const era of ["pre-2022", "einval-6.2", "mainline-2025", "test-dev-2025"] as const) {
    const k = exynos5422(era);
    const d = domainAlloc(k, { dev: k.devices.get("fimd")! }) as Domain;
    assert.is(iommuAttachDevice(k, d, k.devices.get("fimd")!), 0, era);
    assert.is(iommuAttachDevice(k, d, k.devices.get("g2d")!), 0, era);
  }
});

test.run();
