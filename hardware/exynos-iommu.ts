/**
 * Samsung Exynos System MMU: drivers/iommu/exynos-iommu.c, exynos_iommu_attach_device().
 * Fact sheet D.1 "exynos" and D.2. Not in TD1, so no test_dev.
 *
 * - 2014-nesting: the "older versions" of the fact sheet (INFERRED to be the 2014 driver):
 *   no System MMU -> dev_err + ENODEV; a master already attached -> dev_err + EEXIST.
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
} from "../lib/driver";

export const exynosIommu: DriverModel = {
  id: "exynos-iommu",
  title: "Samsung Exynos System MMU",
  file: "drivers/iommu/exynos-iommu.c",
  opsName: "exynos_iommu_ops",
  fn: { attach: "exynos_iommu_attach_device", testDev: null, setDevPasid: "(no set_dev_pasid)" },
  // INFERRED: the driver predates 2014 (v3.2).
  exists: erasFrom("2014-nesting"),
  instanceProps: [],
  deviceProps: [],
  domainProps: [],
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
        note: "A device of another driver is treated like one without a System MMU (INFERRED: it would misread the other driver's private data).",
      },
    ),
    check(
      "already-attached",
      "owner->domain (the System MMU is already enabled for the master)",
      "the master is still attached to another domain",
      (c) => c.inst !== null && c.dev.hwDomain !== null && c.dev.hwDomain !== c.domain,
      {
        "2014-nesting": fail("EEXIST", devErr("is already attached!")),
        "pre-2022": null, // v5.x detaches from the old domain instead (detach-old)
      },
      { source: "0004ffbc5eb0 (torvalds/linux exynos-iommu.c, v3.17-v4.0: __sysmmu_enable)", trip: { firstAttach: false }, phase: "attach", note: "2014 era INFERRED for the fact sheet's 'older versions'." },
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
