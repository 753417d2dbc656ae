/**
 * Exercise 10 - test_dev: split attach_dev into test_dev + attach_dev (ipmmu-vmsa and arm-smmu).
 *
 * Background
 * ----------
 * In October 2025 Nicolin Chen proposed a new domain op, test_dev (TD1, "[PATCH v1 00/20] iommu:
 * Introduce and roll out test_dev domain op", not merged). The core calls
 * __iommu_domain_test_device() - and through it the driver's test_dev - before every attach,
 * with the group lock held, so that an attach that cannot work is refused before anything is
 * touched. The new kdoc (patch 02/20) asks test_dev for a thorough check, so that the following
 * attach_dev "would likely succeed", and shrinks what attach_dev may return to
 *     0, -ENOMEM, -ENOSPC (a non-ENOMEM resource allocation failure), and others "discouraged".
 * The cover letter's reason: while a device is being reset the core must be able to keep
 * rejecting incompatible attaches early - "a must to keep attach uAPI behavior consistent".
 *
 * In the kit a driver check has a `phase` (lib/driver.ts, CheckStep.phase), used only in the
 * test-dev-2025 era:
 *     "test"    the check moves into test_dev (the default)
 *     "attach"  the check stays in attach_dev
 *     "both"    test_dev has it, and attach_dev keeps it too
 *
 * Three rules decide. Rule 1 is TD1's kdoc; rules 2 and 3 are how the kit's drivers read it (the
 * posted patches leave ipmmu's context allocation in attach_dev only - the kit also tests it in
 * test_dev, INFERRED, because EBUSY is not on attach_dev's new list):
 *   1. A check whose errno attach_dev may no longer return must be answered by test_dev.
 *   2. A check on a resource that attach_dev itself takes (a context bank, a translation context)
 *      must also stay in attach_dev: test_dev cannot reserve it, so it can change in between.
 *   3. A guard against a device with no IOMMU of the driver stays in attach_dev as well: the core
 *      can reach attach_dev without test_dev (in the kit, the internal __iommu_attach_device).
 *
 * The checks to place:
 *   ipmmu-vmsa (TD1 11/20, ipmmu_domain_test_device):
 *     "no-mmu"              !mmu: the device sits behind no IPMMU              -> -ENXIO
 *     "contexts-exhausted"  no free translation context in the root IPMMU,      -> -EBUSY
 *                           taken when attach_dev finalises a new domain
 *     "mmu-mismatch"        domain->mmu != mmu: domain of another IPMMU         -> -EINVAL
 *   arm-smmu (TD1 06/20, arm_smmu_test_dev):
 *     "cb-exhausted"        no free context bank, taken when attach_dev         -> -ENOSPC
 *                           initialises a new domain
 *     "smmu-mismatch"       smmu_domain->smmu != smmu                           -> -EINVAL
 *
 * Task
 * ----
 * Give each check its phase. The checks put your phases into the real drivers and attach
 * through the real core of test-dev-2025 with the call trace on: which of test_dev and
 * attach_dev refused each attach, what each returned and what was printed must match the
 * kit's drivers.
 *
 * Sources: TD1 cover letter (cover.1760312725.git.nicolinc@nvidia.com) and patch 02/20
 * (32ce256a2ece5d63e99d5858f953586859818ffc.1760312725.git.nicolinc@nvidia.com); TD1 11/20
 * (9460b6fc29dc82ac38bdb5769e37c4814d8f2ad0.1760312725.git.nicolinc@nvidia.com) and 06/20
 * (ff644b97bccd6454bd770a481a89d0612a836741.1760312725.git.nicolinc@nvidia.com).
 */
export type Phase = "test" | "attach" | "both";

export interface Phases {
  "ipmmu-vmsa": Record<"no-mmu" | "contexts-exhausted" | "mmu-mismatch", Phase>;
  "arm-smmu": Record<"cb-exhausted" | "smmu-mismatch", Phase>;
}

// TODO: nothing has moved yet - every check still runs in attach_dev only.
export const phases: Phases = {
  "ipmmu-vmsa": { "no-mmu": "attach", "contexts-exhausted": "attach", "mmu-mismatch": "attach" },
  "arm-smmu": { "cb-exhausted": "attach", "smmu-mismatch": "attach" },
};
