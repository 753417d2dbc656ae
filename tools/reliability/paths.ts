/**
 * The core paths of drivers/iommu/iommu.c (as modelled in lib/core) that the fuzzer must reach,
 * named "kernel_function:branch", and how to recognise each one in the kernel's trace.
 *
 * Nothing here hooks the core: a path is read from the trace events a call leaves (function,
 * arguments, return value, children) and, where the trace alone cannot tell two branches apart,
 * from the state the harness saw just before the operation (`PathCtx`).
 */
import { errnoName, type Ret } from "../../lib/errno.ts";
import { ERAS, type EraFeatures, type EraId } from "../../lib/eras.ts";
import type { Kernel } from "../../lib/model.ts";
import type { TraceEvent } from "../../lib/trace.ts";

/** What the harness knew before the operation whose trace is being read. */
export interface PathCtx {
  k: Kernel;
  /** Devices with attach_deferred set before the operation. */
  deferredBefore: ReadonlySet<string>;
}

export interface PathDef {
  id: string;
  /** The path exists in an era with these features (the code is there). */
  exists: (f: EraFeatures) => boolean;
  /**
   * Whether a call of the function the id names (before the colon) took this branch. `kids`: its
   * direct callees (for __iommu_set_group_pasid, the set_dev_pasid calls, the undo ones included).
   */
  hit: (ev: TraceEvent, kids: readonly TraceEvent[], c: PathCtx) => boolean;
}

const MUST_SUCCEED = 1; // IOMMU_SET_DOMAIN_MUST_SUCCEED, as the trace records it
const is = (r: Ret | undefined, name: string) => r !== undefined && r !== 0 && errnoName(r) === name;
const failed = (e: TraceEvent) => e.ret !== undefined && e.ret !== 0;
const always = () => true;
const SET_DEV = "__iommu_device_set_domain";
const TEST_DEV = "__iommu_domain_test_device";

/** Index of the first failing __iommu_device_set_domain among the forward walk (flags 0) of a set_domain_internal. */
function forwardFailure(kids: readonly TraceEvent[]): number {
  const walk = kids.filter((e) => e.fn === SET_DEV && e.args["flags"] === 0);
  return walk.findIndex(failed);
}

const group = (c: PathCtx, ev: TraceEvent) => c.k.groups.get(String(ev.args["group"]));
const devGroup = (c: PathCtx, ev: TraceEvent) => c.k.devices.get(String(ev.args["dev"]))?.group ?? null;

