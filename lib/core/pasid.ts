/**
 * PASID attach, replace and detach (mainline, 17194cd0dd23): iommu_attach_device_pasid,
 * iommu_replace_device_pasid, iommu_detach_device_pasid and __iommu_set_group_pasid.
 * set_dev_pasid kdoc: "The pasid of the device should be left in the old config in error case."
 */
import { neg, type Ret } from "../errno.ts";
import { driverSetDevPasid } from "../driver.ts";
import { type Device, type Domain, EraUnavailableError, type Group, type Kernel } from "../model.ts";
import { argDevice, argDomain, argPasid } from "./args.ts";
import { staticDomain } from "./domain.ts";
import { domainTestDevice, opsCompatible } from "./test-dev.ts";

/** IOMMU_NO_PASID: the RID. */
export const IOMMU_NO_PASID = 0;

function requirePasidEra(k: Kernel, what: string): void {
  if (!k.features.pasid) {
    throw new EraUnavailableError(what, k.era.id, "PASID attach with rollback is modelled from mainline-2025 (the 6.2 core predates it)");
  }
}

/** The driver provides set_dev_pasid for this domain and its blocked domain can undo it. */
function pasidOpsOk(k: Kernel, domain: Domain, dev: Device): boolean {
  // ops->blocked_domain must exist to undo a PASID attach.
  const drv = dev.instance?.driver;
  return domain.pasidCapable && domain.owner.pasidEras.includes(k.era.id) && drv?.pasidEras.includes(k.era.id) === true && drv.staticBlocked !== false;
}

/** iommu_remove_dev_pasid(): blocked_domain->ops->set_dev_pasid under WARN_ON. */
function removeDevPasid(k: Kernel, dev: Device, pasid: number, domain: Domain): void {
  const blocked = staticDomain(k, dev.instance!.driver, "blocked");
  k.warnOn(driverSetDevPasid(k, blocked, dev, pasid, domain).ret !== 0, "iommu_remove_dev_pasid");
  dev.hwPasid.delete(pasid);
}

/**
 * __iommu_set_group_pasid(domain, group, pasid, old): set_dev_pasid on every PASID-capable device;
 * on failure undo only the devices that succeeded (Yi Liu, Mar 2024): back to `old`, or removed.
 * Source: 20240328122958.83332-1-yi.l.liu@intel.com (undo only the devices that succeeded); 20241106154606.9564-2-yi.l.liu@intel.com (old passed to set_dev_pasid); 20250520011937.3230557-1-tdave@nvidia.com (devices without PASID skipped); 17194cd0dd23 (iommu.c, early-2026 mainline).
 */
export function iommuSetGroupPasid(k: Kernel, domain: Domain, g: Group, pasid: number, old: Domain | null): Ret {
  return k.call("__iommu_set_group_pasid", { domain: domain.id, group: g.id, pasid, old: old?.id ?? "NULL" }, () => {
    const done: Device[] = [];
    for (const dev of g.devices) {
      if (dev.maxPasids === 0) continue; // devices without PASID are skipped (Tushar Dave, 2025)
      const res = driverSetDevPasid(k, domain, dev, pasid, old);
      if (res.ret) {
        for (const d of done) {
          if (!old) {
            removeDevPasid(k, d, pasid, domain);
            continue;
          }
          const back = driverSetDevPasid(k, old, d, pasid, domain);
          if (k.warnOn(back.ret !== 0, "revert set_dev_pasid")) removeDevPasid(k, d, pasid, domain);
          else if (back.attach) d.hwPasid.set(pasid, old);
        }
        return res.ret;
      }
      if (res.attach) dev.hwPasid.set(pasid, domain);
      done.push(dev);
    }
    return 0;
  });
}

function checkMaxPasids(g: Group, pasid: number): boolean {
  return g.devices.some((d) => d.maxPasids > 0 && pasid >= d.maxPasids);
}

/**
 * iommu_attach_device_pasid(domain, dev, pasid, handle): never overwrites an attached PASID (EBUSY).
 * Source: 17194cd0dd23 (iommu.c, early-2026 mainline); 32ce256a2ece5d63e99d5858f953586859818ffc.1760312725.git.nicolinc@nvidia.com (TD1 02/20).
 */
