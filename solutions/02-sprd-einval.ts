/**
 * Exercise 02 - sprd-iommu through EMEDIUMTYPE v1, v6 and EINVAL. Reference solution.
 *
 * v1 missed sprd (Kevin Tian's review, seed 000): it keeps pre-2022's pr_err + EINVAL. v4 and v6
 * converted it to EMEDIUMTYPE and deleted the print (seed 002). f4a147735793 keeps EINVAL and
 * drops the print; the 2023 rework drops the check, and mainline-2025 / test-dev-2025 inherit that.
 */
import { type EraRows, fail, prErr } from "../lib/driver.ts";

export const alreadyText = "There's already a device attached to this domain.";

export const domainHasDeviceRows: EraRows = {
  "pre-2022": fail("EINVAL", prErr(alreadyText)), // pr_err: the line names no device
  "emediumtype-2022:v1": fail("EINVAL", prErr(alreadyText)),
  "emediumtype-2022": fail("EMEDIUMTYPE"),
  "einval-6.2": fail("EINVAL"),
  "mainline-2025": null,
};
