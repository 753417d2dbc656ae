/**
 * Exercise 09 - 2014: fail the attach when DOMAIN_ATTR_NESTING cannot be set.
 *
 * Background
 * ----------
 * In 2014 Will Deacon added a new VFIO IOMMU type, VFIO_TYPE1_NESTING_IOMMU (commit
 * f5c9ecebaf2a, signed off by Alex Williamson), for the ARM SMMU: a container of that type is a
 * Type1v2 container whose every new domain must be a *nesting* one (stage 2 under a stage 1 that
 * a guest would own). Nesting was requested with
 *
 *     iommu_domain_set_attr(domain, DOMAIN_ATTR_NESTING, &nesting)
 *
 * right after the domain is allocated - before anything is attached, because arm-smmu fixes a
 * domain's stage when it is finalised to an SMMU at the first attach (and refuses the attribute
 * afterwards with -EPERM). Type1 made this a hard rule: if the attribute cannot be set,
 * `goto out_domain`: the domain is freed and VFIO_SET_IOMMU / the group attach fails with that
 * errno. A driver without nesting (no domain_set_attr, or not that attribute) answers -EINVAL in
 * the kit's model. Later kernels spelled it iommu_enable_nesting(). In January 2022 Jason
 * Gunthorpe noted that, eight years after the merge, he could find no user space using the type;
 * it was removed in v6.13 (35890f85573c, INFERRED).
 *
 * Task
 * ----
 * Type1's allocate-then-merge loop (exercise 08) is imported from the library: it takes the
 * function that makes the group's new domain as its last argument. Complete `newDomain()`: the
 * allocation is given (`type1DomainAlloc`); for a nesting container, ask the driver for nesting
 * with `d.owner.enableNesting(k, d)`, called through `k.call(fn, { domain: d.id }, () => ...)` so
 * that it shows in the trace, with fn = "iommu_domain_set_attr(DOMAIN_ATTR_NESTING)" in
 * 2014-nesting and "iommu_enable_nesting" later; on a non-zero answer free the domain and return
 * that errno. The checks run nesting and v2 containers on arm-smmu (can nest) and ipmmu-vmsa
 * (cannot) machines of 2014, and pre-2022 SMMUv3, with your code and with the library's type1,
 * and compare.
 *
 * Sources: commit f5c9ecebaf2a; commit 35890f85573c; seed 004 (the 2014 RFC v2 thread).
 */
import { allocateThenMerge as type1Loop, type1DomainAlloc, type Type1Loop, type Type1Tally } from "../lib/consumers/vfio-type1.ts";
import { type Domain, type Group, type Kernel, type VfioContainer } from "../lib/index.ts";

/**
 * A new domain for the group. A VFIO_TYPE1_NESTING_IOMMU container (c.type === "nesting") asks
 * for nesting on it before anything is attached.
 */
export function newDomain(k: Kernel, c: VfioContainer, g: Group, t: Type1Tally): Domain | number {
  const d = type1DomainAlloc(k, g, t);
  if (typeof d === "number") return d;
  if (c.type === "nesting") {
    // TODO: ask the driver for nesting on `d`, and refuse the request if it says no.
  }
  return d;
}

/** Type1's loop (exercise 08, from the library) with your newDomain(). */
export const allocateThenMerge: Type1Loop = (k, c, g, t) => type1Loop(k, c, g, t, newDomain);
