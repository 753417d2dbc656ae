/**
 * Exercise 03 - tegra-gart: from EBUSY to EINVAL, then gone.
 *
 * Background
 * ----------
 * The Tegra20 GART is one small remapping window shared by every client of the SoC, so only one
 * domain can be active at a time. gart_iommu_attach_dev() refused a second domain with
 *
 *     if (gart->active_domain && gart->active_domain != domain) return -EBUSY;
 *
 * EBUSY says "busy, try later", not "this domain does not fit": a caller looking for a domain
 * that fits cannot tell it from a real hard failure (and in the v6.2 return rules EBUSY has its
 * own meaning, "device is attached to a domain and cannot be changed"). Its history:
 *   - EMEDIUMTYPE v1 (6 Jun 2022) missed it: Kevin Tian's review lists "gart_iommu_attach_dev():
 *     ... ret = -EBUSY" among the paths v1 had not converted (seed 000);
 *   - the later postings converted it: v6 (15 Aug 2022, the era's default; v4 already did)
 *     returns -EMEDIUMTYPE there (20220815181437.28127-2-nicolinc@nvidia.com);
 *   - v6.2 made it -EINVAL (f4a147735793);
 *   - in 2023 the whole driver was removed (c46294490131, in Jason Gunthorpe's iommu_all_defdom
 *     series).
 * The kit models the 2014 driver without this check (row null: the single-active-domain rule
 * came with a 2018 rework, INFERRED) - that row is given.
 *
 * Task
 * ----
 * 1. Complete `otherActiveDomainRows` so that every era, and the proposal's first posting
 *    (the key "emediumtype-2022:v1", as in exercise 02), behaves as in history.
 * 2. Set `gartEras` to the eras in which the driver exists. `erasFrom(first, removedIn)` from
 *    lib/driver.ts returns the eras from `first` up to, not including, `removedIn`.
 * The checks put both into the real driver and play the check's recipe through the core.
 *
 * Sources: seed 000 (Kevin Tian's review of v1: gart returns EBUSY); the v6 patch
 * 20220815181437.28127-2-nicolinc@nvidia.com; commits f4a147735793 and c46294490131;
 * notebooks/sources.md.
 */
import { type EraRows, erasFrom, fail } from "../lib/driver.ts";
import type { EraId } from "../lib/index.ts";

export const otherActiveDomainRows: EraRows = {
  "2014-nesting": null,
  "pre-2022": fail("EBUSY"),
  // TODO: the proposal (v6, and v1 under its own key) and v6.2.
};

// TODO: the driver was removed in 2023.
export const gartEras: EraId[] = erasFrom("2014-nesting");