export function iommuAttachDevicePasid(k: Kernel, domain: Domain, dev: Device, pasid: number, handle: string | null = null): Ret {
  requirePasidEra(k, "iommu_attach_device_pasid");
  argDomain(k, domain, "iommuAttachDevicePasid");
  argDevice(k, dev, "iommuAttachDevicePasid");
  argPasid(pasid, "iommuAttachDevicePasid");
  return k.call("iommu_attach_device_pasid", { domain: domain.id, dev: dev.id, pasid }, () => {
    const g = dev.group;
    if (!g) return neg("ENODEV");
    if (!pasidOpsOk(k, domain, dev)) return neg("EOPNOTSUPP");
    if ((!k.features.testDev && !opsCompatible(dev, domain)) || pasid === IOMMU_NO_PASID) return neg("EINVAL");
    if (g.resettingDomain) return neg("EBUSY");
    if (k.features.testDev) {
      for (const d of g.devices) {
        const ret = domainTestDevice(k, domain, d, pasid, null);
        if (ret) return ret;
      }
    } else if (checkMaxPasids(g, pasid)) return neg("EINVAL");
    if (g.pasidArray.has(pasid)) return neg("EBUSY"); // xa_insert on a used index
    if (!k.kzalloc()) return neg("ENOMEM");
    const ret = iommuSetGroupPasid(k, domain, g, pasid, null);
    if (ret) return ret; // xa_release: nothing committed
    k.setGroupPasid(g, pasid, { domain, handle });
    return 0;
  });
}

/**
 * iommu_replace_device_pasid(domain, dev, pasid, handle): the PASID must be attached; old config kept on error.
 * Source: 20241106154606.9564-2-yi.l.liu@intel.com; 17194cd0dd23 (iommu.c, early-2026 mainline).
 */
export function iommuReplaceDevicePasid(k: Kernel, domain: Domain, dev: Device, pasid: number, handle: string | null = "handle"): Ret {
  requirePasidEra(k, "iommu_replace_device_pasid");
  argDomain(k, domain, "iommuReplaceDevicePasid");
  argDevice(k, dev, "iommuReplaceDevicePasid");
  argPasid(pasid, "iommuReplaceDevicePasid");
  return k.call("iommu_replace_device_pasid", { domain: domain.id, dev: dev.id, pasid }, () => {
    const g = dev.group;
    if (!g) return neg("ENODEV");
    if (!pasidOpsOk(k, domain, dev)) return neg("EOPNOTSUPP");
    if ((!k.features.testDev && !opsCompatible(dev, domain)) || pasid === IOMMU_NO_PASID || !handle) return neg("EINVAL");
    if (g.resettingDomain) return neg("EBUSY");
    const curr = g.pasidArray.get(pasid);
    if (!curr) return neg("EINVAL");
    // Reusing the installed handle is a caller bug, whatever the domain.
    if (k.warnOn(curr.handle === handle, "same handle")) return neg("EINVAL");
    if (curr.domain === domain) {
      curr.handle = handle;
      return 0;
    }
    if (k.features.testDev) {
      for (const d of g.devices) {
        const ret = domainTestDevice(k, domain, d, pasid, curr.domain);
        if (ret) return ret;
      }
    } else if (checkMaxPasids(g, pasid)) return neg("EINVAL");
    const ret = iommuSetGroupPasid(k, domain, g, pasid, curr.domain);
    if (ret) return ret;
    k.setGroupPasid(g, pasid, { domain, handle });
    return 0;
  });
}

/**
 * iommu_detach_device_pasid(domain, dev, pasid): every device's PASID goes to the blocked domain.
 * Source: 17194cd0dd23 (iommu.c, early-2026 mainline).
 */
export function iommuDetachDevicePasid(k: Kernel, domain: Domain, dev: Device, pasid: number): void {
  requirePasidEra(k, "iommu_detach_device_pasid");
  argDomain(k, domain, "iommuDetachDevicePasid");
  argDevice(k, dev, "iommuDetachDevicePasid");
  argPasid(pasid, "iommuDetachDevicePasid");
  k.call("iommu_detach_device_pasid", { domain: domain.id, dev: dev.id, pasid }, () => {
    const g = dev.group;
    const e = g?.pasidArray.get(pasid);
    if (!g || k.warnOn(!e || e.domain !== domain, "pasid not attached to domain")) return 0;
    for (const d of g.devices) if (d.maxPasids > 0 && d.hwPasid.has(pasid)) removeDevPasid(k, d, pasid, domain);
    k.setGroupPasid(g, pasid, null);
    return 0;
  });
}
