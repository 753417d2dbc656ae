/**
 * Exercise 08 - VFIO type1's allocate-then-merge loop. Reference solution.
 *
 * The merge loop compares ops and coherency before trying, and never reads the errno of a failed
 * merge: any failure sends the group back to its new domain.
 */
import { domainAlloc, domainFree, type Domain, type Group, iommuAttachGroup, iommuDetachGroup, type Kernel, neg, type VfioContainer } from "../lib/index.ts";

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

  // Step 2: try to merge the group into an existing domain with the same ops and coherency.
  for (const d of c.domains) {
    if (d.domain.owner !== nd.owner || d.coherent !== coherent) continue;
    iommuDetachGroup(k, nd, g);
    if (attach(k, t, d.domain, g) === 0) {
      d.groups.push(g);
      domainFree(k, nd);
      return { ret: 0, domain: d.domain, reused: true };
    }
    // The merge failed - for whatever reason: the errno is not inspected. Back to the new domain.
    t.soft++;
    const back = attach(k, t, nd, g);
    if (back) {
      domainFree(k, nd);
      return { ret: back, domain: null, reused: false };
    }
  }

  // Step 3: no merge; the new domain joins the container.
  c.domains.push({ domain: nd, groups: [g], coherent });
  return { ret: 0, domain: nd, reused: false };
}
