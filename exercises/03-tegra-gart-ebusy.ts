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
 * EBUSY has its own meaning in the v6.2 return rules ("device is attached to a domain and cannot
 * be changed"), and any errno other than EINVAL makes iommufd's domain search give up instead of
 * trying another domain. Commit f4a147735793 therefore turned this path into -EINVAL. The 2022
 * EMEDIUMTYPE patch had missed it: Kevin Tian listed "gart (EBUSY)" among the drivers it forgot,
 * so in `emediumtype-2022` the GART still says EBUSY. In 2023 the whole driver was removed
 * (c46294490131, in Jason Gunthorpe's iommu_all_defdom series).
 * The kit models the 2014 driver without this check (row null: the single-active-domain rule
 * came with a 2018 rework, INFERRED) - that row is given.
 *
 * Task
 * ----
 * 1. Complete `otherActiveDomainRows` so that every era behaves as in history.
 * 2. Set `gartEras` to the eras in which the driver exists. `erasFrom(first, removedIn)` from
 *    lib/driver.ts returns the eras from `first` up to, not including, `removedIn`.
 * The checks put both into the real driver and play the check's recipe through the core.
 *
 * Sources: seed 000 (Kevin Tian's list: gart returns EBUSY); commits f4a147735793 and c46294490131.
 */
import { type EraRows, erasFrom, fail } from "../lib/driver.ts";
import type { EraId } from "../lib/index.ts";

export const otherActiveDomainRows: EraRows = {
  "2014-nesting": null,
  "pre-2022": fail("EBUSY"),
  // TODO: the v6.2 row.
};

// TODO: the driver was removed in 2023.
export const gartEras: EraId[] = erasFrom("2014-nesting");
