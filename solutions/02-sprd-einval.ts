/**
 * Exercise 02 - sprd-iommu and the EINVAL contract. Reference solution.
 *
 * emediumtype-2022 needs no row: the proposal missed sprd (Kevin Tian's list), so it inherits
 * pre-2022. f4a147735793 keeps EINVAL and drops the print; the 2023 rework drops the check, and
 * mainline-2025 / test-dev-2025 inherit that.
 */
import { type EraRows, fail, prErr } from "../lib/driver.ts";

export const alreadyText = "There's already a device attached to this domain.";

export const domainHasDeviceRows: EraRows = {
  "pre-2022": fail("EINVAL", prErr(alreadyText)), // pr_err: the line names no device
  "einval-6.2": fail("EINVAL"),
  "mainline-2025": null,
};
