/**
 * Exercise 08 - VFIO type1: write the allocate-then-merge loop (the errno is NOT inspected).
 *
 * Background
 * ----------
 * VFIO type1 (drivers/vfio/vfio_iommu_type1.c) attaches a group to a container in a way that
 * predates any errno contract, and mainline never changed it (the 2022 rewrite that tried
 * existing domains first was not merged):
 *
 *   1. allocate a NEW domain for the group and attach the group to it - a failure here is a
 *      hard failure of the request;
 *   2. then, for every domain `d` already in the container with the same ops (same driver) and
 *      the same coherency property: detach the group from the new domain and try `d`;
 *        - success: the group joins `d`, the new domain is freed, done;
 *        - failure, WHATEVER the errno: attach the group back to the new domain (if even that
 *          fails, the request fails) and try the next `d`;
 *   3. no merge: keep the new domain and add it to the container.
 *
 * Because it never reads the errno of a failed merge, type1 worked with every driver of the
 * errno zoo (ENXIO, EXDEV, EINVAL ...) - and gained nothing from the v6.2 contract. (Alex
 * Williamson quoted this loop, unchanged, in October 2025.)
 *
 * Task
 * ----
 * `allocateThenMerge()` below does step 1 and step 3. Write step 2 (the merge loop) between
 * them. Use the helpers: `attach(k, t, domain, g)` (iommu_attach_group, counts t.attempts),
 * iommuDetachGroup, domainFree; count every failed merge attempt in t.soft. The checks run a
 * container on real machines in pre-2022, einval-6.2 and mainline-2025 (two SMMUv3s; an SMMUv3 next
 * to a VT-d unit; VT-d units with different snooping) with your loop and with the library's,
 * and compare outcome, counters, domains and kernel log.
 *
 * Sources: notebooks/sources.md (which consumer reads which errno); drivers/vfio/vfio_iommu_type1.c,
 * vfio_iommu_type1_attach_group().
 */
import { domainAlloc, domainFree, type Domain, type Group, iommuAttachGroup, type Kernel, neg, type VfioContainer } from "../lib/index.ts";

/** Counters for the request's outcome: attach calls, failed merge attempts, new domains. */
export interface Tally {
  attempts: number;
  soft: number;
  allocated: number;
}

export interface LoopResult {
  ret: number;
  domain: Domain | null;
  reused: boolean;
}

/** iommu_attach_group(), counted. */
export function attach(k: Kernel, t: Tally, d: Domain, g: Group): number {
  t.attempts++;
  return iommuAttachGroup(k, d, g);
}

/** A new domain for the group (nesting is exercise 09). */
export function newDomain(k: Kernel, g: Group, t: Tally): Domain | number {
  if (!k.kzalloc()) return neg("ENOMEM"); // struct vfio_domain
  const d = domainAlloc(k, { dev: g.devices[0]! });
  // iommu_domain_alloc() returned NULL -> -EIO; iommu_paging_domain_alloc() returns an ERR_PTR.
  if (typeof d === "number") return k.features.pagingAllocForDevice ? d : neg("EIO");
  t.allocated++;
  return d;
}

/** The coherency property type1 compares (V510: IOMMU_CACHE in d->prot; V63+: enforce_cache_coherency). */
export function coherencyKey(k: Kernel, d: Domain, g: Group): boolean {
  switch (k.features.vfioCoherencyKey) {
    case "prot":
      return d.owner.capCacheCoherency(k, g.devices[0]!);
    case "enforce_cache_coherency":
      return d.owner.enforceCacheCoherency ? d.owner.enforceCacheCoherency(k, d) : false;
    case "none":
      return false;
  }
}

export function allocateThenMerge(k: Kernel, c: VfioContainer, g: Group, t: Tally): LoopResult {
  // Step 1: a new domain, and the group on it.
  const nd = newDomain(k, g, t);
  if (typeof nd === "number") return { ret: nd, domain: null, reused: false };
  const ret = attach(k, t, nd, g);
  if (ret) {
    domainFree(k, nd);
    return { ret, domain: null, reused: false };
  }
  const coherent = coherencyKey(k, nd, g);

  // Step 2: TODO - try to merge the group into an existing domain of the container.

  // Step 3: no merge; the new domain joins the container.
  c.domains.push({ domain: nd, groups: [g], coherent });
  return { ret: 0, domain: nd, reused: false };
}
