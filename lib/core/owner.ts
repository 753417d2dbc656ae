/**
 * DMA ownership: iommu_group_claim_dma_owner / iommu_device_claim_dma_owner and release.
 * A user-space driver (VFIO, iommufd) claims the group, which moves it to the blocking domain.
 * Modelled from the mainline (17194cd0dd23) and v6.2 (00208852d351) cores. The API arrived in ~v5.19 (Lu Baolu's DMA ownership
 * series), so it does not exist in 2014-nesting and pre-2022: older VFIO checked group
 * viability itself and attached from the default domain.
 */
import { neg, type Ret } from "../errno.ts";
import { type Device, EraUnavailableError, type Group, type Kernel } from "../model.ts";

function requireOwnership(k: Kernel, what: string): void {
  if (!k.features.dmaOwnership) throw new EraUnavailableError(what, k.era.id, "DMA ownership management arrived in ~v5.19; older VFIO attached from the default domain");
}
import * as args from "./args.ts";
import * as domain from "./domain.ts";
import * as setDomain from "./set-domain.ts";

// Read once (see ./attach.ts): VFIO and iommufd claim ownership on every request.
const argDevice: typeof args.argDevice = args.argDevice;
const argGroup: typeof args.argGroup = args.argGroup;
const { allocBlockingDomain } = domain;
const { groupSetDomain, groupSetDomainNofail } = setDomain;

function takeDmaOwnership(k: Kernel, g: Group, owner: string): Ret {
  if (k.watched) return k.call("__iommu_take_dma_ownership", { group: g.id, owner }, () => takeBody(k, g, owner));
  return takeBody(k, g, owner);
}

/** The body of __iommu_take_dma_ownership. */
function takeBody(k: Kernel, g: Group, owner: string): Ret {
  if ((g.domain && g.domain !== g.defaultDomain) || (k.features.pasid && g.pasidArray.size > 0)) return neg("EBUSY");
  const ret = allocBlockingDomain(k, g) || groupSetDomain(k, g, g.blockingDomain!);
  if (ret) return ret;
  g.owner = owner;
  g.ownerCnt++;
  return 0;
}

/**
 * iommu_group_claim_dma_owner(group, owner): EPERM when already claimed, EBUSY when on a non-default domain.
 * Source: 00208852d351 (iommu.c of the v6.2 core); 17194cd0dd23 (iommu.c, early-2026 mainline).
 */
export function iommuGroupClaimDmaOwner(k: Kernel, g: Group, owner: string): Ret {
  argGroup(k, g, "iommuGroupClaimDmaOwner");
  requireOwnership(k, "iommu_group_claim_dma_owner");
  if (k.watched) return k.call("iommu_group_claim_dma_owner", { group: g.id, owner }, () => groupClaimBody(k, g, owner));
  return groupClaimBody(k, g, owner);
}

/** The body of iommu_group_claim_dma_owner. */
function groupClaimBody(k: Kernel, g: Group, owner: string): Ret {
  if (k.warnOn(!owner, "!owner")) return neg("EINVAL");
  if (g.ownerCnt) return neg("EPERM");
  return takeDmaOwnership(k, g, owner);
}

/**
 * iommu_device_claim_dma_owner(dev, owner): the same owner may claim again (owner_cnt++).
 * Source: 17194cd0dd23 (iommu.c, early-2026 mainline).
 */
export function iommuDeviceClaimDmaOwner(k: Kernel, dev: Device, owner: string): Ret {
  argDevice(k, dev, "iommuDeviceClaimDmaOwner");
  requireOwnership(k, "iommu_device_claim_dma_owner");
  if (k.watched) return k.call("iommu_device_claim_dma_owner", { dev: dev.id, owner }, () => deviceClaimBody(k, dev, owner));
  return deviceClaimBody(k, dev, owner);
}

/** The body of iommu_device_claim_dma_owner. */
function deviceClaimBody(k: Kernel, dev: Device, owner: string): Ret {
  const g = dev.group;
  if (!g) return neg("ENODEV");
  if (k.warnOn(!owner, "!owner")) return neg("EINVAL");
  if (g.ownerCnt) {
    if (g.owner !== owner) return neg("EPERM");
    g.ownerCnt++;
    return 0;
  }
  return takeDmaOwnership(k, g, owner);
}

function releaseDmaOwnership(k: Kernel, g: Group): void {
  if (k.warnOn(!g.ownerCnt || !g.owner || g.pasidArray.size > 0, "release of an unowned or PASID-busy group")) return;
  g.ownerCnt = 0;
  g.owner = null;
  if (g.defaultDomain) groupSetDomainNofail(k, g, g.defaultDomain);
}

/**
 * iommu_group_release_dma_owner(group).
 * Source: 17194cd0dd23 (iommu.c, early-2026 mainline).
 */
export function iommuGroupReleaseDmaOwner(k: Kernel, g: Group): void {
  argGroup(k, g, "iommuGroupReleaseDmaOwner");
  requireOwnership(k, "iommu_group_release_dma_owner");
  k.call("iommu_group_release_dma_owner", { group: g.id }, () => {
    releaseDmaOwnership(k, g);
    return 0;
  });
}

/**
 * iommu_device_release_dma_owner(dev): the last reference releases the group.
 * Source: 17194cd0dd23 (iommu.c, early-2026 mainline).
 */
export function iommuDeviceReleaseDmaOwner(k: Kernel, dev: Device): void {
  argDevice(k, dev, "iommuDeviceReleaseDmaOwner");
  requireOwnership(k, "iommu_device_release_dma_owner");
  k.call("iommu_device_release_dma_owner", { dev: dev.id }, () => {
    const g = dev.group;
    if (!g) return 0;
    if (g.ownerCnt > 1) g.ownerCnt--;
    else releaseDmaOwnership(k, g);
    return 0;
  });
}
