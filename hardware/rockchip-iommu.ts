/**
 * Rockchip IOMMU: drivers/iommu/rockchip-iommu.c, rk_iommu_attach_device() (paging domains)
 * and, since the 2023 identity-domain conversion, rk_iommu_identity_attach() for the static
 * identity domain.
 *
 * Read: the v4.x paging attach (torvalds/linux rockchip-iommu.c at 03f732f89034): "Allow
 * 'virtual devices' (e.g., drm) to attach to domain": `if (!iommu) return 0;`, programming
 * nothing; and the mainline-2025 identity attach in the "-" lines of TD1 13/20
 * (a3e5b29f778a8d728879a8d7972f00e0abe1b6ff.1760312725.git.nicolinc@nvidia.com):
 * `!rk_iommu_from_dev(dev)` -> ENODEV. The later paging attach (v5.x, mainline) was not read.
 *
 * A Rockchip domain is not finalised to one IOMMU: rk_domain keeps a list of the IOMMUs it is
 * attached to, so one domain can serve masters behind several rk_iommu instances and there is
 * no instance-mismatch check to model. Every master of one rk_iommu shares that IOMMU's group
 * (rk_iommu_device_group), so a scenario should give such masters one `group`.
 */
import { allocTypes, type DriverModel, erasFrom, fail, fakeSuccess, noIommuGuard, noPasidCoherencyOrNesting } from "../lib/driver.ts";

export const rockchipIommu: DriverModel = {
  id: "rockchip-iommu",
  title: "Rockchip IOMMU",
  file: "drivers/iommu/rockchip-iommu.c",
  opsName: "rk_iommu_ops",
  // TD1 13/20 adds one test_dev, rk_iommu_identity_test_dev, to the identity domain only; the
  // paging domain gets none (the model still asks it, under that name: it has nothing to refuse).
  fn: { attach: "rk_iommu_attach_device", testDev: "rk_iommu_identity_test_dev", setDevPasid: "(no set_dev_pasid)" },
  // INFERRED: the driver was merged for v3.19 ("iommu/rockchip: rk3288 iommu driver"), the
  // release 2014-nesting stands for; its 2014 attach is taken to be the pre-2022 one.
  exists: erasFrom("2014-nesting"),
  instanceProps: {},
  deviceProps: {},
  domainProps: {},
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
          "Read in the v4.x driver (03f732f89034): a device with no Rockchip IOMMU 'attaches' with return 0 and nothing programmed, where the 2023 identity attach refuses it with ENODEV. UNVERIFIED for later eras (taken to be unchanged). A device of another driver is treated the same way (INFERRED: the real lookup would read another driver's private data).",
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
    "Paging attach read in the v4.x driver only (03f732f89034): the 'virtual device' return 0; later eras UNVERIFIED.",
    "One domain may span several rk_iommu instances (rk_domain->iommus list): no instance-mismatch check.",
  ],
};
