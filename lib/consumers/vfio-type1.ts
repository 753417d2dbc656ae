/**
 * VFIO type1: vfio_iommu_type1_attach_group() (drivers/vfio/vfio_iommu_type1.c).
 *
 * Mainline never adopted errno-driven reuse: it allocates a new domain, attaches the group,
 * then tries to merge into an existing domain with the same ops and coherency, and does not
 * look at the errno of a failed merge attempt. The try-existing-first loop of
 * "Simplify vfio_iommu_type1 attach/detach routine" (emediumtype-2022) was never merged.
 */
import { errnoName, neg, type Ret } from "../errno.ts";
import * as attachApi from "../core/attach.ts";
import * as domainApi from "../core/domain.ts";
import { iommuGroupClaimDmaOwner, iommuGroupReleaseDmaOwner } from "../core/owner.ts";
import * as args from "../core/args.ts";
import { type Domain, type Group, type Kernel, LabArgumentError } from "../model.ts";
import * as outcome from "../outcome.ts";
import type { Outcome } from "../outcome.ts";
import * as driver from "../driver.ts";

// Read once (see lib/core/attach.ts): each request calls these, several of them per domain it tries.
const { iommuAttachGroup, iommuDetachGroup } = attachApi;
const { domainAlloc, domainFree } = domainApi;
const { makeOutcome } = outcome;
const { coherencyRefused, NOT_COHERENT } = driver;
const argGroup: typeof args.argGroup = args.argGroup;

export type VfioIommuType = "v2" | "nesting";

interface VfioDomain {
  domain: Domain;
  groups: Group[];
  /** V510: d->prot & IOMMU_CACHE; V63+: d->enforce_cache_coherency. */
  coherent: boolean;
}

/** struct vfio_iommu: one container. */
export class VfioContainer {
  readonly domains: VfioDomain[] = [];
  constructor(
    readonly id: string,
    readonly type: VfioIommuType,
  ) {}
}

/** What a type1 loop counts: attach calls, failed attempts it moved past, domains allocated. */
export interface Type1Tally {
  attempts: number;
  soft: number;
  allocated: number;
}
type Tally = Type1Tally;

/** Where a type1 loop ended: the return value, the domain, and whether it was an existing one. */
export interface Type1LoopResult {
  ret: Ret;
  domain: Domain | null;
  reused: boolean;
}

/** A domain-search loop of vfio_iommu_type1_attach_group() (the era's own, or an exercise's). */
export type Type1Loop = (k: Kernel, c: VfioContainer, g: Group, t: Type1Tally) => Type1LoopResult;

function attach(k: Kernel, t: Tally, d: Domain, g: Group): Ret {
  t.attempts++;
  return iommuAttachGroup(k, d, g);
}

/**
 * How a type1 loop makes the group's new domain: `type1DomainAlloc` and, for a nesting container,
 * the nesting request (exercise 09 writes that part and hands it to `allocateThenMerge`).
 */
export type Type1NewDomain = (k: Kernel, c: VfioContainer, g: Group, t: Type1Tally) => Domain | Ret;

/** struct vfio_domain and the iommu_domain for the group's first device, counted in t.allocated. */
export function type1DomainAlloc(k: Kernel, g: Group, t: Type1Tally): Domain | Ret {
  if (!k.kzalloc()) return neg("ENOMEM"); // struct vfio_domain
  const d = domainAlloc(k, { dev: g.devices[0]! });
  // iommu_domain_alloc() returned NULL -> -EIO; iommu_paging_domain_alloc() returns an ERR_PTR.
  if (typeof d === "number") return k.features.pagingAllocForDevice ? d : neg("EIO");
  t.allocated++;
  return d;
}

/** A new domain for the group, nesting enabled when the container type asks for it. */
function newDomain(k: Kernel, c: VfioContainer, g: Group, t: Tally): Domain | Ret {
  const d = type1DomainAlloc(k, g, t);
  if (typeof d === "number") return d;
  if (c.type === "nesting") {
    const fn = k.features.nestingBySetAttr ? "iommu_domain_set_attr(DOMAIN_ATTR_NESTING)" : "iommu_enable_nesting";
    const ret = k.call(fn, { domain: d.id }, () => d.owner.enableNesting(k, d));
    if (ret) {
      domainFree(k, d); // goto out_domain: a hard failure
      return ret;
    }
  }
  return d;
}

function coherencyKey(k: Kernel, d: Domain, g: Group): boolean {
  switch (k.features.vfioCoherencyKey) {
    case "prot":
      return d.owner.capCacheCoherency(k, g.devices[0]!);
    case "enforce_cache_coherency":
      return d.owner.enforceCacheCoherency ? d.owner.enforceCacheCoherency(k, d) : false;
    case "none":
      return false;
  }
}

/**
 * Mainline's loop: a new domain made by `makeDomain`, the group attached to it, then a merge into
 * each existing domain with the same ops and coherency, whatever the errno of a failed attempt.
 */
