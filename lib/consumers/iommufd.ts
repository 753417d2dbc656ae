/**
 * iommufd (drivers/iommu/iommufd/): device binds, IOAS and HWPT objects, and the automatic
 * domain search iommufd_device_auto_get_domain(). This is the consumer of the einval-6.2
 * contract: EINVAL from an attach means "incompatible, try the next auto domain"; any other
 * errno fails the ioctl. VFIO cdev and VFIO-compat on iommufd both take this path.
 */
import * as errno from "../errno.ts";
import type { Ret } from "../errno.ts";
import { argDevice } from "../core/args.ts";
import * as attach from "../core/attach.ts";
import { domainAlloc, domainFree } from "../core/domain.ts";
import * as owner from "../core/owner.ts";
import { type Device, type Domain, EraUnavailableError, type Group, type Kernel, LabArgumentError, type Props } from "../model.ts";
import * as outcome from "../outcome.ts";
import { coherencyRefused, NOT_COHERENT } from "../driver.ts";
import type { Outcome } from "../outcome.ts";

// Read once: tsx runs this file as esbuild's CommonJS, where every use of an imported name
// costs two getter calls, and the auto-domain search calls these for every domain it tries.
const { errnoName, neg } = errno;
const { iommuAttachGroup, iommuDetachGroup, iommuReplaceGroup } = attach;
const { iommuDeviceClaimDmaOwner, iommuDeviceReleaseDmaOwner } = owner;
const { makeOutcome } = outcome;

/** struct iommufd_hwpt_paging. */
export interface Hwpt {
  id: string;
  domain: Domain;
  ioas: Ioas;
  /** Made by the auto-domain search (freed when its last device leaves), not by IOMMU_HWPT_ALLOC. */
  autoDomain: boolean;
  enforceCacheCoherency: boolean;
  /** Allocated with IOMMU_HWPT_ALLOC_PASID: may be attached to PASIDs. */
  pasidCompat: boolean;
  devices: Set<Device>;
}

/** struct iommufd_ioas. */
export class Ioas {
  readonly hwpts: Hwpt[] = [];
  constructor(readonly id: string) {}
}

/** The iommufd file: device binds and the igroup state shared by every IOAS. */
export class IommufdCtx {
  readonly bound = new Set<Device>();
  /** igroup->hwpt: the hwpt each group's RID is attached to. */
  readonly igroupHwpt = new Map<Group, Hwpt>();
  private nextHwpt = 1;
  newHwptId(): string {
    return `hwpt${this.nextHwpt++}`;
  }
}

export function requireIommufd(k: Kernel): void {
  if (!k.features.iommufd) throw new EraUnavailableError("iommufd", k.era.id, "iommufd was merged in v6.2 together with the EINVAL contract");
}

/**
 * iommufd_device_bind(): one iommufd_device per device; claims DMA ownership for user space.
 * First, "iommufd always sets IOMMU_CACHE": a device whose IOMMU does not report
 * IOMMU_CAP_CACHE_COHERENCY (device_iommu_capable() is false, also for a device with no IOMMU)
 * is refused with EINVAL (the same gate as e8ae0e140c05 in VFIO; in iommufd since its merge, v6.2).
 */
export function iommufdBind(k: Kernel, ctx: IommufdCtx, dev: Device): Ret {
  if (ctx.bound.has(dev)) return 0;
  if (k.watched) return k.call("iommufd_device_bind", { dev: dev.id }, () => bindBody(k, ctx, dev));
  return bindBody(k, ctx, dev);
}

/** The body of iommufd_device_bind. */
function bindBody(k: Kernel, ctx: IommufdCtx, dev: Device): Ret {
  if (coherencyRefused(k, [dev])) return neg("EINVAL");
  if (!dev.group) return neg("ENODEV");
  if (!k.kzalloc()) return neg("ENOMEM"); // struct iommufd_device
  const r = iommuDeviceClaimDmaOwner(k, dev, "iommufd");
  if (!r) ctx.bound.add(dev);
  return r;
}

/** Upgrade the hwpt to enforce coherency when the device needs it (iommufd_hwpt_paging_enforce_cc). */
function enforceCc(k: Kernel, hwpt: Hwpt, dev: Device): Ret {
  if (!dev.instance!.driver.capEnforceCacheCoherency(k, dev) || hwpt.enforceCacheCoherency) return 0;
  const op = hwpt.domain.owner.enforceCacheCoherency;
  hwpt.enforceCacheCoherency = op ? op(k, hwpt.domain) : false;
  return hwpt.enforceCacheCoherency ? 0 : neg("EINVAL");
}

