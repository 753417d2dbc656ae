/**
 * The kernel's promises, checked on the model's state after any operation:
 * no freed domain is referenced, ownership counts balance, nothing leaks, PASID bookkeeping
 * matches the hardware, and - in eras with rollback (mainline-2025 on) - every device of a
 * group is on group->domain (outside a PCI reset, a deferred attach or a driver's fake success).
 *
 * Before rollback, the kernel could leave a group or a device on a domain its caller then
 * freed (a partial group attach, or a failed return to the default domain, which only
 * WARNed): that use-after-free is history the model reproduces. In those eras a dangling
 * reference is a violation only when nothing was printed about it (no WARN splat).
 */
import { domainUsers } from "../../lib/core/domain.ts";
import type { Device, Domain, Group, Kernel } from "../../lib/model.ts";

function refs(g: Group): Array<[string, Domain | null]> {
  return [
    ["domain", g.domain],
    ["default_domain", g.defaultDomain],
    ["blocking_domain", g.blockingDomain],
    ["resetting_domain", g.resettingDomain],
    ...[...g.pasidArray].map(([p, e]): [string, Domain] => [`pasid ${p}`, e.domain]),
  ];
}

/** The hardware of `dev` is where the era's core promises it is. */
function rid(g: Group, dev: Device): string | null {
  if (dev.fakeAttach) return null; // a driver's fake success: the historical bug, not a core broken promise
  if (dev.wedged) return null; // the kernel WARNed: a must-succeed attach failed (a driver bug)
  if (dev.inReset) return dev.hwDomain === g.resettingDomain ? null : `device ${dev.id} is not parked on the blocking domain during its reset`;
  // A kdump device keeps the previous kernel's tables until its first successful attach. Mainline (17194cd0dd23)
  // clears attach_deferred before an attach that may fail, and does not revert the failing
  // device, so such a device can stay without any kernel domain (not a broken promise).
  if (dev.deferredAtBoot && dev.hwDomain === null) return null;
  if (dev.hwDomain === g.domain) return null;
  return `device ${dev.id} is on ${dev.hwDomain?.id ?? "nothing"} but group ${g.id} is on ${g.domain?.id ?? "nothing"}`;
}

/**
 * Violations of the invariants, as readable sentences (empty when all hold).
 * `held`: domains that someone outside the core legitimately keeps (the caller, VFIO, iommufd);
 * any other live domain nobody references is a leak. `pasidWarned`: "group/pasid" keys whose
 * rollback to the old domain failed in the driver: __iommu_set_group_pasid then WARNs ("it is a
 * driver bug to fail attaching with a previously good domain") and removes the PASID from that
 * device while pasid_array keeps the old domain - the kernel's own, announced, inconsistency.
 */
export function checkInvariants(k: Kernel, held?: ReadonlySet<Domain>, pasidWarned?: ReadonlySet<string>): string[] {
  const out: string[] = [];
  const dangling: string[] = [];
  for (const g of k.groups.values()) {
    for (const [what, d] of refs(g)) if (d?.freed) dangling.push(`group ${g.id} ${what} points at freed domain ${d.id}`);
    if (g.ownerCnt < 0 || (g.owner === null) !== (g.ownerCnt === 0)) out.push(`group ${g.id}: owner ${g.owner} with owner_cnt ${g.ownerCnt}`);
    if (!g.domain) out.push(`group ${g.id} has no domain after probe`);
    else if (!k.groupsOn(g.domain).has(g)) out.push(`group ${g.id}: group->domain written behind the users index (use Kernel.setGroupDomain)`);
    if ((g.pasidArray.size > 0) !== k.groupsWithPasids().has(g)) out.push(`group ${g.id}: pasid_array written behind the users index (use Kernel.setGroupPasid)`);
    if (!k.features.rollback) continue;
    for (const dev of g.devices) {
      const bad = rid(g, dev);
      if (bad) out.push(bad);
      if (dev.maxPasids === 0 || dev.inReset || dev.wedged) continue;
      for (const [p, e] of g.pasidArray) {
        if (pasidWarned?.has(`${g.id}/${p}`)) continue;
        if (dev.hwPasid.get(p) !== e.domain && dev.fakeAttach === undefined) out.push(`device ${dev.id} pasid ${p} is on ${dev.hwPasid.get(p)?.id ?? "nothing"}, pasid_array says ${e.domain.id}`);
      }
      for (const [p, d] of dev.hwPasid) if (!pasidWarned?.has(`${g.id}/${p}`) && g.pasidArray.get(p)?.domain !== d) out.push(`device ${dev.id} pasid ${p} programmed with ${d.id} but not in pasid_array`);
    }
  }
  for (const dev of k.devices.values()) {
    if (dev.hwDomain && !k.devicesOn(dev.hwDomain).has(dev)) out.push(`device ${dev.id}: hwDomain written behind the users index (use Kernel.setHwDomain)`);
    if (dev.hwDomain?.freed) dangling.push(`device ${dev.id} hardware points at freed domain ${dev.hwDomain.id}`);
    for (const [p, d] of dev.hwPasid) if (d.freed) dangling.push(`device ${dev.id} pasid ${p} points at freed domain ${d.id}`);
  }
  if (k.features.rollback || !k.log.some((l) => l.level === "WARN")) out.push(...dangling);
  for (const s of k.staticDomains.values()) if (s.blocked.freed || s.identity.freed) out.push("a static domain was freed");
  if (held) {
    for (const d of k.domains.values()) if (!held.has(d) && domainUsers(k, d).length === 0 && !isCoreDomain(k, d)) out.push(`domain ${d.id} leaked: live, unreferenced, held by nobody`);
  }
  return out;
}

function isCoreDomain(k: Kernel, d: Domain): boolean {
  for (const g of k.groups.values()) if (g.defaultDomain === d || g.blockingDomain === d) return true;
  return false;
}
