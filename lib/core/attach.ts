/**
 * The public attach API of drivers/iommu/iommu.c: iommu_attach_device / iommu_attach_group,
 * detach back to the core domain, and group replace.
 */
import * as errno from "../errno.ts";
import type { Ret } from "../errno.ts";
import { type Device, type Domain, EraUnavailableError, type Group, type Kernel } from "../model.ts";
import * as args from "./args.ts";
import * as setDomain from "./set-domain.ts";
import * as testDev from "./test-dev.ts";

// Read once: tsx (and dist/'s per-module build) runs this file as esbuild's CommonJS, where
// every use of an imported name goes through two getters, the second a megamorphic keyed load
// whose cost depends on the process's memory layout; these are called on every attach.
const { neg } = errno;
const { groupSetCoreDomain, groupSetDomain } = setDomain;
const { opsCompatible } = testDev;
// (Assertion functions need a declared type at the call.)
const argDevice: typeof args.argDevice = args.argDevice;
const argDomain: typeof args.argDomain = args.argDomain;
const argGroup: typeof args.argGroup = args.argGroup;

/**
 * __iommu_attach_group(domain, group): EBUSY while another non-core domain owns the group;
 * from mainline-2025 the owner check on the first device (EINVAL); then set the domain.
 * Source: 00208852d351 (iommu.c of the v6.2 core); 17194cd0dd23 (iommu.c, early-2026 mainline); a9c362db3920 (the owner check).
 */
export function __iommuAttachGroup(k: Kernel, domain: Domain, g: Group): Ret {
  if (k.watched) return k.call("__iommu_attach_group", { domain: domain.id, group: g.id }, () => attachGroupBody(k, domain, g));
  return attachGroupBody(k, domain, g);
}

/** The body of __iommu_attach_group. */
function attachGroupBody(k: Kernel, domain: Domain, g: Group): Ret {
  if (g.domain && g.domain !== g.defaultDomain && g.domain !== g.blockingDomain) return neg("EBUSY");
  if (k.features.coreOwnerCheck === "attach-group") {
    const dev = g.devices[0];
    if (!dev || !opsCompatible(dev, domain)) return neg("EINVAL");
  }
  return groupSetDomain(k, g, domain);
}

/**
 * iommu_attach_group(domain, group). "EINVAL can be treated as a soft failure" since 00208852d351.
 * Source: 00208852d351 (iommu.c of the v6.2 core, with the soft-failure kdoc); 17194cd0dd23 (iommu.c, early-2026 mainline).
 */
export function iommuAttachGroup(k: Kernel, domain: Domain, g: Group): Ret {
  argDomain(k, domain, "iommuAttachGroup");
  argGroup(k, g, "iommuAttachGroup");
  if (k.watched) return k.call("iommu_attach_group", { domain: domain.id, group: g.id }, () => __iommuAttachGroup(k, domain, g));
  return __iommuAttachGroup(k, domain, g);
}

/**
 * iommu_attach_device(domain, dev): only for a group of exactly one device (the singleton rule).
 * Source: 00208852d351 (iommu.c of the v6.2 core); 17194cd0dd23 (iommu.c, early-2026 mainline).
 */
export function iommuAttachDevice(k: Kernel, domain: Domain, dev: Device): Ret {
  argDomain(k, domain, "iommuAttachDevice");
  argDevice(k, dev, "iommuAttachDevice");
  if (k.watched) return k.call("iommu_attach_device", { domain: domain.id, dev: dev.id }, () => attachDeviceBody(k, domain, dev));
  return attachDeviceBody(k, domain, dev);
}

/** The body of iommu_attach_device. */
function attachDeviceBody(k: Kernel, domain: Domain, dev: Device): Ret {
  const g = dev.group;
  if (!g) return neg("ENODEV");
  if (g.devices.length !== 1) return neg("EINVAL");
  return __iommuAttachGroup(k, domain, g);
}

/**
 * iommu_detach_device(domain, dev): WARN and do nothing unless dev's singleton group is on `domain`.
 * Source: 00208852d351 (iommu.c of the v6.2 core); 17194cd0dd23 (iommu.c, early-2026 mainline).
 */
export function iommuDetachDevice(k: Kernel, domain: Domain, dev: Device): void {
  argDomain(k, domain, "iommuDetachDevice");
  argDevice(k, dev, "iommuDetachDevice");
  if (k.watched) k.call("iommu_detach_device", { domain: domain.id, dev: dev.id }, () => detachDeviceBody(k, domain, dev));
  else detachDeviceBody(k, domain, dev);
}

/** The body of iommu_detach_device. */
function detachDeviceBody(k: Kernel, domain: Domain, dev: Device): Ret {
  const g = dev.group;
  if (!g) return 0;
  if (k.warnOn(domain !== g.domain, "domain != group->domain") || k.warnOn(g.devices.length !== 1, "group has more than one device")) return 0;
  groupSetCoreDomain(k, g);
  return 0;
}

/**
 * iommu_detach_group(domain, group): back to the core domain; the domain argument is ignored.
 * Source: 00208852d351 (iommu.c of the v6.2 core); 17194cd0dd23 (iommu.c, early-2026 mainline).
 */
export function iommuDetachGroup(k: Kernel, domain: Domain | null, g: Group): void {
  argGroup(k, g, "iommuDetachGroup");
  k.call("iommu_detach_group", { domain: domain?.id ?? "NULL", group: g.id }, () => {
    groupSetCoreDomain(k, g);
    return 0;
  });
}

/**
 * iommu_group_replace_domain (addb665924f3, ~v6.3) / iommu_replace_group_handle (mainline, 17194cd0dd23): switch
 * domains without passing through blocking, with no EBUSY non-core check. The rollback of
 * __iommu_group_set_domain_internal keeps the old domain on error.
 * Source: a98e622f41d76b64f5a7d0c758d8bda5e8043013.1675320212.git.nicolinc@nvidia.com (v1, 1 Feb 2023); addb665924f3; 17194cd0dd23 (iommu.c, early-2026 mainline).
 */
export function iommuReplaceGroup(k: Kernel, g: Group, domain: Domain | null): Ret {
  argGroup(k, g, "iommuReplaceGroup");
  if (domain !== null) argDomain(k, domain, "iommuReplaceGroup");
  if (!k.features.groupReplace) {
    throw new EraUnavailableError("iommu_group_replace_domain", k.era.id, "added for iommufd in ~v6.3 (addb665924f3); modelled from mainline-2025");
  }
  return k.call("iommu_replace_group_handle", { group: g.id, domain: domain?.id ?? "NULL" }, () => {
    if (!domain) return neg("EINVAL");
    if (!k.kzalloc()) return neg("ENOMEM"); // xa_reserve(IOMMU_NO_PASID)
    return groupSetDomain(k, g, domain);
  });
}
