/**
 * iommufd's automatic domain: iommufd_device_auto_get_domain() (drivers/iommu/iommufd/device.c).
 * This is the consumer of the einval-6.2 contract: EINVAL from an attach means "incompatible,
 * try the next auto domain"; any other errno fails the ioctl. VFIO cdev and VFIO-compat on
 * iommufd both take this path.
 */
import { errnoName, neg, type Ret } from "../errno";
import { iommuAttachGroup, iommuDetachGroup } from "../core/attach";
import { domainAlloc, domainFree } from "../core/domain";
import { iommuDeviceClaimDmaOwner, iommuDeviceReleaseDmaOwner } from "../core/owner";
import { argDevice } from "../core/args";
import { type Device, type Domain, EraUnavailableError, type Group, type Kernel, LabArgumentError } from "../model";
import { makeOutcome, type Outcome } from "../outcome";

/** struct iommufd_hwpt_paging. */
export interface Hwpt {
  id: string;
  domain: Domain;
  autoDomain: boolean;
  enforceCacheCoherency: boolean;
  devices: Set<Device>;
}

/** struct iommufd_ioas, plus the iommufd context's per-group state (igroup->hwpt) and bound devices. */
export class Ioas {
  readonly hwpts: Hwpt[] = [];
  constructor(readonly id: string) {}
}

/** The iommufd file: device binds and igroup state shared by every IOAS. */
export class IommufdCtx {
  readonly bound = new Set<Device>();
  readonly igroupHwpt = new Map<Group, Hwpt>();
  private nextHwpt = 1;
  newHwptId(): string {
    return `hwpt${this.nextHwpt++}`;
  }
}

/** iommufd_hw_pagetable_attach(hwpt, idev). */
function hwptAttach(k: Kernel, ctx: IommufdCtx, hwpt: Hwpt, dev: Device): Ret {
  return k.call("iommufd_hw_pagetable_attach", { hwpt: hwpt.id, dev: dev.id }, () => {
    const g = dev.group!;
    const cur = ctx.igroupHwpt.get(g);
    // Another device of the same group is attached elsewhere.
    if (cur && cur !== hwpt) return neg("EINVAL");
    const drv = dev.instance!.driver;
    if (drv.capEnforceCacheCoherency(k, dev) && !hwpt.enforceCacheCoherency) {
      const op = hwpt.domain.owner.enforceCacheCoherency;
      hwpt.enforceCacheCoherency = op ? op(k, hwpt.domain) : false;
      if (!hwpt.enforceCacheCoherency) return neg("EINVAL");
    }
    if (!cur) {
      const ret = iommuAttachGroup(k, hwpt.domain, g);
      if (ret) return ret; // the driver's errno passes through unchanged
      ctx.igroupHwpt.set(g, hwpt);
    }
    hwpt.devices.add(dev);
    return 0;
  });
}

/**
 * IOMMU_DEVICE_ATTACH / VFIO_DEVICE_ATTACH_IOMMUFD_PT to an IOAS: bind (claims DMA ownership),
 * then iommufd_device_auto_get_domain().
 */
export function iommufdDeviceAttachIoas(k: Kernel, ctx: IommufdCtx, ioas: Ioas, dev: Device): Outcome {
  argDevice(k, dev, "iommufdDeviceAttachIoas");
  if (!(ctx instanceof IommufdCtx) || !(ioas instanceof Ioas)) throw new LabArgumentError("iommufdDeviceAttachIoas: ctx must be an IommufdCtx and ioas an Ioas");
  if (!k.features.iommufd) {
    throw new EraUnavailableError("iommufd", k.era.id, "iommufd was merged in v6.2 together with the EINVAL contract");
  }
  const logFrom = k.log.length;
  let attempts = 0;
  let soft = 0;
  let allocated = 0;
  let reused = false;
  let hit: Hwpt | null = null;
  const ret = k.call("iommufd_device_auto_get_domain", { ioas: ioas.id, dev: dev.id }, () => {
    if (!dev.group) return neg("ENODEV");
    if (!ctx.bound.has(dev)) {
      if (!k.kzalloc()) return neg("ENOMEM"); // struct iommufd_device
      const r = iommuDeviceClaimDmaOwner(k, dev, "iommufd"); // iommufd_device_bind()
      if (r) return r;
      ctx.bound.add(dev);
    }
    for (const hwpt of ioas.hwpts) {
      if (!hwpt.autoDomain) continue;
      attempts++;
      const r = hwptAttach(k, ctx, hwpt, dev);
      if (!r) {
        hit = hwpt;
        reused = true;
        return 0;
      }
      // "-EINVAL means the domain is incompatible with the device. Other error codes should
      // propagate to userspace as failure."
      if (errnoName(r) === "EINVAL") {
        soft++;
        continue;
      }
      return r;
    }
    if (!k.kzalloc()) return neg("ENOMEM"); // struct iommufd_hwpt_paging
    const d = domainAlloc(k, { dev });
    if (typeof d === "number") return d;
    allocated++;
    const hwpt: Hwpt = { id: ctx.newHwptId(), domain: d, autoDomain: true, enforceCacheCoherency: false, devices: new Set() };
    attempts++;
    const r = hwptAttach(k, ctx, hwpt, dev);
    if (r) {
      domainFree(k, d); // iommufd_object_abort_and_destroy
      return r;
    }
    ioas.hwpts.push(hwpt);
    hit = hwpt;
    return 0;
  });
  return makeOutcome(k, logFrom, {
    outcome: ret ? "hard-failure" : reused ? "attached-existing" : "attached-new",
    ret,
    domain: (hit as Hwpt | null)?.domain.id ?? null,
    attempts,
    softFailures: soft,
    domainsAllocated: allocated,
  });
}

/** iommufd_device_detach + unbind: the group goes back to blocking, then ownership is released. */
export function iommufdDeviceUnbind(k: Kernel, ctx: IommufdCtx, dev: Device): void {
  if (!ctx.bound.has(dev)) return;
  const g = dev.group!;
  const hwpt = ctx.igroupHwpt.get(g);
  if (hwpt) {
    hwpt.devices.delete(dev);
    if (![...hwpt.devices].some((d) => d.group === g)) {
      ctx.igroupHwpt.delete(g);
      iommuDetachGroup(k, hwpt.domain, g);
    }
  }
  ctx.bound.delete(dev);
  iommuDeviceReleaseDmaOwner(k, dev);
}
