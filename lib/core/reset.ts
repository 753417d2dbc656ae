/**
 * iommu_deferred_attach() and the PCI reset window (pci_dev_reset_iommu_prepare/done,
 * commit c279e83953d9): while group->resetting_domain is set, attach, replace, PASID attach
 * and deferred attach all fail with EBUSY.
 */
import { neg, type Ret } from "../errno.ts";
import { driverSetDevPasid } from "../driver.ts";
import { type Device, type Domain, EraUnavailableError, type Kernel } from "../model.ts";
import { argDevice, argDomain } from "./args.ts";
import { allocBlockingDomain, staticDomain } from "./domain.ts";
import { __iommuAttachDevice } from "./set-domain.ts";
import { domainTestDevice } from "./test-dev.ts";

/**
 * iommu_deferred_attach(dev, domain): the DMA API's first use finishes a deferred default-domain attach.
 * Source: 00208852d351 (iommu.c of the v6.2 core); 5d5388b0e190 (locked, with the reset check); 32ce256a2ece5d63e99d5858f953586859818ffc.1760312725.git.nicolinc@nvidia.com (TD1 02/20).
 */
export function iommuDeferredAttach(k: Kernel, dev: Device, domain: Domain): Ret {
  argDevice(k, dev, "iommuDeferredAttach");
  argDomain(k, domain, "iommuDeferredAttach");
  return k.call("iommu_deferred_attach", { dev: dev.id, domain: domain.id }, () => {
    if (!dev.instance || !dev.attachDeferred) return 0; // lockless fast path
    const g = dev.group;
    if (k.features.deferredLocked && g) {
      if (g.resettingDomain) return neg("EBUSY");
      if (k.features.testDev) {
        const ret = domainTestDevice(k, domain, dev, null, null);
        if (ret) return ret;
      }
    }
    return __iommuAttachDevice(k, domain, dev, null);
  });
}

function requireResetEra(k: Kernel, what: string): void {
  if (!k.features.resetWindow) {
    throw new EraUnavailableError(what, k.era.id, "the PCI reset window arrived with 'Disable ATS via iommu during PCI resets' (applied Jan 2026); modelled from mainline-2025");
  }
}

/**
 * pci_dev_reset_iommu_prepare(pdev): park RID and PASIDs on the blocking domain, keep group->domain.
 * Source: c279e83953d9; cover.1765834788.git.nicolinc@nvidia.com (v8, 15 Dec 2025).
 */
export function pciDevResetIommuPrepare(k: Kernel, dev: Device): Ret {
  argDevice(k, dev, "pciDevResetIommuPrepare");
  requireResetEra(k, "pci_dev_reset_iommu_prepare");
  return k.call("pci_dev_reset_iommu_prepare", { dev: dev.id }, () => {
    const g = dev.group;
    if (!g || !dev.ats) return 0;
    if (k.warnOn(g.resettingDomain !== null, "reset re-entered")) return neg("EBUSY");
    const ret = allocBlockingDomain(k, g);
    if (ret) return ret;
    const blocking = g.blockingDomain!;
    if (k.warnOn(__iommuAttachDevice(k, blocking, dev, g.domain) !== 0, "park RID")) dev.wedged = true;
    const blocked = staticDomain(k, dev.instance!.driver, "blocked");
    for (const pasid of [...dev.hwPasid.keys()]) {
      k.warnOn(driverSetDevPasid(k, blocked, dev, pasid, dev.hwPasid.get(pasid)!).ret !== 0, "park PASID");
      dev.hwPasid.delete(pasid);
    }
    g.resettingDomain = blocking;
    dev.inReset = true;
    return 0;
  });
}

/**
 * pci_dev_reset_iommu_done(pdev): re-attach group->domain and the PASIDs under WARN_ON.
 * Source: c279e83953d9; cover.1765834788.git.nicolinc@nvidia.com (v8, 15 Dec 2025).
 */
export function pciDevResetIommuDone(k: Kernel, dev: Device): void {
  argDevice(k, dev, "pciDevResetIommuDone");
  requireResetEra(k, "pci_dev_reset_iommu_done");
  k.call("pci_dev_reset_iommu_done", { dev: dev.id }, () => {
    const g = dev.group;
    // Like prepare, done only acts on the device that was prepared (ATS capable); the fact
    // sheet records resetting_domain per group, the per-device guard is INFERRED.
    if (!g || !g.resettingDomain || !dev.inReset) return 0;
    const blocking = g.resettingDomain;
    if (g.domain && k.warnOn(__iommuAttachDevice(k, g.domain, dev, blocking) !== 0, "restore RID")) dev.wedged = true;
    for (const [pasid, e] of g.pasidArray) {
      if (dev.maxPasids === 0) continue;
      const res = driverSetDevPasid(k, e.domain, dev, pasid, blocking);
      if (!k.warnOn(res.ret !== 0, "restore PASID") && res.attach) dev.hwPasid.set(pasid, e.domain);
    }
    g.resettingDomain = null;
    dev.inReset = false;
    return 0;
  });
}