/** An attach strategy for the auto search: attach (IOMMU_DEVICE_ATTACH) or replace. */
export type DoAttach = (hwpt: Hwpt) => Ret;

/** iommufd_hw_pagetable_attach(hwpt, idev). */
export function hwptAttach(k: Kernel, ctx: IommufdCtx, hwpt: Hwpt, dev: Device): Ret {
  if (k.watched) return k.call("iommufd_hw_pagetable_attach", { hwpt: hwpt.id, dev: dev.id }, () => hwptAttachBody(k, ctx, hwpt, dev));
  return hwptAttachBody(k, ctx, hwpt, dev);
}

/** The body of iommufd_hw_pagetable_attach. */
function hwptAttachBody(k: Kernel, ctx: IommufdCtx, hwpt: Hwpt, dev: Device): Ret {
  const g = dev.group!;
  const cur = ctx.igroupHwpt.get(g);
  // Another device of the same group is attached elsewhere.
  if (cur && cur !== hwpt) return neg("EINVAL");
  const cc = enforceCc(k, hwpt, dev);
  if (cc) return cc;
  if (!cur) {
    const ret = iommuAttachGroup(k, hwpt.domain, g);
    if (ret) return ret; // the driver's errno passes through unchanged
    ctx.igroupHwpt.set(g, hwpt);
  }
  hwpt.devices.add(dev);
  return 0;
}

/** An auto hwpt is freed when its last device leaves it (iommufd_hw_pagetable_put). */
function putHwpt(k: Kernel, hwpt: Hwpt): void {
  if (!hwpt.autoDomain || hwpt.devices.size) return;
  hwpt.ioas.hwpts.splice(hwpt.ioas.hwpts.indexOf(hwpt), 1);
  domainFree(k, hwpt.domain);
}

/** iommufd_device_do_replace(idev, hwpt): switch the group without passing through blocking. */
export function hwptReplace(k: Kernel, ctx: IommufdCtx, hwpt: Hwpt, dev: Device): Ret {
  return k.call("iommufd_device_do_replace", { hwpt: hwpt.id, dev: dev.id }, () => {
    const g = dev.group!;
    const old = ctx.igroupHwpt.get(g);
    if (!old) return neg("EINVAL"); // replace needs an attached device
    if (old === hwpt) return 0;
    const cc = enforceCc(k, hwpt, dev);
    if (cc) return cc;
    const ret = iommuReplaceGroup(k, g, hwpt.domain);
    if (ret) return ret;
    ctx.igroupHwpt.set(g, hwpt);
    for (const d of [...old.devices]) if (d.group === g) (old.devices.delete(d), hwpt.devices.add(d));
    putHwpt(k, old);
    return 0;
  });
}

export interface AutoResult {
  ret: Ret;
  hwpt: Hwpt | null;
  reused: boolean;
  attempts: number;
  softFailures: number;
  domainsAllocated: number;
}

/**
 * iommufd_device_auto_get_domain(idev, ioas, do_attach): try every auto hwpt of the IOAS;
 * EINVAL means incompatible, so try the next; any other errno fails. Nothing fits: allocate
 * a new auto hwpt for the device and attach it (a failure destroys it again).
 */
export function autoGetDomain(k: Kernel, ctx: IommufdCtx, ioas: Ioas, dev: Device, doAttach: DoAttach, flags: Props = {}, pasidCompat = false): AutoResult {
  const r: AutoResult = { ret: 0, hwpt: null, reused: false, attempts: 0, softFailures: 0, domainsAllocated: 0 };
  r.ret = k.watched
    ? k.call("iommufd_device_auto_get_domain", { ioas: ioas.id, dev: dev.id }, () => autoBody(k, ctx, ioas, dev, doAttach, flags, pasidCompat, r))
    : autoBody(k, ctx, ioas, dev, doAttach, flags, pasidCompat, r);
  return r;
}

