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
 * Below is type1's loop from exercise 08 (given). Complete `newDomain()`: for a nesting
 * container, ask the driver for nesting with `d.owner.enableNesting(k, d)`, called through
 * `k.call(fn, { domain: d.id }, () => ...)` so that it shows in the trace, with fn =
 * "iommu_domain_set_attr(DOMAIN_ATTR_NESTING)" in 2014-nesting and "iommu_enable_nesting"
 * later; on a non-zero answer free the domain and return that errno. The checks run nesting
 * and v2 containers on arm-smmu (can nest) and ipmmu-vmsa (cannot) machines of 2014, and pre-2022
 * SMMUv3, with your code and with the library's type1, and compare.
 *
 * Sources: commit f5c9ecebaf2a; commit 35890f85573c; seed 004 (the 2014 RFC v2 thread).
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

/**
 * A new domain for the group. A VFIO_TYPE1_NESTING_IOMMU container (c.type === "nesting") asks
 * for nesting on it before anything is attached.
 */
export function newDomain(k: Kernel, c: VfioContainer, g: Group, t: Tally): Domain | number {
  if (!k.kzalloc()) return neg("ENOMEM"); // struct vfio_domain
  const d = domainAlloc(k, { dev: g.devices[0]! });
  // iommu_domain_alloc() returned NULL -> -EIO; iommu_paging_domain_alloc() returns an ERR_PTR.
  if (typeof d === "number") return k.features.pagingAllocForDevice ? d : neg("EIO");
  t.allocated++;
  if (c.type === "nesting") {
    // TODO: ask the driver for nesting on `d`, and refuse the request if it says no.
  }
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

/** Exercise 08, given. */
export function allocateThenMerge(k: Kernel, c: VfioContainer, g: Group, t: Tally): LoopResult {
  // Step 1: a new domain, and the group on it.
  const nd = newDomain(k, c, g, t);
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
