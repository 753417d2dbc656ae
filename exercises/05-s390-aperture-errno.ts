/**
 * Exercise 05 - s390: choose the errno (and the noise) of the aperture checks.
 *
 * Background
 * ----------
 * Each zPCI function may only use the DMA addresses the firmware gave it (zdev->start_dma ..
 * zdev->end_dma). What s390_iommu_attach_device() refuses changed with the driver:
 *
 *   - "dma-range", up to v6.1: the first function attached to a domain fixes its aperture, and a
 *     function whose range is not identical is refused - a silent -EINVAL, no print, no WARN:
 *         } else if (domain->geometry.aperture_start != zdev->start_dma ||
 *                    domain->geometry.aperture_end != zdev->end_dma) { rc = -EINVAL; ...
 *     Kevin Tian's review of EMEDIUMTYPE v1 (6 Jun 2022) listed this path among the ones v1 had
 *     not converted (seed 000); the later postings did: v6 (15 Aug 2022, the era's default; v4
 *     already did) returns a silent -EMEDIUMTYPE there.
 *   - "aperture-overlap", from v6.2 on: Niklas Schnelle's rework (cbf7827bc5dc "iommu/s390: Fix
 *     potential s390_domain aperture shrinking", the same merge window as the EINVAL series) fixes
 *     the aperture when the domain is allocated and drops the "identical range" check. A function
 *     whose range overlaps the aperture attaches, even if its range differs; one whose range does
 *     not even overlap it is refused with
 *         if (WARN_ON(domain->geometry.aperture_start > zdev->end_dma ||
 *                     domain->geometry.aperture_end < zdev->start_dma)) return -EINVAL;
 *     The driver calls it impossible - yet iommufd's domain search, which tries existing domains
 *     on purpose, reaches it and prints a WARN splat. The test_dev proposal kept it as it is.
 *
 * Why it matters: the errno decides what a consumer does. The proposal's VFIO type1 loop tried
 * the existing domains first and moved on only after -EMEDIUMTYPE: with v1's plain -EINVAL the
 * second function's request failed outright; with v6's -EMEDIUMTYPE it got a domain of its own.
 *
 * Task
 * ----
 * Fill in the two tables (combinators of lib/driver.ts: fail, warnFail, devErr, ...; null = the
 * check does not exist from that era on; a key "emediumtype-2022:v1" holds for the proposal's
 * first posting, as in exercise 02). The checks run the real s390 driver with your tables through
 * the core in every era and in v1, then the consumers on three functions with different ranges:
 * the proposal's VFIO type1 loop in emediumtype-2022 (v6 and v1), and VFIO type1 and iommufd
 * after the rework (einval-6.2, mainline-2025).
 *
 * Sources: seed 000 (Kevin Tian's review of v1: s390); the v6 patch
 * 20220815181437.28127-2-nicolinc@nvidia.com; commit cbf7827bc5dc; TD1's s390 patch
 * (cover.1760312725.git.nicolinc@nvidia.com); notebooks/sources.md.
 */
import { type EraRows, fail } from "../lib/driver.ts";

// TODO: pre-2022 is right. What did the proposal make of it (v6, and v1 under its own key)?
// Does the check survive the v6.2 rework?
export const dmaRangeRows: EraRows = {
  "pre-2022": fail("EINVAL"),
};

// TODO: from which era on, and how does the driver say "this cannot happen"?
export const apertureOverlapRows: EraRows = {
  "mainline-2025": fail("EINVAL"),
};