/** The body of iommufd_device_auto_get_domain, counting into `r`. */
function autoBody(k: Kernel, ctx: IommufdCtx, ioas: Ioas, dev: Device, doAttach: DoAttach, flags: Props, pasidCompat: boolean, r: AutoResult): Ret {
  for (const hwpt of ioas.hwpts) {
    if (!hwpt.autoDomain) continue;
    r.attempts++;
    const ret = doAttach(hwpt);
    if (!ret) {
      r.hwpt = hwpt;
      r.reused = true;
      return 0;
    }
    // "-EINVAL means the domain is incompatible with the device. Other error codes should
    // propagate to userspace as failure."
    if (errnoName(ret) !== "EINVAL") return ret;
    r.softFailures++;
  }
  const hwpt = hwptPagingAlloc(k, ctx, ioas, dev, flags, true, pasidCompat);
  if (typeof hwpt === "number") return hwpt;
  r.domainsAllocated++;
  r.attempts++;
  const ret = doAttach(hwpt);
  if (ret) {
    ioas.hwpts.splice(ioas.hwpts.indexOf(hwpt), 1); // iommufd_object_abort_and_destroy
    domainFree(k, hwpt.domain);
    return ret;
  }
  r.hwpt = hwpt;
  return 0;
}

/** iommufd_hwpt_paging_alloc(): a paging domain for the device, linked to the IOAS. */
export function hwptPagingAlloc(k: Kernel, ctx: IommufdCtx, ioas: Ioas, dev: Device, props: Props, auto: boolean, pasidCompat = false): Hwpt | Ret {
  if (!k.kzalloc()) return neg("ENOMEM"); // struct iommufd_hwpt_paging
  const d = domainAlloc(k, { dev, props, ...(pasidCompat ? { pasid: true } : {}) });
  if (typeof d === "number") return d;
  const hwpt: Hwpt = { id: ctx.newHwptId(), domain: d, ioas, autoDomain: auto, enforceCacheCoherency: false, pasidCompat, devices: new Set() };
  ioas.hwpts.push(hwpt);
  return hwpt;
}

/**
 * IOMMU_DEVICE_ATTACH / VFIO_DEVICE_ATTACH_IOMMUFD_PT to an IOAS: bind (claims DMA ownership),
 * then iommufd_device_auto_get_domain().
 */
export function iommufdDeviceAttachIoas(k: Kernel, ctx: IommufdCtx, ioas: Ioas, dev: Device): Outcome {
  argDevice(k, dev, "iommufdDeviceAttachIoas");
  if (!(ctx instanceof IommufdCtx) || !(ioas instanceof Ioas)) throw new LabArgumentError("iommufdDeviceAttachIoas: ctx must be an IommufdCtx and ioas an Ioas");
  requireIommufd(k);
  const logFrom = k.log.length;
  const bind = iommufdBind(k, ctx, dev);
  const r: AutoResult = bind
    ? { ret: bind, hwpt: null, reused: false, attempts: 0, softFailures: 0, domainsAllocated: 0 }
    : autoGetDomain(k, ctx, ioas, dev, (h) => hwptAttach(k, ctx, h, dev));
  return makeOutcome(k, logFrom, {
    outcome: r.ret ? "hard-failure" : r.reused ? "attached-existing" : "attached-new",
    ret: r.ret,
    domain: r.hwpt?.domain.id ?? null,
    attempts: r.attempts,
    softFailures: r.softFailures,
    domainsAllocated: r.domainsAllocated,
    detail: bind && coherencyRefused(k, [dev]) ? `iommufd_device_bind() refused ${dev.id}: ${NOT_COHERENT}` : undefined,
  });
}

/** iommufd_device_detach(): leave the hwpt; the group goes back to blocking when its last device leaves. */
export function iommufdDeviceDetach(k: Kernel, ctx: IommufdCtx, dev: Device): void {
  const g = dev.group!;
  const hwpt = ctx.igroupHwpt.get(g);
  if (!hwpt) return;
  hwpt.devices.delete(dev);
  if (![...hwpt.devices].some((d) => d.group === g)) {
    ctx.igroupHwpt.delete(g);
    iommuDetachGroup(k, hwpt.domain, g);
    putHwpt(k, hwpt);
  }
}

/** iommufd_device_unbind(): detach, then release DMA ownership. */
export function iommufdDeviceUnbind(k: Kernel, ctx: IommufdCtx, dev: Device): void {
  if (!ctx.bound.has(dev)) return;
  iommufdDeviceDetach(k, ctx, dev);
  ctx.bound.delete(dev);
  iommuDeviceReleaseDmaOwner(k, dev);
}