export const CORE_PATHS: readonly PathDef[] = [
  // ---- iommu_attach_device / __iommu_attach_group ----
  { id: "iommu_attach_device:ENODEV no group", exists: always, hit: (e) => is(e.ret, "ENODEV") },
  { id: "iommu_attach_device:singleton EINVAL", exists: always, hit: (e, kids) => is(e.ret, "EINVAL") && kids.length === 0 },
  { id: "__iommu_attach_group:EBUSY", exists: always, hit: (e, kids) => is(e.ret, "EBUSY") && kids.length === 0 },
  { id: "__iommu_attach_group:owner EINVAL", exists: (f) => f.coreOwnerCheck === "attach-group", hit: (e, kids) => is(e.ret, "EINVAL") && kids.length === 0 },
  { id: "__iommu_attach_group:success", exists: always, hit: (e) => e.ret === 0 },
  // ---- the group walk before rollback (6.2 and older) ----
  {
    id: "__iommu_group_set_domain:first device fails",
    exists: (f) => !f.rollback,
    hit: (e, kids) => failed(e) && kids.findIndex(failed) === 0,
  },
  {
    id: "__iommu_group_set_domain:partial, no revert",
    exists: (f) => !f.rollback,
    hit: (e, kids) => failed(e) && kids.findIndex(failed) > 0,
  },
  {
    id: "__iommu_group_set_domain:deferred device skipped",
    exists: (f) => !f.rollback,
    hit: (e, kids, c) => e.ret === 0 && kids.length > 0 && kids.length < (group(c, e)?.devices.length ?? 0),
  },
  {
    id: "__iommu_group_set_core_domain:WARN attach failed",
    exists: (f) => !f.rollback,
    hit: (e) => failed(e),
  },
  // ---- the group walk with rollback (mainline) ----
  { id: "__iommu_group_set_domain_internal:success", exists: (f) => f.rollback, hit: (e, kids) => e.ret === 0 && kids.length > 0 },
  { id: "__iommu_group_set_domain_internal:already on new_domain", exists: (f) => f.rollback, hit: (e, kids) => e.ret === 0 && kids.length === 0 },
  { id: "__iommu_group_set_domain_internal:reset window EBUSY", exists: (f) => f.resetWindow, hit: (e, kids) => is(e.ret, "EBUSY") && kids.length === 0 },
  {
    id: "__iommu_group_set_domain_internal:test_dev refused",
    exists: (f) => f.testDev,
    hit: (e, kids) => failed(e) && kids.length > 0 && kids.every((x) => x.fn === TEST_DEV) && failed(kids[kids.length - 1]!),
  },
  {
    id: "__iommu_group_set_domain_internal:first device fails",
    exists: (f) => f.rollback,
    hit: (e, kids) => failed(e) && e.args["flags"] === 0 && forwardFailure(kids) === 0,
  },
  {
    id: "__iommu_group_set_domain_internal:err_revert",
    exists: (f) => f.rollback,
    hit: (e, kids) => failed(e) && e.args["flags"] === 0 && forwardFailure(kids) > 0,
  },
  {
    id: "__iommu_group_set_domain_internal:MUST_SUCCEED, a device failed",
    exists: (f) => f.rollback,
    hit: (e, kids) => e.args["flags"] === MUST_SUCCEED && kids.some((x) => x.fn === SET_DEV && failed(x)),
  },
  { id: "__iommu_device_set_domain:require_direct EINVAL", exists: (f) => f.requireDirect, hit: (e, kids) => is(e.ret, "EINVAL") && kids.length === 0 },
  { id: "__iommu_device_set_domain:deferred, default domain skipped", exists: (f) => f.rollback, hit: (e, kids) => e.ret === 0 && kids.length === 0 },
  {
    id: "__iommu_device_set_domain:MUST_SUCCEED fails, parked on blocking",
    exists: (f) => f.rollback,
    // the park: an attach to a domain other than the one the walk was moving to (the blocking domain)
    hit: (e, kids) => failed(e) && e.args["flags"] === MUST_SUCCEED && kids.some((x) => x.fn === "__iommu_attach_device" && x.args["domain"] !== e.args["domain"]),
  },
  {
    id: "__iommu_attach_device:clears attach_deferred",
    exists: always,
    hit: (e, _kids, c) => e.ret === 0 && c.deferredBefore.has(String(e.args["dev"])) && c.k.devices.get(String(e.args["dev"]))?.attachDeferred === false,
  },
  // ---- replace ----
  { id: "iommu_replace_group_handle:ENOMEM xa_reserve", exists: (f) => f.groupReplace, hit: (e, kids) => is(e.ret, "ENOMEM") && kids.length === 0 },
  { id: "iommu_replace_group_handle:success", exists: (f) => f.groupReplace, hit: (e) => e.ret === 0 },
  // ---- DMA ownership ----
  { id: "iommu_group_claim_dma_owner:EPERM already owned", exists: (f) => f.dmaOwnership, hit: (e) => is(e.ret, "EPERM") },
  { id: "__iommu_take_dma_ownership:EBUSY", exists: (f) => f.dmaOwnership, hit: (e, kids) => is(e.ret, "EBUSY") && kids.length === 0 },
  { id: "__iommu_take_dma_ownership:blocking attach fails", exists: (f) => f.dmaOwnership, hit: (e, kids) => failed(e) && kids.length > 0 },
  { id: "__iommu_take_dma_ownership:claimed", exists: (f) => f.dmaOwnership, hit: (e) => e.ret === 0 },
  // ---- PASID ----
  { id: "iommu_attach_device_pasid:ENODEV no group", exists: (f) => f.pasid, hit: (e) => is(e.ret, "ENODEV") },
  { id: "iommu_attach_device_pasid:EOPNOTSUPP", exists: (f) => f.pasid, hit: (e, kids) => is(e.ret, "EOPNOTSUPP") && kids.length === 0 },
  {
    id: "iommu_attach_device_pasid:EBUSY pasid in use",
    exists: (f) => f.pasid,
    hit: (e, kids, c) => is(e.ret, "EBUSY") && !kids.some((x) => x.fn === "__iommu_set_group_pasid") && !devGroup(c, e)?.resettingDomain,
  },
  { id: "iommu_attach_device_pasid:reset window EBUSY", exists: (f) => f.pasid && f.resetWindow, hit: (e, kids, c) => is(e.ret, "EBUSY") && kids.length === 0 && !!devGroup(c, e)?.resettingDomain },
  {
    id: "iommu_attach_device_pasid:test_dev refused",
    exists: (f) => f.pasid && f.testDev,
    hit: (e, kids) => failed(e) && kids.length > 0 && kids.every((x) => x.fn === TEST_DEV) && failed(kids[kids.length - 1]!),
  },
  { id: "iommu_attach_device_pasid:ENOMEM xa_insert", exists: (f) => f.pasid, hit: (e, kids) => is(e.ret, "ENOMEM") && !kids.some((x) => x.fn === "__iommu_set_group_pasid") },
  { id: "iommu_attach_device_pasid:set_group_pasid fails", exists: (f) => f.pasid, hit: (e, kids) => failed(e) && kids.some((x) => x.fn === "__iommu_set_group_pasid" && failed(x)) },
  { id: "iommu_attach_device_pasid:success", exists: (f) => f.pasid, hit: (e) => e.ret === 0 },
  { id: "iommu_replace_device_pasid:EINVAL not attached", exists: (f) => f.pasid, hit: (e, kids) => is(e.ret, "EINVAL") && kids.length === 0 },
  { id: "iommu_replace_device_pasid:set_group_pasid fails", exists: (f) => f.pasid, hit: (e, kids) => failed(e) && kids.some((x) => x.fn === "__iommu_set_group_pasid" && failed(x)) },
  { id: "iommu_replace_device_pasid:success", exists: (f) => f.pasid, hit: (e, kids) => e.ret === 0 && kids.length > 0 },
  {
    id: "__iommu_set_group_pasid:skips a device without PASID",
    exists: (f) => f.pasid,
    hit: (e, _kids, c) => e.ret === 0 && (group(c, e)?.devices.some((d) => d.maxPasids === 0) ?? false),
  },
  { id: "__iommu_set_group_pasid:first device fails", exists: (f) => f.pasid, hit: (e, kids) => failed(e) && kids.findIndex(failed) === 0 },
  {
    id: "__iommu_set_group_pasid:rollback, earlier devices removed",
    exists: (f) => f.pasid,
    hit: (e, kids) => failed(e) && e.args["old"] === "NULL" && kids.findIndex(failed) > 0,
  },
  {
    id: "__iommu_set_group_pasid:rollback, earlier devices back to old",
    exists: (f) => f.pasid,
    hit: (e, kids) => failed(e) && e.args["old"] !== "NULL" && kids.findIndex(failed) > 0,
  },
  { id: "iommu_detach_device_pasid:detached", exists: (f) => f.pasid, hit: always },
  // ---- PCI reset window ----
  { id: "pci_dev_reset_iommu_prepare:parked on blocking", exists: (f) => f.resetWindow, hit: (e, kids) => e.ret === 0 && kids.length > 0 },
  { id: "pci_dev_reset_iommu_prepare:WARN re-entered", exists: (f) => f.resetWindow, hit: (e) => is(e.ret, "EBUSY") },
  { id: "pci_dev_reset_iommu_done:restored", exists: (f) => f.resetWindow, hit: (_e, kids) => kids.length > 0 },
  // ---- deferred attach (kdump) ----
  { id: "iommu_deferred_attach:attach", exists: always, hit: (_e, kids) => kids.some((x) => x.fn === "__iommu_attach_device") },
  { id: "iommu_deferred_attach:reset window EBUSY", exists: (f) => f.deferredLocked && f.resetWindow, hit: (e, kids) => is(e.ret, "EBUSY") && kids.length === 0 },
  // ---- allocation ----
  {
    id: "domain_alloc:ENOMEM (fail-nth)",
    exists: always,
    hit: (e, kids) => (e.fn === "iommu_domain_alloc" || e.fn === "iommu_paging_domain_alloc") && is(e.ret, "ENOMEM") && kids.length === 0,
  },
];

