/**
 * Exercise 02 - sprd-iommu: one check through three proposals (EMEDIUMTYPE v1, v6, EINVAL).
 *
 * Background
 * ----------
 * The Unisoc (Spreadtrum) IOMMU serves one client device. Before 2023 a domain that had been
 * attached once belonged to that IOMMU (dom->sdev), and sprd_iommu_attach_device() refused any
 * other attach with
 *
 *     pr_err("There's already a device attached to this domain.\n");
 *     return -EINVAL;
 *
 * That is the "this domain cannot take this device" case, which callers that try existing
 * domains on purpose need to recognise - and should not see an error line for. Its history:
 *   - EMEDIUMTYPE v1 (Nicolin Chen, 6 Jun 2022) did not touch sprd: Kevin Tian's review listed it
 *     among the drivers v1 had not converted (seed 000: "sprd_iommu_attach_device(): ... pr_err
 *     ... return -EINVAL").
 *   - v4 (30 Jun 2022) and the last posting, v6 (15 Aug 2022), converted it to -EMEDIUMTYPE and
 *     deleted the print: "Also remove adjacent error prints for these soft failures, to prevent a
 *     kernel log spam" (the v4 commit message, seed 002). The proposal was never merged.
 *   - v6.2 took the same idea with EINVAL (f4a147735793, "iommu: Use EINVAL for incompatible
 *     device/domain in ->attach_dev"): a silent -EINVAL.
 *   - The 2023 rework dropped the check: a domain may serve several sprd IOMMUs.
 * (Since v5.19 VFIO and iommufd refuse sprd devices before any attach - the driver does not report
 * IOMMU_CAP_CACHE_COHERENCY - so the answer matters to in-kernel callers of iommu_attach_device()
 * and to the kernel log; the checks play the attach through the core.)
 *
 * Task
 * ----
 * `domainHasDeviceRows` is the per-era table of the driver's "domain-has-device" check, written
 * with the combinators of lib/driver.ts:
 *     fail("EINVAL")                    a silent -EINVAL
 *     fail("EINVAL", prErr(text))       -EINVAL with an error line (pr_err: no device name)
 *     null                              the check does not exist from this era on
 * An era without a row inherits its parent's row (pre-2022 -> emediumtype-2022 and einval-6.2;
 * einval-6.2 -> mainline-2025 -> test-dev-2025). The era `emediumtype-2022` is the proposal as
 * last posted (v6); an earlier posting gets its own key, "emediumtype-2022:v1" (or ":v4"), which
 * holds for that posting and the ones before it (the variant "emediumtype-2022:v1" selects it).
 * Complete the table so that the driver follows history in every era and in v1. The checks run
 * the real driver, with your rows in place of its own, through the real core (lib/matrix.ts
 * runTrip) in every era and posting, then VFIO type1 on two sprd IOMMUs before 2022.
 *
 * Sources: seed 000 (Kevin Tian's review of v1); seed 002 (the v4 commit message); the v6 patch
 * 20220815181437.28127-2-nicolinc@nvidia.com; commit f4a147735793; notebooks/sources.md.
 */
import { type EraRows, fail, prErr } from "../lib/driver.ts";

export const alreadyText = "There's already a device attached to this domain.";

export const domainHasDeviceRows: EraRows = {
  "pre-2022": fail("EINVAL", prErr(alreadyText)), // pr_err: the line names no device
  // TODO: the proposal as last posted (v6) and as first posted (v1), v6.2, and the 2023 rework.
};
