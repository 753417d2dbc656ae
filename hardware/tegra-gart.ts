/**
 * NVIDIA Tegra20 GART: drivers/iommu/tegra-gart.c, gart_iommu_attach_dev().
 * Removed by c46294490131 "iommu/tegra-gart: Remove tegra-gart"
 * (Jason Gunthorpe, iommu_all_defdom series v8, 13 Sep 2023; v6.7 INFERRED), so it does not
 * exist in mainline-2025 or test-dev-2025.
 *
 * The GART is one small aperture remapping table shared by every client: only one domain can
 * be active at a time (gart->active_domain, counted by gart->active_devices and dropped by
 * detach_dev). The condition is derived from the hardware state: a device behind the GART is
 * on another translating domain.
 *
 * The driver allocates UNMANAGED domains only, so groups have no default domain; as for other
 * 32-bit Arm drivers of the kit, an identity domain stands for "no domain" (detach_dev), which
 * frees the GART for another domain (INFERRED stand-in).
 */
import {
  check,
  devDbg,
  type DriverModel,
  erasFrom,
  fail,
  noDmaDefaultDomain,
  noPasidCoherencyOrNesting,
  pagingDomainsOn,
  type StepCtx,
  translating,
  type TripEnv,
} from "../lib/driver.ts";
import { iommuAttachDevice } from "../lib/core/attach.ts";
import { domainAlloc } from "../lib/core/domain.ts";
import type { Domain, Kernel } from "../lib/model.ts";

/** gart->active_domain && gart->active_domain != domain, from what the GART's clients are on. */
const otherActiveDomain = (c: StepCtx): boolean => pagingDomainsOn(c.k, c.inst).some((d) => d !== c.domain);

/** Trip set-up: another domain is active on the GART (attached to "first"). */
function otherDomainActive(k: Kernel, env: TripEnv): void {
  iommuAttachDevice(k, domainAlloc(k, { dev: env.first }) as Domain, env.first);
}

export const tegraGart: DriverModel = {
  id: "tegra-gart",
  title: "NVIDIA Tegra20 GART",
  file: "drivers/iommu/tegra-gart.c",
  opsName: "gart_iommu_ops",
  fn: { attach: "gart_iommu_attach_dev", testDev: "(no test_dev: removed before TD1)", setDevPasid: "(no set_dev_pasid)" },
  exists: erasFrom("2014-nesting", "mainline-2025"),
  instanceProps: {},
  deviceProps: {},
  domainProps: {},
  attach: [
    check(
      "other-active-domain",
      "gart->active_domain && gart->active_domain != domain",
      "another domain is active on the GART: one domain at a time",
      (c) => translating(c) && otherActiveDomain(c),
      {
        // INFERRED: the single-active-domain rule came with Dmitry Osipenko's GART rework
        // (~v5.0, 2018); the 2014 driver let every domain share the one aperture unchecked.
        "2014-nesting": null,
        "pre-2022": fail("EBUSY"),
        // The proposal's v1 missed it (Kevin Tian's review, seed 000); v4-v6 made it EMEDIUMTYPE.
        "emediumtype-2022:v1": fail("EBUSY"),
        "emediumtype-2022": fail("EMEDIUMTYPE"),
        "einval-6.2": fail("EINVAL"), // f4a147735793
      },
      {
        trip: { firstAttach: false, before: otherDomainActive },
        reads: ["instanceHw"],
        variants: {
          // What if the converted path printed dev_dbg. The driver never printed here: the text is the kit's own wording.
          "emediumtype-converted": { "emediumtype-2022": fail("EMEDIUMTYPE", devDbg("another domain is active on the GART")) },
        },
        source: "seed 000 (Kevin Tian, Jun 2022: gart missed by v1); 20220815181437.28127-2-nicolinc@nvidia.com (v6: -EBUSY -> -EMEDIUMTYPE); f4a147735793 (EINVAL)",
      },
    ),
  ],
  // gart_iommu_domain_alloc: UNMANAGED only; "identity" is the kit's stand-in for no domain.
  ...noDmaDefaultDomain,
  // gart_iommu_capable() answers false to everything.
  ...noPasidCoherencyOrNesting,
  notes: [
    "There is one GART per SoC (gart_handle is a global): give a scenario one tegra-gart instance.",
    "Groups start on an identity domain standing for 'no domain' (detach_dev); the GART translates only for devices on an UNMANAGED domain (INFERRED stand-in).",
    "emediumtype-2022 models the proposal as last posted (v6): EMEDIUMTYPE; the revision variant emediumtype-2022:v1 keeps EBUSY (v1 missed gart, seed 000).",
    "Variant tegra-gart:emediumtype-converted (what if): EMEDIUMTYPE with a dev_dbg line (kit wording; the driver printed nothing).",
  ],
};
