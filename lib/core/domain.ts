/**
 * Domain allocation and device probe: iommu_domain_alloc / iommu_paging_domain_alloc,
 * the static blocked/identity domains, the group's blocking domain and default domain.
 */
import { neg, type Ret } from "../errno.ts";
import type { DriverModel } from "../driver.ts";
import { type Device, type Domain, type DomainType, type Group, type Kernel, type Props, LabArgumentError } from "../model.ts";
import { withPropDefaults } from "../props.ts";
import * as args from "./args.ts";
import * as setDomain from "./set-domain.ts";

// Read once (see ./attach.ts): every probe and every consumer request allocates a domain.
const argDevice: typeof args.argDevice = args.argDevice;
const argDomain: typeof args.argDomain = args.argDomain;
const argKernel: typeof args.argKernel = args.argKernel;
const { groupSetDomainInternal, MUST_SUCCEED } = setDomain;

export interface DomainAllocRequest {
  /** Allocate for this device (iommu_paging_domain_alloc) - or on its bus (iommu_domain_alloc) in older eras. */
  dev?: Device;
  /** Allocate from this driver without a device (a bus allocation in eras before device-based allocation). */
  driver?: DriverModel;
  type?: DomainType;
  props?: Props;
  /** Usable for PASID attach (IOMMU_HWPT_ALLOC_PASID); defaults to the driver supporting PASID in this era. */
  pasid?: boolean;
  id?: string;
}

/**
 * iommu_domain_alloc(bus) before ~v6.11, iommu_paging_domain_alloc(dev) after: the driver's
 * domain_alloc decides the properties and, for device-based allocation, the instance.
 * Returns the domain or a negative errno (a NULL return is reported as ENOMEM).
 * Source: 00208852d351 (iommu.c of the v6.2 core); 17194cd0dd23 (iommu.c, early-2026 mainline).
 */
export function domainAlloc(k: Kernel, req: DomainAllocRequest): Domain | Ret {
  argKernel(k, "domainAlloc");
  if (!req || typeof req !== "object") throw new LabArgumentError("domainAlloc: the request must be an object");
  if (req.dev !== undefined) argDevice(k, req.dev, "domainAlloc");
  return allocChecked(k, req);
}

/** domainAlloc for a request the core made from objects it holds (the probe's default domain): no argument checks. */
function allocChecked(k: Kernel, req: DomainAllocRequest): Domain | Ret {
  const driver = req.dev?.instance?.driver ?? req.driver;
  if (!driver) throw new LabArgumentError("domainAlloc needs a device behind an IOMMU or a driver");
  const type = req.type ?? "unmanaged";
  const forDev = k.features.pagingAllocForDevice && req.dev ? req.dev : null;
  if (!k.watched) return allocBody(k, req, driver, type, forDev);
  let made: Domain | Ret = 0;
  const ret = k.call(forDev ? "iommu_paging_domain_alloc" : "iommu_domain_alloc", { dev: req.dev?.id ?? "-", driver: driver.id, type }, () => {
    made = allocBody(k, req, driver, type, forDev);
    return typeof made === "number" ? made : 0;
  });
  return typeof made === "number" ? ret : made;
}

/** The body of iommu_domain_alloc / iommu_paging_domain_alloc: the new domain, or an errno. */
function allocBody(k: Kernel, req: DomainAllocRequest, driver: DriverModel, type: DomainType, forDev: Device | null): Domain | Ret {
  if (!k.kzalloc()) return neg("ENOMEM");
  const r = driver.allocDomain({ k, dev: forDev, inst: forDev?.instance ?? null, type, req: req.props ? { ...req.props } : {} });
  if (typeof r === "number") return r;
  const id = req.id ?? k.newDomainId();
  if (k.domains.has(id)) throw new LabArgumentError(`domain id ${id} is already in use`);
  const made: Domain = {
    id,
    type,
    owner: driver,
    isStatic: false,
    instance: r.instance,
    props: withPropDefaults(driver.domainProps, r.props),
    pasidCapable: req.pasid ?? driver.pasidEras.includes(k.era.id),
    freed: false,
  };
  k.addDomain(made);
  return made;
}

/**
 * Where a domain is in use: group RIDs, device hardware, PASIDs. Empty when it can be freed.
 * Source: 17194cd0dd23 (iommu.c, early-2026 mainline: what iommu_domain_free's callers must have undone).
 */
export function domainUsers(k: Kernel, d: Domain): string[] {
  const out: string[] = [];
  for (const g of k.groupsOn(d)) out.push(`group ${g.id}`);
  for (const g of k.groupsWithPasids()) for (const [p, e] of g.pasidArray) if (e.domain === d) out.push(`group ${g.id} pasid ${p}`);
  for (const dev of k.devicesOn(d)) out.push(`device ${dev.id}`);
  return out;
}

