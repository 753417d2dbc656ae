/**
 * The iommufd uAPI as the selftests (tools/testing/selftests/iommu/iommufd.c) drive it: numbered
 * objects (IOAS, HWPT, device), IOMMU_HWPT_ALLOC with its flags, attach and replace to an IOAS
 * (auto domain) or a HWPT, IOMMU_DESTROY, and PASID attach/replace/detach. Nested HWPTs, vIOMMU
 * and fault queues are not modelled: a nested allocation is refused with EINVAL.
 */
import { neg, type Ret } from "../errno.ts";
import { iommuAttachDevicePasid, iommuDetachDevicePasid, iommuReplaceDevicePasid } from "../core/pasid.ts";
import { domainFree } from "../core/domain.ts";
import type { Device, Group, Kernel } from "../model.ts";
import {
  autoGetDomain,
  type DoAttach,
  type Hwpt,
  hwptAttach,
  hwptPagingAlloc,
  hwptReplace,
  Ioas,
  iommufdBind,
  iommufdDeviceDetach,
  IommufdCtx,
  requireIommufd,
} from "./iommufd.ts";

/** enum iommufd_hwpt_alloc_flags. */
export const IOMMU_HWPT_ALLOC_NEST_PARENT = 1 << 0;
export const IOMMU_HWPT_ALLOC_DIRTY_TRACKING = 1 << 1;
export const IOMMU_HWPT_FAULT_ID_VALID = 1 << 2;
export const IOMMU_HWPT_ALLOC_PASID = 1 << 3;
const KNOWN_FLAGS = IOMMU_HWPT_ALLOC_NEST_PARENT | IOMMU_HWPT_ALLOC_DIRTY_TRACKING | IOMMU_HWPT_FAULT_ID_VALID | IOMMU_HWPT_ALLOC_PASID;

type Obj = { kind: "ioas"; ioas: Ioas } | { kind: "hwpt"; hwpt: Hwpt } | { kind: "device"; dev: Device };

export interface Created {
  ret: Ret;
  /** The new object id (0 on failure: ids start at 1, as in the kernel's xarray). */
  id: number;
}

/** One open /dev/iommu. */
export class IommufdFile {
  readonly ctx = new IommufdCtx();
  private readonly objects = new Map<number, Obj>();
  /** igroup->pasid_attach: which hwpt each PASID of a group is attached to. */
  private readonly pasids = new Map<Group, Map<number, Hwpt>>();
  private nextId = 1;
  private handles = 0;

  constructor(readonly k: Kernel) {
    requireIommufd(k);
  }

  private add(o: Obj): number {
    const id = this.nextId++;
    this.objects.set(id, o);
    return id;
  }

  private idOf(hwpt: Hwpt): number {
    for (const [id, o] of this.objects) if (o.kind === "hwpt" && o.hwpt === hwpt) return id;
    return this.add({ kind: "hwpt", hwpt });
  }

  /** IOMMU_IOAS_ALLOC. */
  ioasAlloc(): number {
    return this.add({ kind: "ioas", ioas: new Ioas(`ioas${this.nextId}`) });
  }

  /** iommufd_device_bind() through VFIO cdev: the device object id. */
  bind(dev: Device): Created {
    const ret = iommufdBind(this.k, this.ctx, dev);
    return ret ? { ret, id: 0 } : { ret, id: this.add({ kind: "device", dev }) };
  }

  private device(id: number): Device | Ret {
    const o = this.objects.get(id);
    return o?.kind === "device" ? o.dev : neg("ENOENT");
  }

  /** A page-table object: an IOAS or a HWPT; anything else is EINVAL, nothing ENOENT. */
  private pt(id: number): Exclude<Obj, { kind: "device" }> | Ret {
    const o = this.objects.get(id);
    if (!o) return neg("ENOENT");
    return o.kind === "device" ? neg("EINVAL") : o;
  }

  /** IOMMU_HWPT_ALLOC(dev_id, pt_id, flags). */
  hwptAlloc(devId: number, ptId: number, flags = 0): Created {
    const dev = this.device(devId);
    if (typeof dev === "number") return { ret: dev, id: 0 };
    const pt = this.pt(ptId);
    if (typeof pt === "number") return { ret: pt, id: 0 };
    if (flags & ~KNOWN_FLAGS) return { ret: neg("EOPNOTSUPP"), id: 0 };
    // A nested HWPT needs a nest-parent and driver data, neither of which the model carries.
    if (pt.kind === "hwpt") return { ret: neg("EINVAL"), id: 0 };
    // A fault id belongs to nested (IOPF) HWPTs; a paging HWPT refuses it.
    if (flags & IOMMU_HWPT_FAULT_ID_VALID) return { ret: neg("EOPNOTSUPP"), id: 0 };
    const props = {
      ...(flags & IOMMU_HWPT_ALLOC_DIRTY_TRACKING ? { dirtyTracking: true } : {}),
      ...(flags & IOMMU_HWPT_ALLOC_NEST_PARENT ? { nestParent: true } : {}),
    };
    const h = hwptPagingAlloc(this.k, this.ctx, pt.ioas, dev, props, false, (flags & IOMMU_HWPT_ALLOC_PASID) !== 0);
    return typeof h === "number" ? { ret: h, id: 0 } : { ret: 0, id: this.add({ kind: "hwpt", hwpt: h }) };
  }

