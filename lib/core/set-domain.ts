/**
 * The heart of drivers/iommu/iommu.c: moving a group, device by device, to a new domain.
 * Ordering, rollback and MUST_SUCCEED live here and nowhere else.
 *
 * Eras without `rollback` (the 6.2 core, iommu.c at 00208852d351, and older by inference) walk the devices and
 * stop at the first error, leaving the devices before it on the new domain while
 * group->domain still names the old one: the historical inconsistency is reproduced on purpose.
 */
import { neg, type Ret } from "../errno.ts";
import * as driver from "../driver.ts";
import type { Device, Domain, Group, Kernel } from "../model.ts";
import { domainTestDevice } from "./test-dev.ts";

// Read once: tsx runs this file as esbuild's CommonJS, where every use of an imported name
// costs two getter calls, and these are called on every attach.
const { driverAttachDev } = driver;

/** IOMMU_SET_DOMAIN_MUST_SUCCEED (bit 0). */
export const MUST_SUCCEED = 1;

/**
 * __iommu_attach_device(domain, dev, old): call the driver, record what the hardware got.
 * Source: 00208852d351 (iommu.c of the v6.2 core); 17194cd0dd23 (iommu.c, early-2026 mainline); fd714986e4e4 (the old argument).
 */
export function __iommuAttachDevice(k: Kernel, domain: Domain, dev: Device, old: Domain | null): Ret {
  if (k.watched) return k.callWith("__iommu_attach_device", { domain: domain.id, dev: dev.id }, attachDevice, k, domain, dev, old, undefined, undefined);
  return attachDevice(k, domain, dev, old);
}

/** The body of __iommu_attach_device. */
function attachDevice(k: Kernel, domain: Domain, dev: Device, old: Domain | null): Ret {
  const res = driverAttachDev(k, domain, dev, old);
  if (res.ret) return res.ret;
  // A fake success (mtk_iommu_v1) returns 0 and leaves the hardware where it was.
  if (res.attach) {
    k.setHwDomain(dev, domain);
    dev.fakeAttach = null;
    dev.wedged = false;
  } else dev.fakeAttach = domain;
  dev.attachDeferred = false;
  return 0;
}

/**
 * __iommu_device_set_domain(group, dev, new, old, flags) (mainline, 17194cd0dd23). In eras before it existed the
 * same walk calls __iommu_attach_device directly (iommu_group_do_attach_device).
 * Source: 17194cd0dd23 (iommu.c, early-2026 mainline: require_direct, deferred attach, MUST_SUCCEED); 32ce256a2ece5d63e99d5858f953586859818ffc.1760312725.git.nicolinc@nvidia.com (TD1 02/20).
 */
export function deviceSetDomain(k: Kernel, g: Group, dev: Device, nd: Domain, old: Domain | null, flags: number): Ret {
  const f = k.features;
  if (!f.rollback) {
    // 6.2: the default-domain attach skips deferred devices (iommu_group_do_dma_attach).
    if (dev.attachDeferred && nd === g.defaultDomain) return 0;
    return __iommuAttachDevice(k, nd, dev, old);
  }
  if (k.watched) return k.callWith("__iommu_device_set_domain", { group: g.id, dev: dev.id, domain: nd.id, flags }, deviceSetDomainBody, k, g, dev, nd, old, flags);
  return deviceSetDomainBody(k, g, dev, nd, old, flags);
}

/** The body of __iommu_device_set_domain. */
function deviceSetDomainBody(k: Kernel, g: Group, dev: Device, nd: Domain, old: Domain | null, flags: number): Ret {
  const f = k.features;
  if (f.requireDirect && dev.requireDirect && (nd.type === "blocked" || nd === g.blockingDomain)) {
    k.printk(
      "warn",
      dev,
      "Firmware has requested this device have a 1:1 IOMMU mapping, rejecting configuring the device without a 1:1 mapping. Contact your platform vendor.",
    );
    return neg("EINVAL");
  }
  if (dev.attachDeferred) {
    if (nd === g.defaultDomain) return 0;
    dev.attachDeferred = false;
  }
  // test-dev-2025: MUST_SUCCEED walks (probe, detach, revert) are not pre-tested as a group,
  // so each device is tested here; a refusal counts as that device's attach error (INFERRED).
  const tested = f.testDev && flags & MUST_SUCCEED ? domainTestDevice(k, nd, dev, null, old) : 0;
  const ret = tested || __iommuAttachDevice(k, nd, dev, old);
  if (ret) {
    if (flags & MUST_SUCCEED) {
      // "in hopes of avoiding a UAF": park the device on the blocking domain.
      if (g.blockingDomain && g.blockingDomain !== nd) __iommuAttachDevice(k, g.blockingDomain, dev, old);
      dev.wedged = true;
    }
    return ret;
  }
  return 0;
}

