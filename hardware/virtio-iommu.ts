/**
 * virtio-iommu, the paravirtual IOMMU of a VM: drivers/iommu/virtio-iommu.c, viommu_attach_dev()
 * and viommu_domain_finalise(). Sources: bd7ebb771935, f4a147735793, 04cee82e04d2, TD1 19/20. Added in v5.3 (2019), so
 * it starts at pre-2022.
 *
 * Until the move to domain_alloc_paging a domain is finalised at its first attach: it takes the
 * vIOMMU of that endpoint, checks the vIOMMU's granule against PAGE_SIZE and takes a domain ID
 * from the device's domain_range. A domain of one vIOMMU cannot be attached to an endpoint of
 * another ("cannot attach to foreign vIOMMU": EXDEV, then EINVAL from v6.2). In mainline the
 * finalise moved into viommu_domain_alloc_paging(dev): the granule test (-ENODEV) and the domain
 * ID allocation now fail the allocation, not the attach.
 *
 * "finalise errno": the identity-domain part of the finalise (mapping the whole space 1:1 when the
 * device lacks VIRTIO_IOMMU_F_BYPASS_CONFIG) reported any failure as -EOPNOTSUPP until
 * 04cee82e04d2 ("iommu: Propagate return value in ->attach_dev callback functions") returned the
 * real errno. That failure is an allocation failure, so it is an effect (fault injection), not a
 * check with a trip recipe.
 */
import {
  allocStep,
  capByEra,
  coherentNoPasidOrNesting,
  countDomains,
  devErr,
  type DriverModel,
  emediumtypeV6,
  erasFrom,
  fail,
  finaliseOnFirstAttach,
  instanceMismatch,
  kernelPageSizeProp,
  mismatchRows,
  pageBytes,
  stepsFor,
  unfinalised,
} from "../lib/driver.ts";
import { flag, text } from "../lib/props.ts";
import { neg } from "../lib/errno.ts";
import type { IommuInstance, Kernel } from "../lib/model.ts";

const instanceProps = {
  granule: text("4K", "1UL << __ffs(viommu->pgsize_bitmap)", "smallest page the vIOMMU maps, e.g. \"4K\" or \"64K\" (QEMU: the virtio-iommu-pci 'granule' property)"),
  kernelPageSize: kernelPageSizeProp("4K"),
  // INFERRED/illustrative default: a VMM usually offers a large range.
  domainRange: text("0-65535", "config domain_range.start - domain_range.end (viommu->first_domain, last_domain)", "domain IDs the device offers, \"first-last\"; every finalised domain holds one"),
  bypassConfig: flag(true, "virtio_has_feature(VIRTIO_IOMMU_F_BYPASS_CONFIG)", "identity domains are a bypass flag; without it the driver maps the whole space 1:1"),
};

const shapes = { instance: instanceProps, device: {}, domain: {} };
const { check, effect, ...typed } = stepsFor(shapes);

const granule = (i: IommuInstance) => pageBytes(typed.inst(i).granule);
const pageSize = (i: IommuInstance) => pageBytes(typed.inst(i).kernelPageSize);
const granuleTooBig = (i: IommuInstance) => granule(i) > pageSize(i);
/** Number of IDs in domain_range ("first-last"). */
function rangeSize(i: IommuInstance): number {
  const m = /^(\d+)\s*-\s*(\d+)$/.exec(typed.inst(i).domainRange.trim());
  return m ? Math.max(0, Number(m[2]) - Number(m[1]) + 1) : 0;
}
const idsInUse = (k: Kernel, v: IommuInstance) => countDomains(k, v);
const idsFull = (k: Kernel, v: IommuInstance) => idsInUse(k, v) >= rangeSize(v);

const granuleText = "granule 0x%lx larger than system page size 0x%lx";
const hex = (n: number) => n.toString(16);

const LAZY_FINALISE = ["pre-2022", "emediumtype-2022", "einval-6.2"] as const;

