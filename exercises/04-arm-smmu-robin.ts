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
 * When the 2022 proposal looked for every "incompatible" path, Kevin Tian's list of paths the
 * patch had missed included this fwspec check (dev_err + ENXIO). Robin Murphy pointed out in the
 * same review that the device/domain incompatibility of this driver is `smmu_domain->smmu != smmu`
 * (the domain was already finalised to another SMMU); when the fwspec check fails, it is
 * effectively because the device "doesn't have an IOMMU at all" - nothing another domain could
 * fix, so it must not become the soft failure.
 *
 * The rows below are what converting the fwspec path would have given: the fwspec check made
 * "soft", the SMMU mismatch left alone.
 *
 * Task
 * ----
 * Fix both tables so that each era behaves as in history:
 *   - noFwspecRows: ENXIO + dev_err, unchanged by the 2022 proposal and by v6.2; gone from
 *     mainline-2025 (Robin's 2023 "iommu: Clean up open-coded ownership checks" removed it once
 *     the core's owner check, a9c362db3920, refused another driver's domain first).
 *   - smmuMismatchRows: EINVAL + dev_err before 2022; EMEDIUMTYPE with the print demoted to dev_dbg
 *     in the proposal (as of its v2); a silent EINVAL from v6.2 on.
 * The checks play both checks' recipes (a device with no SMMU; a device behind a second SMMU)
 * through the core in every era, then run iommufd on two SMMUs in einval-6.2.
 *
 * Sources: seed 002 (Robin Murphy's review of EMEDIUMTYPE v4); commits a9c362db3920 and e7080665c977.
 */
import { devDbg, devErr, type EraRows, fail } from "../lib/driver.ts";

export const sameBusText = "cannot attach to SMMU, is it on the same bus?";
export const mismatchText = "cannot attach to SMMU %s whilst already attached to domain on SMMU %s";

// TODO: which of these two checks is the device/domain incompatibility? Fix both tables.
export const noFwspecRows: EraRows = {
  "pre-2022": fail("ENXIO", devErr(sameBusText)),
  "emediumtype-2022": fail("EMEDIUMTYPE", devDbg(sameBusText)),
  "einval-6.2": fail("EINVAL"),
  "mainline-2025": null,
};

export const smmuMismatchRows: EraRows = {
  "pre-2022": fail("EINVAL", devErr(mismatchText)),
};
