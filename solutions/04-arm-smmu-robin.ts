/**
 * Exercise 04 - Robin Murphy's catch. Reference solution.
 *
 * The fwspec check means "this device has no SMMU of mine": ENXIO + dev_err in every era until
 * the core's owner check made it redundant (removed in 2023); only v4 as posted made it a silent
 * EMEDIUMTYPE. The SMMU mismatch is the incompatibility: v1 and v4 left it (EINVAL + dev_err),
 * v6 made it a silent EMEDIUMTYPE after Robin's review, v6.2 a silent EINVAL.
 */
import { devErr, type EraRows, fail } from "../lib/driver.ts";

export const sameBusText = "cannot attach to SMMU, is it on the same bus?";
export const mismatchText = "cannot attach to SMMU %s whilst already attached to domain on SMMU %s";

export const noFwspecRows: EraRows = {
  "pre-2022": fail("ENXIO", devErr(sameBusText)),
  "emediumtype-2022:v1": fail("ENXIO", devErr(sameBusText)), // v1 left it (Kevin Tian's review)
  "emediumtype-2022:v4": fail("EMEDIUMTYPE"), // the hunk Robin Murphy called the wrong check
  "mainline-2025": null,
};

export const smmuMismatchRows: EraRows = {
  "pre-2022": fail("EINVAL", devErr(mismatchText)),
  "emediumtype-2022:v4": fail("EINVAL", devErr(mismatchText)), // v1 and v4 left it
  "emediumtype-2022": fail("EMEDIUMTYPE"),
  "einval-6.2": fail("EINVAL"),
};