export const virtioIommu: DriverModel = {
  id: "virtio-iommu",
  title: "virtio-iommu (paravirtual)",
  file: "drivers/iommu/virtio-iommu.c",
  opsName: "viommu_ops",
  fn: { attach: "viommu_attach_dev", testDev: "viommu_domain_test_dev", setDevPasid: "(no set_dev_pasid)" },
  exists: erasFrom("pre-2022"),
  instanceProps,
  deviceProps: {},
  domainProps: {},
  attach: [
    check(
      "granule",
      "viommu_page_size > PAGE_SIZE (viommu_domain_finalise)",
      "the vIOMMU's smallest page is larger than the guest kernel's pages",
      (c) => unfinalised(c) && granuleTooBig(c.inst!),
      {
        "pre-2022": fail("EINVAL", devErr(granuleText)),
        // emediumtype-2022 inherits: not an incompatibility (no domain would do), and the proposal
        // never touched it (INFERRED from its v1-v6 diffs, which change only the foreign check).
        // bd7ebb771935 "iommu: Regulate EINVAL in ->attach_dev callback functions": ENODEV, print kept.
        "einval-6.2": fail("ENODEV", devErr(granuleText)),
        // Moved into viommu_domain_alloc_paging(dev): the allocation fails with -ENODEV instead.
        "mainline-2025": null,
      },
      {
        source: "bd7ebb771935 (v6.2: EINVAL to ENODEV)",
        trip: { inst: { granule: "64K" }, firstAttach: false },
        logArgs: (c) => [hex(granule(c.inst!)), hex(pageSize(c.inst!))],
      },
    ),
    check(
      "domain-ids",
      "ida_alloc_range(&viommu->domain_ids, first_domain, last_domain) < 0 (viommu_domain_finalise)",
      "the vIOMMU has no free domain ID",
      (c) => unfinalised(c) && idsFull(c.k, c.inst!),
      {
        // ida_alloc_range()'s -ENOSPC is passed up unchanged (INFERRED per era: not read).
        "pre-2022": fail("ENOSPC"),
        // Moved into viommu_domain_alloc_paging(dev) with the rest of the finalise.
        "mainline-2025": null,
      },
      { source: "bd7ebb771935 (diff context: ida_alloc_range in viommu_domain_finalise)", trip: { inst: { domainRange: "1-2" }, firstAttach: false }, reads: ["pool"] },
    ),
    allocStep(
      "identity-map",
      "viommu_domain_map_identity(vdev, vdomain) (identity domain without BYPASS_CONFIG)",
      "an identity domain maps the whole space 1:1; an allocation failure is EOPNOTSUPP until v6.2, then the real errno",
      {
        "pre-2022": fail("EOPNOTSUPP"),
        // 04cee82e04d2 "iommu: Propagate return value in ->attach_dev callback functions": the real errno.
        "einval-6.2": fail("ENOMEM"),
        // Mainline maps an identity domain when it is allocated (viommu_domain_alloc_identity).
        "mainline-2025": null,
      },
      { when: (c) => unfinalised(c) && c.domain.type === "identity" && !c.inst!.props.bypassConfig },
    ),
    effect("finalise", "viommu_domain_finalise(vdev, domain)", "a fresh domain takes this vIOMMU and a domain ID", finaliseOnFirstAttach(), LAZY_FINALISE),
    instanceMismatch("foreign-viommu", "vdomain->viommu != vdev->viommu", mismatchRows("EXDEV", "cannot attach to foreign vIOMMU"), {
      source: "f4a147735793 (v6.2: silent EINVAL); 562f5a6c9f55066dd50f95210e5669e256852d36.1760312725.git.nicolinc@nvidia.com (TD1 19/20)",
      variants: emediumtypeV6,
      note: "EXDEV + dev_err until f4a147735793 made it a silent EINVAL (v6.2). TD1 19/20 moves it into viommu_domain_test_dev.",
    }),
  ],
  allocDomain(c) {
    if (!["unmanaged", "dma", "identity"].includes(c.type)) return neg("ENOMEM");
    if (!c.inst) return { props: { ...c.req }, instance: null }; // bus allocation: finalised at the first attach
    // Mainline viommu_domain_alloc_paging(dev): the finalise runs here.
    if (granuleTooBig(c.inst)) {
      c.k.printk("err", c.dev, granuleText);
      return neg("ENODEV");
    }
    if (idsFull(c.k, c.inst)) return neg("ENOSPC");
    return { props: { ...c.req }, instance: c.inst };
  },
  ...coherentNoPasidOrNesting,
  // No .capable op until Jean-Philippe Brucker's "iommu/virtio: Fix interaction with VFIO" (Aug
  // 2022, applied for v6.0, Fixes: e8ae0e140c05): viommu_capable() answers true from then on, so
  // the v5.19 gate refused virtio-iommu devices (emediumtype-2022 here); no enforce op.
  capCacheCoherency: capByEra({ "pre-2022": false, "einval-6.2": true }),
  capCacheCoherencySource: "no .capable op before v6.0; viommu_capable() true from \"iommu/virtio: Fix interaction with VFIO\" (Jean-Philippe Brucker, Aug 2022, Fixes: e8ae0e140c05)",
  defaultDomainType() {
    return "dma";
  },
  notes: [
    "pre-2022 is modelled at v5.17+, where an identity domain without BYPASS_CONFIG is mapped 1:1; v5.14-v5.16 refused it outright with -EOPNOTSUPP.",
    "The granule print uses %lx, which the kit's printf leaves unfilled.",
  ],
};