/** The kernel function a path belongs to ("domain_alloc" matches both allocators). */
const fnOf = (id: string) => id.slice(0, id.indexOf(":"));

const BY_FN = new Map<string, PathDef[]>();
for (const p of CORE_PATHS) {
  const fns = fnOf(p.id) === "domain_alloc" ? ["iommu_domain_alloc", "iommu_paging_domain_alloc"] : [fnOf(p.id)];
  for (const fn of fns) {
    let l = BY_FN.get(fn);
    if (!l) BY_FN.set(fn, (l = []));
    l.push(p);
  }
}

/** Path ids that exist in `era` (the code is there), in catalogue order. */
export function pathsOf(era: EraId): string[] {
  return CORE_PATHS.filter((p) => p.exists(ERAS[era].features)).map((p) => p.id);
}

/** Hits per path id. */
export type PathHits = Map<string, number>;

/** Count the paths the events `tr[from..]` (one operation's calls) took. */
export function countPaths(tr: readonly TraceEvent[], from: number, c: PathCtx, hits: PathHits): void {
  for (let i = from; i < tr.length; i++) {
    const ev = tr[i]!;
    const defs = BY_FN.get(ev.fn);
    if (!defs) continue;
    const kids: TraceEvent[] = [];
    for (let j = i + 1; j < tr.length && tr[j]!.depth > ev.depth; j++) if (tr[j]!.depth === ev.depth + 1) kids.push(tr[j]!);
    for (const p of defs) if (p.hit(ev, kids, c)) hits.set(p.id, (hits.get(p.id) ?? 0) + 1);
  }
}
