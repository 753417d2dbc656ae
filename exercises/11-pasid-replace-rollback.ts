/**
 * Exercise 11 - PASID replace with rollback: keep the old configuration on error.
 *
 * Background
 * ----------
 * A PASID (process address space ID) lets one device use several domains at once: the RID
 * (requests without a PASID) on one domain, PASID 1 on another, and so on. For a group, the core
 * programs each PASID-capable device through the driver's set_dev_pasid op, one device after
 * the other: __iommu_set_group_pasid(domain, group, pasid, old). If a device fails half way, the
 * devices before it already point at the new domain. The include/linux/iommu.h kdoc of
 * set_dev_pasid sets the rule: "The pasid of the device should be left in the old config in error
 * case." For a group, that means the core must undo the devices that succeeded:
 *   - attach (old === null): there is no old config - remove the PASID again
 *     (iommu_remove_dev_pasid: the blocked domain's set_dev_pasid);
 *   - replace (old set): set the PASID back to `old` on each of them
 *     (old->ops->set_dev_pasid(old, dev, pasid, domain) - the domain being left is now the "old"
 *     argument); if even that fails, WARN and remove it.
 * Only the devices that succeeded are undone (Yi Liu, "iommu: Undo pasid attachment only for the
 * devices that have succeeded", Mar 2024); the failing device itself was left in its old config
 * by its driver. And iommu_replace_device_pasid() records the new domain in the group's
 * pasid_array only when every device took it.
 *
 * The iommufd selftest mock driver fakes a failure for this (tools/testing/selftests/iommu): the second set_dev_pasid of
 * PASID 1024 on a mock device fails with -ENOMEM, then the next call succeeds again.
 *
 * Task
 * ----
 * 1. In setGroupPasid(), write the error path: undo the devices in `done`, then return the error.
 *    `removeDevPasid()` is given.
 * 2. In replaceDevicePasid(), commit the new domain to g.pasidArray only on success.
 * The checks run your replace and the library's iommu_replace_device_pasid() on twin kernels
 * (a group of two mock devices; PASID 1024 and an ordinary PASID) and compare the return value,
 * each device's PASID, the group's pasid_array and the kernel log.
 *
 * Sources: tools/testing/selftests/iommu/iommufd.c; 20240328122958.83332-1-yi.l.liu@intel.com;
 * 20241106154606.9564-2-yi.l.liu@intel.com ("iommu: Pass old domain to set_dev_pasid op").
 */
import { driverSetDevPasid } from "../lib/driver.ts";
import { type Device, type Domain, type Group, type Kernel, neg, staticDomain } from "../lib/index.ts";

/** iommu_remove_dev_pasid(): the blocked domain's set_dev_pasid, under WARN_ON (given). */
export function removeDevPasid(k: Kernel, dev: Device, pasid: number, domain: Domain): void {
  const blocked = staticDomain(k, dev.instance!.driver, "blocked");
  k.warnOn(driverSetDevPasid(k, blocked, dev, pasid, domain).ret !== 0, "iommu_remove_dev_pasid");
  dev.hwPasid.delete(pasid);
}

/** __iommu_set_group_pasid(domain, group, pasid, old). */
export function setGroupPasid(k: Kernel, domain: Domain, g: Group, pasid: number, old: Domain | null): number {
  return k.call("__iommu_set_group_pasid", { domain: domain.id, group: g.id, pasid, old: old?.id ?? "NULL" }, () => {
    const done: Device[] = [];
    for (const dev of g.devices) {
      if (dev.maxPasids === 0) continue; // devices without PASID support are skipped
      const res = driverSetDevPasid(k, domain, dev, pasid, old);
      if (res.ret) {
        // TODO: put every device in `done` back in its old configuration.
        return res.ret;
      }
      if (res.attach) dev.hwPasid.set(pasid, domain);
      done.push(dev);
    }
    return 0;
  });
}

/**
 * iommu_replace_device_pasid(domain, dev, pasid, handle), after the argument checks of the
 * real function (ops, IOMMU_NO_PASID, reset in progress), which the checks never trip.
 */
export function replaceDevicePasid(k: Kernel, domain: Domain, dev: Device, pasid: number, handle: string): number {
  const g = dev.group!;
  const curr = g.pasidArray.get(pasid);
  if (!curr) return neg("EINVAL"); // the PASID must be attached already
  if (curr.domain === domain) {
    curr.handle = handle;
    return 0;
  }
  const ret = setGroupPasid(k, domain, g, pasid, curr.domain);
  // TODO: the group's record must keep the old domain when the replace failed.
  g.pasidArray.set(pasid, { domain, handle });
  return ret;
}
