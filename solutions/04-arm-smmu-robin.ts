/**
 * Exercise 04 - Robin Murphy's catch. Reference solution.
 *
 * The fwspec check means "this device has no SMMU of mine": ENXIO + dev_err until the core's
 * owner check made it redundant (removed in 2023). The SMMU mismatch is the incompatibility, and
 * gets the soft errno of each era; lib/driver.ts's mismatchRows() builds that pattern.
 */
import { devDbg, devErr, type EraRows, fail } from "../lib/driver.ts";

export const sameBusText = "cannot attach to SMMU, is it on the same bus?";
export const mismatchText = "cannot attach to SMMU %s whilst already attached to domain on SMMU %s";

export const noFwspecRows: EraRows = {
  "pre-2022": fail("ENXIO", devErr(sameBusText)),
  "mainline-2025": null,
};

export const smmuMismatchRows: EraRows = {
  "pre-2022": fail("EINVAL", devErr(mismatchText)),
  "emediumtype-2022": fail("EMEDIUMTYPE", devDbg(mismatchText)),
  "einval-6.2": fail("EINVAL"),
};