  private connect(devId: number, ptId: number, doAttach: (dev: Device) => DoAttach, pasidCompat = false): Ret {
    const dev = this.device(devId);
    if (typeof dev === "number") return dev;
    const pt = this.pt(ptId);
    if (typeof pt === "number") return pt;
    if (pt.kind === "hwpt") return doAttach(dev)(pt.hwpt);
    const r = autoGetDomain(this.k, this.ctx, pt.ioas, dev, doAttach(dev), {}, pasidCompat);
    if (r.hwpt) this.idOf(r.hwpt);
    return r.ret;
  }

  /** IOMMU_DEVICE_ATTACH (VFIO_DEVICE_ATTACH_IOMMUFD_PT) of the RID. */
  attach(devId: number, ptId: number): Ret {
    return this.connect(devId, ptId, (dev) => (h) => hwptAttach(this.k, this.ctx, h, dev));
  }

  /** The same ioctl on an attached device: iommufd_device_replace(). */
  replace(devId: number, ptId: number): Ret {
    const ret = this.connect(devId, ptId, (dev) => (h) => hwptReplace(this.k, this.ctx, h, dev));
    this.forgetFreed();
    return ret;
  }

  detach(devId: number): void {
    const dev = this.device(devId);
    if (typeof dev === "number") return;
    iommufdDeviceDetach(this.k, this.ctx, dev);
    this.forgetFreed();
  }

  /** Auto HWPTs die with their last device; their ids become unknown (ENOENT). */
  private forgetFreed(): void {
    for (const [id, o] of this.objects) if (o.kind === "hwpt" && o.hwpt.domain.freed) this.objects.delete(id);
  }

  private inUse(hwpt: Hwpt): boolean {
    if (hwpt.devices.size) return true;
    for (const m of this.pasids.values()) for (const h of m.values()) if (h === hwpt) return true;
    return false;
  }

  /** IOMMU_DESTROY: an attached HWPT, or an IOAS with attached devices, is busy. */
  destroy(id: number): Ret {
    const o = this.objects.get(id);
    if (!o) return neg("ENOENT");
    if (o.kind === "device") return neg("EBUSY"); // devices go away with unbind (INFERRED)
    if (o.kind === "hwpt") {
      if (this.inUse(o.hwpt)) return neg("EBUSY");
      o.hwpt.ioas.hwpts.splice(o.hwpt.ioas.hwpts.indexOf(o.hwpt), 1);
      domainFree(this.k, o.hwpt.domain);
      this.objects.delete(id);
      return 0;
    }
    if (o.ioas.hwpts.some((h) => this.inUse(h))) return neg("EBUSY");
    for (const h of [...o.ioas.hwpts]) domainFree(this.k, h.domain);
    this.objects.delete(id);
    this.forgetFreed();
    return 0;
  }

  private pasidMap(dev: Device): Map<number, Hwpt> {
    let m = this.pasids.get(dev.group!);
    if (!m) this.pasids.set(dev.group!, (m = new Map()));
    return m;
  }

  /** PASID attach to an IOAS (auto domain) or a HWPT; the same HWPT again is a no-op. */
  pasidAttach(devId: number, pasid: number, ptId: number): Ret {
    return this.connect(
      devId,
      ptId,
      (dev) => (h) => {
        const m = this.pasidMap(dev);
        if (m.get(pasid) === h) return 0; // idempotent (the iommufd PASID selftests)
        if (!h.pasidCompat) return neg("EINVAL"); // HWPT not allocated with IOMMU_HWPT_ALLOC_PASID (the iommufd PASID selftests)
        const ret = iommuAttachDevicePasid(this.k, h.domain, dev, pasid, `h${++this.handles}`);
        if (!ret) m.set(pasid, h);
        return ret;
      },
      true,
    );
  }

  /** PASID replace: the PASID must be attached; on error it stays on the old HWPT. */
  pasidReplace(devId: number, pasid: number, ptId: number): Ret {
    return this.connect(
      devId,
      ptId,
      (dev) => (h) => {
        if (!h.pasidCompat) return neg("EINVAL");
        const ret = iommuReplaceDevicePasid(this.k, h.domain, dev, pasid, `h${++this.handles}`);
        if (!ret) this.pasidMap(dev).set(pasid, h);
        return ret;
      },
      true,
    );
  }

  pasidDetach(devId: number, pasid: number): void {
    const dev = this.device(devId);
    if (typeof dev === "number") return;
    const h = this.pasidMap(dev).get(pasid);
    if (!h) return;
    iommuDetachDevicePasid(this.k, h.domain, dev, pasid);
    this.pasidMap(dev).delete(pasid);
  }

  /** The HWPT a device's PASID is attached to, by object id (0: none). */
  pasidHwptId(devId: number, pasid: number): number {
    const dev = this.device(devId);
    if (typeof dev === "number") return 0;
    const h = this.pasidMap(dev).get(pasid);
    return h ? this.idOf(h) : 0;
  }

  /** The HWPT a device's RID is attached to, by object id (0: none). */
  hwptIdOf(devId: number): number {
    const dev = this.device(devId);
    if (typeof dev === "number") return 0;
    const h = this.ctx.igroupHwpt.get(dev.group!);
    return h ? this.idOf(h) : 0;
  }
}
