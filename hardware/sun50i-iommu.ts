/**
 * Allwinner H6 IOMMU: drivers/iommu/sun50i-iommu.c, sun50i_iommu_attach_device().
 *
 * Read: only mainline-2025, in the "-" lines of TD1 patch 12/20
 * (`sun50i_iommu_domain_test_device`): `!sun50i_iommu_from_dev(dev)` -> ENODEV, silent.
 * The driver's first version (v5.8, 2020; read in its posting and in stored copies) has the
 * same lookup: `iommu = sun50i_iommu_from_dev(dev); if (!iommu) return -ENODEV;`.
 *
 * The IOMMU holds one domain at a time (iommu->domain): attaching another one detaches the old
 * one first, so there is no "busy" refusal; and the SoC has a single instance, so there is no
 * instance-mismatch check either.
 */
import { allocTypes, type DriverModel, erasFrom, fail, noIommuGuard, noPasidCoherencyOrNesting } from "../lib/driver.ts";

export const sun50iIommu: DriverModel = {
  id: "sun50i-iommu",
  title: "Allwinner H6 (sun50i) IOMMU",
  file: "drivers/iommu/sun50i-iommu.c",
  opsName: "sun50i_iommu_ops",
  fn: { attach: "sun50i_iommu_attach_device", testDev: "sun50i_iommu_domain_test_device", setDevPasid: "(no set_dev_pasid)" },
  // INFERRED: merged in v5.8, inside the pre-2022 span; absent from 2014-nesting.
  exists: erasFrom("pre-2022"),
  instanceProps: {},
  deviceProps: {},
  domainProps: {},
  attach: [
    noIommuGuard(
      "no-iommu",
      "!sun50i_iommu_from_dev(dev)",
      "the device has no sun50i IOMMU",
      // The same in every era (read in the v5.8 driver and in TD1 12/20's "-" lines); a device-specific ENODEV, so the
      // EMEDIUMTYPE proposal and the EINVAL series had no reason to change it.
      { "pre-2022": fail("ENODEV") },
      { source: "v5.8 (sun50i-iommu.c as first merged); 3f3fc58f88c15120d278f278351acda9de63bfa3.1760312725.git.nicolinc@nvidia.com (TD1 12/20)", note: "TD1 runs it in test_dev; attach_dev keeps it, as it needs the IOMMU it looks up. A device of another driver is treated like one with no sun50i IOMMU (INFERRED)." },
    ),
  ],
  ...noPasidCoherencyOrNesting,
  allocDomain: allocTypes(["unmanaged", "dma", "identity"]),
  defaultDomainType: () => "dma",
  notes: ["The ENODEV guard is in the driver from its first version (v5.8) to TD1's base (2025)."],
};
