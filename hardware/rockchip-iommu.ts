/**
 * Rockchip IOMMU: drivers/iommu/rockchip-iommu.c, rk_iommu_attach_device() (paging domains)
 * and, since the 2023 identity-domain conversion, rk_iommu_identity_attach() for the static
 * identity domain. Fact sheet D.1 "rockchip" and D.2.
 *
 * What the fact sheet read: only the mainline-2025 identity attach (TD1 rockchip patch),
 * `!rk_iommu_from_dev(dev)` -> ENODEV, with a comment about "virtual devices" such as drm.
 * The paging attach was NOT read in any era (fact sheet F), nor any pre-2022 code.
 *
 * A Rockchip domain is not finalised to one IOMMU: rk_domain keeps a list of the IOMMUs it is
 * attached to, so one domain can serve masters behind several rk_iommu instances and there is
 * no instance-mismatch check to model. Every master of one rk_iommu shares that IOMMU's group
 * (rk_iommu_device_group), so a scenario should give such masters one `group`.
 */
import { allocTypes, type DriverModel, erasFrom, fail, fakeSuccess, noIommuGuard, noPasidCoherencyOrNesting } from "../lib/driver";

export const rockchipIommu: DriverModel = {
  id: "rockchip-iommu",
  title: "Rockchip IOMMU",
  file: "drivers/iommu/rockchip-iommu.c",
  opsName: "rk_iommu_ops",
  // INFERRED: TD1's name for the rockchip test_dev function was not quoted in the fact sheet.
  fn: { attach: "rk_iommu_attach_device", testDev: "rk_iommu_domain_test_device", setDevPasid: "(no set_dev_pasid)" },
  // INFERRED: the driver was merged for v3.19 ("iommu/rockchip: rk3288 iommu driver"), the
  // release 2014-nesting stands for; its 2014 attach is taken to be the pre-2022 one.
  exists: erasFrom("2014-nesting"),
  instanceProps: [],
  deviceProps: [],
  domainProps: [],
  attach: [
    noIommuGuard(
      "virtual-device",
      "!rk_iommu_from_dev(dev)",
      "a 'virtual device' (e.g. drm) with no Rockchip IOMMU: the paging attach returns 0 and programs nothing",
      { "pre-2022": fakeSuccess },
      {
        source: "03f732f89034 (torvalds/linux rockchip-iommu.c, v4.x: if (!iommu) return 0)",
        // attach_dev looks the IOMMU up and cannot go on without it, so the guard stays there.
        note:
          "INFERRED: the paging attach was not read (fact sheet F). The identity attach's comment about 'virtual devices' (e.g. drm) points to the driver's allowance for devices with no IOMMU; the paging attach is taken to let them 'attach' by returning 0 without touching any hardware, where the newer identity attach refuses them with ENODEV. A device of another driver is treated the same way (the real lookup would read another driver's private data).",
      },
    ),
  ],
  staticAttach: [
    noIommuGuard(
      "identity-no-iommu",
      "!rk_iommu_from_dev(dev)",
      "the static identity domain cannot be attached to a device with no Rockchip IOMMU",
      // The static identity domain exists from the 2023 conversion on (mainline-2025 here).
      { "pre-2022": null, "mainline-2025": fail("ENODEV") },
      {
        source: "a3e5b29f778a8d728879a8d7972f00e0abe1b6ff.1760312725.git.nicolinc@nvidia.com (TD1 13/20)",
        trip: { noIommu: true, domainType: "identity" },
        // TD1 moves it into test_dev; attach_dev still dereferences the IOMMU (INFERRED).
        note: "TD1 rockchip patch: the check runs in test_dev; rk_iommu_identity_attach keeps the guard because it uses the IOMMU (INFERRED).",
      },
    ),
  ],
  ...noPasidCoherencyOrNesting,
  // rk_iommu_domain_alloc accepted UNMANAGED and DMA; identity is the static domain from 2023.
  allocDomain: allocTypes(["unmanaged", "dma"]),
  defaultDomainType: () => "dma",
  notes: [
    "Paging attach not read in any era (fact sheet F): the only modelled path is the 'virtual device' return 0 (INFERRED).",
    "One domain may span several rk_iommu instances (rk_domain->iommus list): no instance-mismatch check.",
  ],
};
