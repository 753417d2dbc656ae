/**
 * Qualcomm MSM IOMMU (32-bit Snapdragon): drivers/iommu/msm_iommu.c, msm_iommu_attach_dev().
 *
 * Read: mainline-2025 (the "-" lines of TD1 14/20,
 * a350943e223c56922060fc1ce758997140c14a88.1760312725.git.nicolinc@nvidia.com lines): a context of the
 * IOMMU that already has a context bank number (`master->num`) -> dev_err("domain already
 * attached") + EEXIST; TD1 turns it into EBUSY + dev_dbg in test_dev. The same path is in
 * stored pre-2023 copies of the driver (from 109bd48ea2e1, "iommu/msm: Add DT adaptation").
 *
 * The driver keeps no "current domain" per device: attach_dev hands out a context bank to every
 * master of the device's IOMMU and refuses when one is already handed out; only a detach (the
 * identity attach since 2023) gives them back. So the condition is derived from the hardware
 * state: some device behind the same IOMMU has a translating domain programmed.
 *
 * The driver is 32-bit Arm with no DMA default domain before 2023: the model gives its groups an
 * identity default domain in every era, standing for "no domain" / detach_dev (INFERRED).
 */
import {
  check,
  devDbg,
  devErr,
  type DriverModel,
  erasFrom,
  fail,
  noDmaDefaultDomain,
  noPasidCoherencyOrNesting,
  type StepCtx,
  translating,
} from "../lib/driver.ts";
import { isPaging } from "../lib/model.ts";

/** A master of the device's IOMMU already owns a context bank: some device behind it has a translating domain programmed. */
function contextInUse(c: StepCtx): boolean {
  if (!c.inst || !translating(c)) return false;
  for (const d of c.k.domainsBehind(c.inst)) if (!d.isStatic && isPaging(d.type)) return true;
  return false;
}

export const msmIommu: DriverModel = {
  id: "msm-iommu",
  title: "Qualcomm MSM IOMMU",
  file: "drivers/iommu/msm_iommu.c",
  opsName: "msm_iommu_ops",
  staticBlocked: false, // no ops->blocked_domain (INFERRED): the core blocks with an empty paging domain
  // TD1 14/20 names its test_dev msm_iommu_domain_test_dev.
  fn: { attach: "msm_iommu_attach_dev", testDev: "msm_iommu_domain_test_dev", setDevPasid: "(no set_dev_pasid)" },
  // INFERRED: drivers/iommu/msm_iommu.c predates 2014; its 2014 attach is taken to be the pre-2022 one.
  exists: erasFrom("2014-nesting"),
  instanceProps: {},
  deviceProps: {},
  domainProps: {},
  attach: [
    check(
      "context-attached",
      "master->num (a context bank is already assigned)",
      "a context of the device's IOMMU is already attached to a domain",
      contextInUse,
      {
        // Read in stored pre-2023 copies of msm_iommu.c: the same dev_err + EEXIST since the 2016
        // DT adaptation (109bd48ea2e1, the Fixes: target of the 2022 clock-leak fix on this path).
        "pre-2022": fail("EEXIST", devErr("domain already attached")),
        // emediumtype-2022 inherits (INFERRED): not an incompatibility but a busy context (TD1
        // later calls it EBUSY, the kdoc's "attached and cannot be changed"), and the EINVAL
        // series left it alone, so the EMEDIUMTYPE patch is taken to have left it alone too.
        "test-dev-2025": fail("EBUSY", devDbg("domain already attached")),
      },
      {
        source: "109bd48ea2e1 (iommu/msm: Add DT adaptation: the EEXIST path); a350943e223c56922060fc1ce758997140c14a88.1760312725.git.nicolinc@nvidia.com (TD1 14/20)",
        trip: {},
        reads: ["instanceHw"],
        note:
          "The context list is per IOMMU: a second device behind the same IOMMU is refused while the first one's context is attached (derived from the devices' hardware state). A group's blocking domain before 2023 is an empty UNMANAGED domain, so a claimed group already holds a context (INFERRED consequence of the 6.2 core).",
      },
    ),
  ],
  ...noPasidCoherencyOrNesting,
  // msm_iommu_domain_alloc took UNMANAGED only; no DMA default domain on 32-bit Arm.
  ...noDmaDefaultDomain,
  notes: [
    "pre-2022 and einval-6.2: the same EEXIST + dev_err, read in stored pre-2023 copies of msm_iommu.c.",
    "A claimed group's blocking domain is an empty UNMANAGED domain before 2023; it takes the contexts, so a following attach is refused.",
  ],
};
