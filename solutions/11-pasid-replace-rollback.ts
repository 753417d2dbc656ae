/**
 * Exercise 11 - PASID replace with rollback. Reference solution.
 *
 * Undo only the devices that succeeded: back to `old` (or removed, for an attach, or when the way
 * back fails too, under WARN); record the new domain only when every device took it.
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
        for (const d of done) {
          if (!old) {
            removeDevPasid(k, d, pasid, domain); // an attach: nothing to go back to
            continue;
          }
          // Back to `old`; the domain we are leaving is now the "old" argument.
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
  if (ret) return ret; // the PASID keeps its old configuration, and so does the record
  g.pasidArray.set(pasid, { domain, handle });
  return 0;
}
