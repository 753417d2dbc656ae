/**
 * Exercise 04 - Robin Murphy's catch: put arm-smmu's incompatibility errno on the right check.
 *
 * Background
 * ----------
 * arm_smmu_attach_dev() (Arm SMMU v1/v2) used to start with two refusals:
 *
 *     if (!fwspec || fwspec->ops != &arm_smmu_ops) {
 *             dev_err(dev, "cannot attach to SMMU, is it on the same bus?\n");
 *             return -ENXIO;
 *     }
 *     ...
 *     if (smmu_domain->smmu != smmu) {
 *             dev_err(dev, "cannot attach to SMMU %s whilst already attached to domain on SMMU %s\n", ...);
 *             return -EINVAL;
 *     }
 *
 * Nicolin Chen's EMEDIUMTYPE proposal asked every driver to return -EMEDIUMTYPE, silently, where
 * "this domain does not fit this device", so that VFIO could try the next domain. Its v1 (6 Jun
 * 2022) converted neither check; Kevin Tian's review listed the fwspec check among the missed
 * paths (seed 000). v4 (30 Jun 2022) converted the fwspec check:
 *
 *     if (!fwspec || fwspec->ops != &arm_smmu_ops)
 *             return -EMEDIUMTYPE;
 *
 * and Robin Murphy answered (1 Jul 2022, seed 002): "This is the wrong check, you want the
 * "if (smmu_domain->smmu != smmu)" condition further down. If this one fails it's effectively
 * because the device doesn't have an IOMMU at all" - nothing another domain could fix. His rule:
 * after the soft errno, "allocating a new domain using the given device, and attaching to that,
 * can be expected to succeed". Nicolin Chen: "I will fix that". The last posting, v6 (15 Aug
 * 2022, 20220815181437.28127-2-nicolinc@nvidia.com), left the fwspec check as it was and made
 * the SMMU mismatch a silent -EMEDIUMTYPE; v6.2 made the mismatch a silent -EINVAL (f4a147735793).
 *
 * The tables below are v4 as posted, written as if it were the proposal's last word.
 *
 * Task
 * ----
 * 1. Keep v4 as posted under its own key: rows keyed "emediumtype-2022:v4" hold for v4 and the
 *    postings before it (v1 has its own fwspec row, given); the variant "emediumtype-2022:v4"
 *    selects them.
 * 2. Make the era's rows what v6 and v6.2 did after Robin's catch:
 *    - noFwspecRows: ENXIO + dev_err, untouched by v6 and by v6.2; gone from mainline-2025
 *      (Robin's 2023 "iommu: Clean up open-coded ownership checks", e7080665c977, removed it once
 *      the core's owner check, a9c362db3920, refused another driver's domain first);
 *    - smmuMismatchRows: EINVAL + dev_err before 2022; a silent EMEDIUMTYPE in v6; a silent
 *      EINVAL from v6.2 on.
 * The checks play both checks' recipes (a device with no SMMU; a device behind a second SMMU)
 * through the core in every era and in v4 and v1, then run the consumers on two SMMUs: the
 * proposal's VFIO type1 loop (emediumtype-2022, v6 and v4) and iommufd (einval-6.2).
 *
 * Sources: seed 000 (Kevin Tian's review of v1); seed 002 (the v4 thread: Robin Murphy and
 * Nicolin Chen); 20220815181437.28127-2-nicolinc@nvidia.com (v6); commits f4a147735793,
 * a9c362db3920 and e7080665c977; notebooks/sources.md.
 */
import { devErr, type EraRows, fail } from "../lib/driver.ts";

export const sameBusText = "cannot attach to SMMU, is it on the same bus?";
export const mismatchText = "cannot attach to SMMU %s whilst already attached to domain on SMMU %s";

// TODO: v4 as posted is written here as the era's rows. Keep it under "emediumtype-2022:v4",
// and give the era (v6) and v6.2 the rows that follow Robin Murphy's catch.
export const noFwspecRows: EraRows = {
  "pre-2022": fail("ENXIO", devErr(sameBusText)),
  "emediumtype-2022:v1": fail("ENXIO", devErr(sameBusText)), // v1 left it (Kevin Tian's review)
  "emediumtype-2022": fail("EMEDIUMTYPE"), // v4's hunk: "return -EMEDIUMTYPE;", the dev_err removed
  "einval-6.2": fail("EINVAL"),
  "mainline-2025": null,
};

export const smmuMismatchRows: EraRows = {
  "pre-2022": fail("EINVAL", devErr(mismatchText)),
};