export function allocateThenMerge(k: Kernel, c: VfioContainer, g: Group, t: Type1Tally, makeDomain: Type1NewDomain): Type1LoopResult {
  const nd = makeDomain(k, c, g, t);
  if (typeof nd === "number") return { ret: nd, domain: null, reused: false };
  let ret = attach(k, t, nd, g);
  if (ret) {
    domainFree(k, nd);
    return { ret, domain: null, reused: false };
  }
  const coherent = coherencyKey(k, nd, g);
  for (const d of c.domains) {
    if (k.features.vfioOpsMatch && d.domain.owner !== nd.owner) continue;
    if (d.coherent !== coherent) continue;
    iommuDetachGroup(k, nd, g);
    if (!attach(k, t, d.domain, g)) {
      d.groups.push(g);
      domainFree(k, nd);
      return { ret: 0, domain: d.domain, reused: true };
    }
    t.soft++; // the errno is not inspected
    ret = attach(k, t, nd, g);
    if (ret) {
      domainFree(k, nd);
      return { ret, domain: null, reused: false };
    }
  }
  c.domains.push({ domain: nd, groups: [g], coherent });
  return { ret: 0, domain: nd, reused: false };
}

/** The era's own allocate-then-merge, with type1's own new domain (nesting included). */
const mainlineLoop: Type1Loop = (k, c, g, t) => allocateThenMerge(k, c, g, t, newDomain);

/** vfio_iommu_alloc_attach_domain() as proposed in June 2022 (never merged). */
function tryExistingFirst(k: Kernel, c: VfioContainer, g: Group, t: Tally): Type1LoopResult {
  for (const d of c.domains) {
    const ret = attach(k, t, d.domain, g);
    if (!ret) {
      d.groups.push(g);
      return { ret: 0, domain: d.domain, reused: true };
    }
    // "-EMEDIUMTYPE means an incompatible domain, so try next one"
    if (errnoName(ret) === "EMEDIUMTYPE") {
      t.soft++;
      continue;
    }
    return { ret, domain: null, reused: false };
  }
  const nd = newDomain(k, c, g, t);
  if (typeof nd === "number") return { ret: nd, domain: null, reused: false };
  const ret = attach(k, t, nd, g);
  if (ret) {
    domainFree(k, nd);
    return { ret, domain: null, reused: false };
  }
  c.domains.push({ domain: nd, groups: [g], coherent: coherencyKey(k, nd, g) });
  return { ret: 0, domain: nd, reused: false };
}

/**
 * VFIO_GROUP_SET_CONTAINER + vfio_iommu_type1_attach_group(): claim DMA ownership, then look
 * for a domain as the era's type1 did (or with `opts.loop`, e.g. an exercise's). On failure
 * the ownership is released again.
 */
export function vfioType1AttachGroup(k: Kernel, c: VfioContainer, g: Group, opts: { loop?: Type1Loop } = {}): Outcome {
  argGroup(k, g, "vfioType1AttachGroup");
  if (!(c instanceof VfioContainer)) throw new LabArgumentError("vfioType1AttachGroup: c must be a VfioContainer");
  const logFrom = k.log.length;
  const t: Tally = { attempts: 0, soft: 0, allocated: 0 };
  // vfio-pci's probe registers each device first (vfio_register_group_dev); from v5.19 a device
  // whose IOMMU does not report IOMMU_CAP_CACHE_COHERENCY is refused there (e8ae0e140c05), so the
  // group never reaches VFIO_GROUP_SET_CONTAINER.
  const refused = coherencyRefused(k, g.devices);
  if (refused) {
    const ret = k.call("vfio_register_group_dev", { dev: refused.id }, () => neg("EINVAL"));
    return finish(k, logFrom, t, { ret, domain: null, reused: false }, `vfio_register_group_dev() refused ${refused.id}: ${NOT_COHERENT}`);
  }
  if (c.type === "nesting" && !k.features.vfioNestingType) {
    // VFIO_SET_IOMMU with a type no driver supports (removed by 35890f85573c, v6.13 INFERRED): -ENODEV (INFERRED).
    return finish(k, logFrom, t, { ret: neg("ENODEV"), domain: null, reused: false }, "VFIO_TYPE1_NESTING_IOMMU was removed (35890f85573c)");
  }
  const loop: Type1Loop = opts.loop ?? (k.features.vfioLoop === "try-existing-first" ? tryExistingFirst : mainlineLoop);
  if (!k.watched) return finish(k, logFrom, t, attachGroupBody(k, c, g, t, loop));
  let res: Type1LoopResult = { ret: 0, domain: null, reused: false };
  k.call("vfio_iommu_type1_attach_group", { container: c.id, group: g.id, type: c.type }, () => {
    res = attachGroupBody(k, c, g, t, loop);
    return res.ret;
  });
  return finish(k, logFrom, t, res);
}

/** The body of vfio_iommu_type1_attach_group. */
function attachGroupBody(k: Kernel, c: VfioContainer, g: Group, t: Tally, loop: Type1Loop): Type1LoopResult {
  // From ~v5.19 the group is claimed first (it moves to the blocking domain); before, type1
  // attached from the default domain after its own viability check.
  const own = k.features.dmaOwnership;
  const claim = own ? iommuGroupClaimDmaOwner(k, g, `vfio:${c.id}`) : 0;
  if (claim) return { ret: claim, domain: null, reused: false };
  const res = loop(k, c, g, t);
  if (res.ret && own) iommuGroupReleaseDmaOwner(k, g);
  return res;
}

/** The request's outcome: where the loop ended, with its counts and the log lines since `logFrom`. */
function finish(k: Kernel, logFrom: number, t: Tally, res: Type1LoopResult, detail?: string): Outcome {
  return makeOutcome(k, logFrom, {
    outcome: res.ret ? "hard-failure" : res.reused ? "attached-existing" : "attached-new",
    ret: res.ret,
    domain: res.domain?.id ?? null,
    attempts: t.attempts,
    softFailures: t.soft,
    domainsAllocated: t.allocated,
    detail,
  });
}
