/**
 * NVIDIA Tegra30/114/124/210 SMMU: drivers/iommu/tegra-smmu.c, tegra_smmu_attach_dev() and,
 * from 2023, tegra_smmu_identity_attach(); mainline-2025 and test-dev-2025
 * from TD1 patch 20/20 "iommu/tegra-smmu: Implement tegra_smmu_domain_test_dev"
 * (7c06a0d6165e69b7a8aac10e5b8aea45c8e020f1.1760312725.git.nicolinc@nvidia.com, read): one
 * test `!fwspec || !fwspec->num_ids` -> ENOENT in test_dev, and both guards removed from
 * tegra_smmu_attach_dev() and from the identity attach.
 *
 * Read for the older eras: the 2020 fwspec conversion ("iommu/tegra-smmu: Use fwspec in
 * tegra_smmu_(de)attach_dev", Nicolin Chen; its diff in stored postings, and a stored post-
 * conversion copy of the file): `!fwspec` -> ENOENT, no stream ID -> ENODEV, the mainline shape.
 * Before it (torvalds/linux tegra-smmu.c at 002957020e52, ~v5.8, and the 2014 driver by
 * inference) the attach walked the device-tree "iommus" phandles: no fwspec test, and a device
 * with no phandle to this SMMU ended with index == 0 -> ENODEV. The EINVAL series left these
 * device problems alone (they are not in its diffs). *
 * 32-bit Tegra uses the Arm DMA-IOMMU glue, so groups start on an identity domain (mainline 17194cd0dd23 forces
 * IDENTITY for ARM_DMA_USE_IOMMU); before 2023 the driver had UNMANAGED domains only and the kit's
 * identity domain stands for "no domain" (INFERRED stand-in).
 */
import {
  type DriverModel,
  erasFrom,
  fail,
  noDmaDefaultDomain,
  noIommu,
  noPasidCoherencyOrNesting,
  stepsFor,
  translating,
} from "../lib/driver.ts";
import { int } from "../lib/props.ts";

/** TD1 20/20 (Oct 2025): its "-" lines are this driver's 2025 attach_dev, its "+" lines the test-dev-2025 rows. */
const TD1_PATCH = "7c06a0d6165e69b7a8aac10e5b8aea45c8e020f1.1760312725.git.nicolinc@nvidia.com (TD1 20/20)";

const deviceProps = {
  numIds: int(1, "fwspec->num_ids", "stream (swgroup) IDs of the master; 0: none"),
};

const shapes = { instance: {}, device: deviceProps, domain: {} };
const { check } = stepsFor(shapes);

export const tegraSmmu: DriverModel = {
  id: "tegra-smmu",
  title: "NVIDIA Tegra SMMU",
  file: "drivers/iommu/tegra-smmu.c",
  opsName: "tegra_smmu_ops",
  fn: { attach: "tegra_smmu_attach_dev", testDev: "tegra_smmu_domain_test_dev", setDevPasid: "(no set_dev_pasid)" },
  // INFERRED: the driver predates 2014 (v3.x); its 2014 attach is the device-tree walk described above.
  exists: erasFrom("2014-nesting"),
  instanceProps: {},
  deviceProps,
  domainProps: {},
  attach: [
    check(
      "no-fwspec",
      "!fwspec",
      "the device has no IOMMU firmware description",
      (c) => translating(c) && noIommu(c),
      {
        "2014-nesting": null, // no fwspec yet: the DT walk finds no IDs (see no-ids)
        "pre-2022": fail("ENOENT"), // the 2020 fwspec conversion; still in TD1 20/20's "-" lines
        "test-dev-2025": null, // TD1 20/20 removes it from attach_dev; test_dev's test is no-ids
      },
      { source: `v5.11 (the fwspec conversion); ${TD1_PATCH}`, trip: { noIommu: true } },
    ),
    check(
      "no-ids",
      "index == 0 after the fwspec->num_ids loop (test_dev: !fwspec || !fwspec->num_ids)",
      "no stream ID of the device belongs to this SMMU",
      (c) => translating(c) && (c.inst === null || c.dev.props.numIds === 0),
      {
        "pre-2022": fail("ENODEV"), // 2014 (DT walk, 002957020e52) and einval-6.2 the same
        "test-dev-2025": fail("ENOENT"), // TD1's errno fix: one ENOENT for both cases
      },
      { source: `002957020e52 (torvalds/linux tegra-smmu.c, the DT-walk attach: index == 0 -> ENODEV); ${TD1_PATCH}`, trip: { dev: { numIds: 0 } }, note: "A device of another driver has no ID of this SMMU: the same ENODEV (INFERRED)." },
    ),
  ],
  staticAttach: [
    check(
      "identity-no-fwspec",
      "tegra_smmu_identity_attach(): !fwspec",
      "the static identity domain is asked for a device with no IOMMU firmware description",
      noIommu,
      {
        "mainline-2025": fail("ENODEV"),
        // TD1 removes it; the identity domain's test_dev is tegra_smmu_domain_test_dev (ENOENT).
        "test-dev-2025": null,
      },
      { source: TD1_PATCH, trip: { noIommu: true, domainType: "identity" } },
    ),
  ],
  // tegra_smmu_domain_alloc: UNMANAGED only before 2023; "identity" stands for no domain there.
  ...noDmaDefaultDomain,
  ...noPasidCoherencyOrNesting,
  notes: [
    "pre-2022 / einval-6.2 rows: the mainline-2025 shape, which the 2020 fwspec conversion introduced (read in its diff and a stored copy); the conversion's release (v5.11) is INFERRED.",
    "Not modelled: ASID exhaustion (tegra_smmu_alloc_asid() -> ENOSPC when every address space is taken; Tegra30 has 4), a resource failure not read in any source.",
  ],
};