/**
 * iommu_domain_free(). The kernel trusts its caller; the model prints a WARN when a domain
 * is freed while still in use, because that is a use-after-free in the real kernel.
 * Source: 17194cd0dd23 (iommu.c, early-2026 mainline).
 */
export function domainFree(k: Kernel, d: Domain): void {
  argDomain(k, d, "domainFree");
  if (k.watched) k.call("iommu_domain_free", { domain: d.id }, () => freeBody(k, d));
  else freeBody(k, d);
}

/** The body of iommu_domain_free. */
function freeBody(k: Kernel, d: Domain): Ret {
  if (d.isStatic) return 0;
  k.warnOn(domainUsers(k, d).length > 0, `domain ${d.id} freed while attached`);
  d.freed = true;
  k.removeDomain(d);
  return 0;
}

/**
 * ops->blocked_domain / ops->identity_domain: one static domain per driver, never freed.
 * Source: 17194cd0dd23 (iommu.c, early-2026 mainline: ops->blocked_domain, ops->identity_domain).
 */
export function staticDomain(k: Kernel, driver: DriverModel, type: "blocked" | "identity"): Domain {
  let s = k.staticDomains.get(driver.id);
  if (!s) {
    const mk = (t: "blocked" | "identity"): Domain => ({
      id: `${driver.id}:${t}`,
      type: t,
      owner: driver,
      isStatic: true,
      instance: null,
      props: withPropDefaults(driver.domainProps, undefined),
      pasidCapable: true,
      freed: false,
    });
    s = { blocked: mk("blocked"), identity: mk("identity") };
    k.staticDomains.set(driver.id, s);
  }
  return s[type];
}

function groupDriver(g: Group): DriverModel | null {
  return g.devices[0]?.instance?.driver ?? null;
}

/**
 * __iommu_group_alloc_blocking_domain(). Mainline uses the driver's static blocked domain, or
 * an empty paging domain whose errno is passed up; the 6.2 core allocated a BLOCKED, then an
 * UNMANAGED domain and reported any failure as EINVAL.
 * Source: 00208852d351 (iommu.c of the v6.2 core); 17194cd0dd23 (iommu.c, early-2026 mainline).
 */
export function allocBlockingDomain(k: Kernel, g: Group): Ret {
  if (g.blockingDomain) return 0;
  const driver = groupDriver(g);
  if (!driver) return neg("ENODEV");
  if (k.features.staticCoreDomains && driver.staticBlocked !== false) {
    g.blockingDomain = staticDomain(k, driver, "blocked");
    return 0;
  }
  const d = domainAlloc(k, { dev: g.devices[0]!, type: "unmanaged", pasid: false, id: `blocking@${g.id}` });
  if (typeof d === "number") return k.features.rollback ? d : neg("EINVAL");
  g.blockingDomain = d;
  return 0;
}

function allocDefaultDomain(k: Kernel, g: Group): Domain | Ret {
  const dev = g.devices[0]!;
  const driver = dev.instance!.driver;
  const type = driver.defaultDomainType(k, dev);
  if (type === "identity" && k.features.staticCoreDomains) return staticDomain(k, driver, "identity");
  return allocChecked(k, { dev, type, pasid: driver.pasidEras.includes(k.era.id), id: `default@${g.id}` });
}

/**
 * iommu_setup_default_domain(): allocate the group's default domain and make the first attach.
 * "Drivers are not allowed to fail the first domain attach": MUST_SUCCEED under WARN_ON.
 * A device whose attach is deferred (kdump) is skipped until iommu_deferred_attach().
 * Source: 17194cd0dd23 (iommu.c, early-2026 mainline).
 */
export function setupDefaultDomain(k: Kernel, g: Group): Ret {
  if (k.watched) return k.call("iommu_setup_default_domain", { group: g.id }, () => setupBody(k, g));
  return setupBody(k, g);
}

/** The body of iommu_setup_default_domain. */
function setupBody(k: Kernel, g: Group): Ret {
  if (!groupDriver(g)) return 0; // devices without an IOMMU: no domain at all
  const d = allocDefaultDomain(k, g);
  if (typeof d === "number") return d;
  g.defaultDomain = d;
  const ret = groupSetDomainInternal(k, g, d, MUST_SUCCEED);
  k.warnOn(ret !== 0, "first domain attach failed");
  // Before MUST_SUCCEED, iommu_alloc_default_domain() set group->domain when it allocated the
  // domain, whatever the device attaches then returned (INFERRED from the ~5.x probe path).
  if (!k.features.rollback) k.setGroupDomain(g, d);
  return ret;
}
