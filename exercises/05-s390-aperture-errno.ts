/**
 * Exercise 05 - s390: choose the errno (and the noise) of the aperture check.
 *
 * Background
 * ----------
 * Each zPCI function may only use the DMA addresses the firmware gave it (zdev->start_dma ..
 * zdev->end_dma). What s390_iommu_attach_device() refuses changed with the driver:
 *
 *   - "dma-range", the older driver (before the 2023 move to dma-iommu, ~v6.7 INFERRED): the first function attached to a domain fixes its aperture, and
 *     a function whose range is not identical is refused. Always a silent -EINVAL - no print, no
 *     WARN. In the 2022 review Kevin Tian listed s390 (EINVAL) among the paths the EMEDIUMTYPE
 *     patch had missed; its last posting (v6, 15 Aug 2022) did convert it to a silent
 *     -EMEDIUMTYPE. The kit keeps the missed version as the era's rows and the v6 version as the
 *     variant "s390-iommu:emediumtype-v6". The check is gone from mainline-2025.
 *   - "aperture-overlap", mainline-2025: the aperture is fixed when the domain is allocated for a
 *     device, and a function whose range does not even overlap it is refused with
 *         if (WARN_ON(domain->geometry.aperture_start > zdev->end_dma ||
 *                     domain->geometry.aperture_end < zdev->start_dma)) return -EINVAL;
 *     The driver calls it impossible - yet iommufd's domain search, which tries existing domains
 *     on purpose, reaches it and prints a WARN splat. The test_dev proposal kept it as it is.
 *
 * Why it matters: the errno decides what a consumer does. In the proposal's era, VFIO type1
 * tried the existing domains first and only moved on after -EMEDIUMTYPE: a plain -EINVAL from s390
 * made the attach of a second function fail outright.
 *
 * Task
 * ----
 * Fill in the three tables (combinators of lib/driver.ts: fail, warnFail, devErr, ...; null =
 * the check does not exist from that era on). The checks run the real s390 driver with your
 * tables through the core in every era, with and without the variant, then VFIO type1 in
 * emediumtype-2022 and iommufd in mainline-2025 on two functions with different ranges.
 *
 * Sources: seed 000 (Kevin Tian's list: s390); the proposal's v6
 * (20220815181437.28127-1-nicolinc@nvidia.com); TD1's s390 patch (cover.1760312725.git.nicolinc@nvidia.com).
 */
import { type EraRows, fail } from "../lib/driver.ts";

// TODO: pre-2022 is right. Does the check still exist in mainline-2025?
export const dmaRangeRows: EraRows = {
  "pre-2022": fail("EINVAL"),
};

// TODO: the proposal's v6 converted the pre-2022 check. Which errno, in which era?
export const proposalV6Rows: EraRows = {};

// TODO: how does mainline say "this cannot happen"?
export const apertureOverlapRows: EraRows = {
  "mainline-2025": fail("EINVAL"),
};
