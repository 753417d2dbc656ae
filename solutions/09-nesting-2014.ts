/**
 * Exercise 09 - the 2014 nesting rule. Reference solution.
 *
 * f5c9ecebaf2a: set DOMAIN_ATTR_NESTING on every new domain of a nesting container, before the
 * first attach; a refusal frees the domain and fails the request (goto out_domain).
 */
import { allocateThenMerge as type1Loop, type1DomainAlloc, type Type1Loop, type Type1Tally } from "../lib/consumers/vfio-type1.ts";
import { type Domain, domainFree, type Group, type Kernel, type VfioContainer } from "../lib/index.ts";

/**
 * A new domain for the group. A VFIO_TYPE1_NESTING_IOMMU container (c.type === "nesting") asks
 * for nesting on it before anything is attached.
 */
export function newDomain(k: Kernel, c: VfioContainer, g: Group, t: Type1Tally): Domain | number {
  const d = type1DomainAlloc(k, g, t);
  if (typeof d === "number") return d;
  if (c.type === "nesting") {
    const fn = k.era.id === "2014-nesting" ? "iommu_domain_set_attr(DOMAIN_ATTR_NESTING)" : "iommu_enable_nesting";
    const ret = k.call(fn, { domain: d.id }, () => d.owner.enableNesting(k, d));
    if (ret) {
      domainFree(k, d); // goto out_domain
      return ret;
    }
  }
  return d;
}

/** Type1's loop (exercise 08, from the library) with your newDomain(). */
export const allocateThenMerge: Type1Loop = (k, c, g, t) => type1Loop(k, c, g, t, newDomain);
