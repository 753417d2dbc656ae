/**
 * Samsung Exynos System MMU: drivers/iommu/exynos-iommu.c, exynos_iommu_attach_device().
 * Not in TD1, so no test_dev.
 *
 * - 2014-nesting (read: torvalds/linux exynos-iommu.c at 0004ffbc5eb0, the v3.17-v4.0 driver):
 *   a master whose System MMU is enabled with another page table -> WARN_ON + EBUSY, then
 *   dev_err("%s: Failed to attach IOMMU with pgtable %pa"). A master with no System MMU hits
 *   BUG_ON(!has_sysmmu(dev)) in __exynos_sysmmu_enable(): a kernel BUG the kit does not model,
 *   so that row keeps the older drivers' dev_err("has no sysmmu device.") + ENODEV (UNVERIFIED).
 * - pre-2022 (v5.x): no System MMU -> ENODEV, silent; the master is detached from its old
 *   domain first, so "already attached" is gone.
 * - einval-6.2: not in the EINVAL series' diffs: unchanged (INFERRED).
 * - mainline-2025: the 2023 conversion to an IDENTITY domain: attach first moves the master to
 *   identity, and there is no compatibility check at all.
 *
 * Groups start on a DMA default domain in every era; in 2014 it stands for the Arm DMA-IOMMU
 * mapping the DMA API attached at boot (INFERRED stand-in, no default domains existed yet).
 */
import {
  check,
  detachFirst,
  devErr,
  dmaDefaultDomain,
  type DriverModel,
  effect,
  erasFrom,
  fail,
  noInstance,
  noPasidCoherencyOrNesting,
} from "../lib/driver.ts";

/** exynos_iommu_attach_device()'s print when the System MMU refuses (v3.17-v4.0). */
const attachFailedText = "%s: Failed to attach IOMMU with pgtable %pa";

export const exynosIommu: DriverModel = {
  id: "exynos-iommu",
  title: "Samsung Exynos System MMU",
  file: "drivers/iommu/exynos-iommu.c",
  opsName: "exynos_iommu_ops",
  fn: { attach: "exynos_iommu_attach_device", testDev: null, setDevPasid: "(no set_dev_pasid)" },
  // INFERRED: the driver predates 2014 (v3.2).
  exists: erasFrom("2014-nesting"),
  instanceProps: {},
  deviceProps: {},
  domainProps: {},
  attach: [
    check(
      "no-sysmmu",
      "!has_sysmmu(dev)",
      "no System MMU serves the device",
      noInstance,
      {
        "2014-nesting": fail("ENODEV", devErr("has no sysmmu device.")),
        "pre-2022": fail("ENODEV"),
        // A device problem, not an incompatibility: kept by the proposal and (not in the diffs)
        // by the EINVAL series (INFERRED).
        "mainline-2025": null, // 2023 identity conversion: no check
      },
      {
        source: "0004ffbc5eb0 (torvalds/linux exynos-iommu.c, v3.17-v4.0)",
        // firstAttach: false - in 2014 "first" sits on its DMA mapping and would refuse (EEXIST).
        trip: { noIommu: true, firstAttach: false },
        phase: "attach",
        note: "2014-nesting UNVERIFIED: the v3.17-v4.0 driver has no such test (BUG_ON(!has_sysmmu(dev)) in __exynos_sysmmu_enable()); the row keeps the older drivers' dev_err + ENODEV. pre-2022 ENODEV not read. A device of another driver is treated like one without a System MMU (INFERRED: it would misread the other driver's private data).",
      },
    ),
    check(
      "already-attached",
      "pgtable != data->pgtable (__sysmmu_enable: already enabled with another page table)",
      "the master is still attached to another domain",
      (c) => c.inst !== null && c.dev.hwDomain !== null && c.dev.hwDomain !== c.domain,
      {
        // __sysmmu_enable() returns -EBUSY under WARN_ON; exynos_iommu_attach_device() then prints.
        "2014-nesting": { errno: "EBUSY", warn: true, log: devErr(attachFailedText) },
        "pre-2022": null, // v5.x detaches from the old domain instead (detach-old)
      },
      {
        source: "0004ffbc5eb0 (torvalds/linux exynos-iommu.c, v3.17-v4.0: __sysmmu_enable, exynos_iommu_attach_device)",
        trip: { firstAttach: false },
        phase: "attach",
        logArgs: () => ["exynos_iommu_attach_device"],
        note: "Read in the v3.17-v4.0 driver (the 2014-nesting era): WARN_ON + EBUSY, then dev_err; the System MMU's own dev_dbg(\"already enabled\") is not modelled, and %pa (the page table address) stays unfilled. The same domain again returns 1 there (not modelled).",
      },
    ),
    effect(
      "detach-old",
      "if (owner->domain) exynos_iommu_detach_device(owner->domain, dev)",
      "the master leaves its old domain before the new one is programmed",
      detachFirst,
      ["pre-2022", "emediumtype-2022", "einval-6.2"],
    ),
    effect(
      "identity-first",
      "exynos_iommu_identity_attach(&exynos_identity_domain, dev)",
      "the master goes to the identity domain before the new one is programmed",
      detachFirst,
      ["mainline-2025", "test-dev-2025"],
    ),
  ],
  // exynos_iommu_domain_alloc: DMA and UNMANAGED (mainline's identity domain is the static one).
  ...dmaDefaultDomain,
  ...noPasidCoherencyOrNesting,
  notes: ["mainline-2025 has no compatibility check: any Exynos paging domain attaches to any master with a System MMU."],
};