/**
 * __iommu_group_set_domain_internal(group, new_domain, flags): every device of the group to
 * `nd`. Mainline: on error, devices before the failing one go back to group->domain (under
 * MUST_SUCCEED and WARN_ON) and group->domain is unchanged; with MUST_SUCCEED the walk goes on
 * and group->domain becomes `nd` anyway. test-dev-2025: every device is tested first.
 * Source: 00208852d351 (iommu.c of the v6.2 core: no revert); 17194cd0dd23 (iommu.c, early-2026 mainline: err_revert); 2b33598e666d (the failing device is not reverted).
 */
export function groupSetDomainInternal(k: Kernel, g: Group, nd: Domain, flags: number): Ret {
  if (!k.watched) return groupSetDomainBody(k, g, nd, flags);
  const name = k.features.rollback ? "__iommu_group_set_domain_internal" : "__iommu_group_set_domain";
  return k.callWith(name, { group: g.id, domain: nd.id, flags }, groupSetDomainBody, k, g, nd, flags, undefined, undefined);
}

/** The body of __iommu_group_set_domain_internal (and of the 6.2 __iommu_group_set_domain). */
function groupSetDomainBody(k: Kernel, g: Group, nd: Domain, flags: number): Ret {
  const f = k.features;
  if (g.domain === nd) return 0;
  if (f.resetWindow && g.resettingDomain) return neg("EBUSY");
  if (!f.rollback) {
    for (const dev of g.devices) {
      const ret = deviceSetDomain(k, g, dev, nd, g.domain, flags);
      if (ret) return ret; // no revert: earlier devices stay on nd (00208852d351, INFERRED)
    }
    k.setGroupDomain(g, nd);
    return 0;
  }
  if (f.testDev && !(flags & MUST_SUCCEED)) {
    for (const dev of g.devices) {
      const ret = domainTestDevice(k, nd, dev, null, g.domain);
      if (ret) return ret;
    }
  }
  let result = 0;
  for (let i = 0; i < g.devices.length; i++) {
    const dev = g.devices[i]!;
    const ret = deviceSetDomain(k, g, dev, nd, g.domain, flags);
    if (!ret) continue;
    if (flags & MUST_SUCCEED) {
      result = ret;
      continue;
    }
    // err_revert: the failing device itself is not reverted (2b33598e666d, INFERRED origin).
    const old = g.domain;
    if (old) for (let j = 0; j < i; j++) k.warnOn(deviceSetDomain(k, g, g.devices[j]!, old, nd, MUST_SUCCEED) !== 0, "revert failed");
    return ret;
  }
  k.setGroupDomain(g, nd);
  return result;
}

/**
 * __iommu_group_set_domain(): flags = 0.
 * Source: 17194cd0dd23 (iommu.c, early-2026 mainline).
 */
export function groupSetDomain(k: Kernel, g: Group, nd: Domain): Ret {
  return groupSetDomainInternal(k, g, nd, 0);
}

/**
 * __iommu_group_set_domain_nofail(): MUST_SUCCEED under WARN_ON.
 * Source: 17194cd0dd23 (iommu.c, early-2026 mainline).
 */
export function groupSetDomainNofail(k: Kernel, g: Group, nd: Domain): void {
  const ret = groupSetDomainInternal(k, g, nd, MUST_SUCCEED);
  k.warnOn(ret !== 0, "__iommu_group_set_domain_nofail");
}

/**
 * __iommu_group_set_core_domain(): back to the blocking domain when the group is owned,
 * otherwise to the default domain. Mainline uses the nofail variant; 6.2 printed
 * WARN "iommu driver failed to attach the default/blocking domain".
 * Source: 00208852d351 (iommu.c of the v6.2 core); 17194cd0dd23 (iommu.c, early-2026 mainline).
 */
export function groupSetCoreDomain(k: Kernel, g: Group): void {
  const target = g.owner ? g.blockingDomain : g.defaultDomain;
  if (!target) return;
  if (k.watched) k.call("__iommu_group_set_core_domain", { group: g.id, domain: target.id }, () => setCoreDomainBody(k, g, target));
  else setCoreDomainBody(k, g, target);
}

/** The body of __iommu_group_set_core_domain. */
function setCoreDomainBody(k: Kernel, g: Group, target: Domain): Ret {
  if (k.features.rollback) {
    groupSetDomainNofail(k, g, target);
    return 0;
  }
  const ret = groupSetDomain(k, g, target);
  if (ret) k.printk("WARN", null, "iommu driver failed to attach the default/blocking domain");
  return ret;
}
