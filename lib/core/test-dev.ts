/**
 * __iommu_domain_test_device(domain, dev, pasid, old) from the test-dev-2025 proposal
 * (TD1 patch 02/20, never merged): the core asks the driver whether an attach would work
 * before attaching anything. Only called when the era has `testDev`.
 */
import { neg, type Ret } from "../errno.ts";
import { driverTestDev } from "../driver.ts";
import type { Device, Domain, Kernel } from "../model.ts";

/**
 * domain_iommu_ops_compatible(dev_iommu_ops(dev), domain): the owner check of a9c362db3920.
 * Source: a9c362db3920; 2031c469f816 (Fixes tag of domain_iommu_ops_compatible).
 */
export function opsCompatible(dev: Device, domain: Domain): boolean {
  return dev.instance !== null && domain.owner === dev.instance.driver;
}

/** Source: 32ce256a2ece5d63e99d5858f953586859818ffc.1760312725.git.nicolinc@nvidia.com (TD1 02/20). */
export function domainTestDevice(k: Kernel, domain: Domain, dev: Device, pasid: number | null, old: Domain | null): Ret {
  return k.call("__iommu_domain_test_device", { domain: domain.id, dev: dev.id, pasid: pasid ?? "NO_PASID" }, () => {
    if (!opsCompatible(dev, domain)) return neg("EINVAL");
    if (pasid !== null) {
      if (!domain.pasidCapable || !domain.owner.pasidEras.includes(k.era.id)) return neg("EOPNOTSUPP");
      if (dev.maxPasids > 0 && pasid >= dev.maxPasids) return neg("EINVAL");
    }
    return driverTestDev(k, domain, dev, pasid, old);
  });
}
