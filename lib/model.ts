/**
 * Entities of the attach core: IOMMU instances, devices, groups, domains, and the `Kernel`
 * that holds them together with the era, the kernel log and the trace.
 * Field names follow struct iommu_group / struct iommu_domain / struct dev_iommu.
 */
import { ERAS, type Era, type EraFeatures, type EraId } from "./eras.ts";
import type { Ret } from "./errno.ts";
import { isSpam, type LogLevel, type LogLine } from "./log.ts";
import type { TraceEvent } from "./trace.ts";
import type { DriverModel, Plan, Step } from "./driver.ts";

/** Driver-specific properties (documented by each driver in hardware/). */
export type Props = Record<string, number | boolean | string>;

/** IOMMU_DOMAIN_* types. "dma" is the default translating domain, "unmanaged" a caller-owned paging domain. */
export type DomainType = "blocked" | "identity" | "unmanaged" | "dma" | "nested" | "sva";

export function isPaging(t: DomainType): boolean {
  return t === "unmanaged" || t === "dma";
}

/** One IOMMU hardware unit (an SMMU, a DMAR unit, a DART, ...) driven by one driver. */
export interface IommuInstance {
  id: string;
  driver: DriverModel;
  props: Props;
}

/** struct device with its dev_iommu part. */
export interface Device {
  id: string;
  /** The IOMMU the device sits behind (its fwspec / dev_iommu_priv); null: no IOMMU. */
  instance: IommuInstance | null;
  group: Group | null;
  props: Props;
  /** dev->iommu->max_pasids; 0 when the device cannot use PASIDs. */
  maxPasids: number;
  /** dev->iommu->require_direct: firmware asked for a 1:1 mapping (RMRR and the like). */
  requireDirect: boolean;
  /** dev->iommu->attach_deferred: the default-domain attach waits for the DMA API (kdump). */
  attachDeferred: boolean;
  /** PCI ATS capable; pci_dev_reset_iommu_prepare only acts on such devices. */
  ats: boolean;
  /** What the hardware was programmed with for the RID, as the driver left it. */
  hwDomain: Domain | null;
  /** What the hardware was programmed with for each PASID. */
  hwPasid: Map<number, Domain>;
  /**
   * Model-only bookkeeping, not a kernel field: the domain a driver last reported as attached
   * without programming it (a fake success), until a real attach replaces it.
   */
  fakeAttach?: Domain | null;
  /** Firmware left translation on for it at boot (kdump): attach_deferred was set at probe. */
  deferredAtBoot?: boolean;
  /**
   * Model-only: a must-succeed attach (nofail, revert, reset park/restore) failed for this device
   * and the kernel WARNed - it declares a driver bug, so no placement promise holds for it.
   */
  wedged?: boolean;
  /** Between pci_dev_reset_iommu_prepare() and _done() for this device (the group only records resetting_domain). */
  inReset?: boolean;
}

export interface PasidEntry {
  domain: Domain;
  handle: string | null;
}

/** struct iommu_group. */
export interface Group {
  id: string;
  devices: Device[];
  domain: Domain | null;
  defaultDomain: Domain | null;
  blockingDomain: Domain | null;
  owner: string | null;
  ownerCnt: number;
  /** group->pasid_array for real PASIDs (the kernel also parks RID handles at IOMMU_NO_PASID; the model keeps none). */
  pasidArray: Map<number, PasidEntry>;
  resettingDomain: Domain | null;
}

/** struct iommu_domain. */
export interface Domain {
  id: string;
  type: DomainType;
  /** domain->owner: the driver whose ops made it (static core domains report their provider). */
  owner: DriverModel;
  /** A driver's static ops->blocked_domain / ops->identity_domain (no owner check needed). */
  isStatic: boolean;
  /** Instance the domain is finalised to (smmu_domain->smmu, ...); null until the first attach where drivers finalise lazily. */
  instance: IommuInstance | null;
  props: Props;
  /** Can be attached to PASIDs (IOMMU_HWPT_ALLOC_PASID); ops->set_dev_pasid present. */
  pasidCapable: boolean;
  freed: boolean;
}

export interface KernelOptions {
  era: EraId;
  /** Driver variants in force, e.g. "arm-smmu-v3:regression-48e7b8e284e5". */
  variants?: readonly string[];
  /** Record a trace of every call (off for large sweeps). */
  trace?: boolean;
  /** Fail the n-th allocation (1-based) like iommufd_fail_nth; 0 = never. */
  failNth?: number;
  /** Print dev_dbg lines too (dynamic debug on). They are always recorded. */
  dynamicDebug?: boolean;
}

const VARIANT_FORMAT = /^[a-z0-9-]+:[A-Za-z0-9_.-]+$/;
/**
 * Checks a requested variant; lib/variants installs the full check (it knows the drivers: this
 * module cannot import the registry, whose drivers import it). Until then, the format only.
 */
let variantCheck = (v: string): string | null => (VARIANT_FORMAT.test(v) ? null : `malformed variant ${JSON.stringify(v.slice(0, 60))} (expected "driver:name")`);
export function setVariantCheck(check: (v: string) => string | null): void {
  variantCheck = check;
}

/** The whole simulated machine in one era. */
export class Kernel {
  readonly era: Era;
  readonly features: EraFeatures;
  readonly variants: ReadonlySet<string>;
  readonly instances = new Map<string, IommuInstance>();
  readonly devices = new Map<string, Device>();
  readonly groups = new Map<string, Group>();
  /** Live (not freed) domains by id. */
  readonly domains = new Map<string, Domain>();
  readonly log: LogLine[] = [];
  readonly trace: TraceEvent[] | null;
  private depth = 0;
  private current: TraceEvent | null = null;
  private nextDomain = 1;
  private allocs = 0;
  private failAt: number;
  /** Allocations failed by the fault-injection hook so far. */
  injected = 0;
  /** What lib/driver.ts's runSteps walks for each step list in this kernel (made once: era and variants are fixed). */
  readonly plans = new Map<readonly Step[], Plan>();
  /** Static blocked/identity domains per driver id, created on first use. */
  readonly staticDomains = new Map<string, { blocked: Domain; identity: Domain }>();
  /**
   * Who uses each domain, kept by the setters below: a model-only index standing in for the
   * walks the kernel does under the group mutex, so "who is on this domain" costs its answer,
   * not a scan of every device (which made per-device sweeps quadratic).
   * One record per domain, so a move looks the domain up once.
   */
  private readonly users = new Map<Domain, DomainUsers>();
  /** Per instance, the domains on its devices, with the counters the domains' records hold. */
  private readonly instanceHw = new Map<IommuInstance, Map<Domain, Counter>>();
  /** The last two records usersOf() found: a move asks for the same two domains for each device, then for the group. */
  private readonly recent: { d0: Domain | null; u0: DomainUsers | null; d1: Domain | null; u1: DomainUsers | null } = { d0: null, u0: null, d1: null, u1: null };
  /** Live domains per instance they are finalised to. */
  private readonly byInstance = new Map<IommuInstance, Set<Domain>>();
  /** Groups with at least one PASID attached (few; scanned for PASID users). */
  private readonly pasidGroups = new Set<Group>();

  constructor(opts: KernelOptions) {
    this.era = ERAS[opts.era];
    this.features = this.era.features;
    // An unknown variant would run the baseline under its label: refuse it, listing the known ones.
    for (const v of opts.variants ?? []) {
      const problem = variantCheck(v);
      if (problem) throw new LabArgumentError(problem);
    }
    this.variants = new Set(opts.variants ?? []);
    this.trace = opts.trace === false ? null : [];
    this.failAt = opts.failNth ?? 0;
  }

  /** A fresh domain id, "dom#1", "dom#2", ... in allocation order (deterministic; "#" never clashes with scenario ids). */
  newDomainId(): string {
    return `dom#${this.nextDomain++}`;
  }

  /** One kzalloc(); false when the fault-injection hook fails it. */
  kzalloc(): boolean {
    this.allocs++;
    if (this.failAt !== 0 && this.allocs === this.failAt) {
      this.injected++;
      return false;
    }
    return true;
  }

  /** Like writing n to fail-nth: the n-th allocation from now on fails (n >= 1; 0 turns it off). */
  injectFailNth(n: number): void {
    this.failAt = n > 0 ? this.allocs + n : 0;
  }

  get allocations(): number {
    return this.allocs;
  }

  /** printk: dev_err / dev_warn / dev_dbg / pr_* / WARN splats. */
  printk(level: LogLevel, dev: Device | null, text: string): void {
    const line: LogLine = { level, dev: dev ? dev.id : null, text };
    this.log.push(line);
    if (this.current) this.current.log.push(line);
  }

  /** WARN_ON(cond): prints a splat when cond holds and returns cond, as the kernel macro does. */
  warnOn(cond: boolean, what: string): boolean {
    if (cond) this.printk("WARN", null, `WARN_ON(${what})`);
    return cond;
  }

  /**
   * Whether anything watches kernel function entry and exit: the trace, or a wrapper of `call`
   * (tests and tools replace it on one kernel). When nothing does, hot paths skip `call` and
   * run their body directly, without building its arguments and closure; `call` stays the one
   * place where entry and exit are reported.
   */
  get watched(): boolean {
    return this.trace !== null || this.call !== KERNEL_CALL;
  }

  /** Run `body` as the kernel function `fn`, recording a trace event around it. */
  call(fn: string, args: TraceEvent["args"], body: () => Ret): Ret {
    if (!this.trace) return body();
    const ev: TraceEvent = { seq: this.trace.length, depth: this.depth, fn, args, log: [] };
    this.trace.push(ev);
    const saved = this.current;
    this.current = ev;
    this.depth++;
    try {
      const ret = body();
      ev.ret = ret;
      return ret;
    } finally {
      this.depth--;
      this.current = saved;
    }
  }

  /** Program the device's RID with `d` (what the driver left in hardware); keeps the users index. */
  setHwDomain(dev: Device, d: Domain | null): void {
    const old = dev.hwDomain;
    if (old === d) return;
    const inst = dev.instance;
    if (old) {
      const u = this.usersOf(old);
      u.devices = removeUser(u.devices, dev);
      if (inst) this.counter(u, old, inst).n--;
    }
    if (d) {
      const u = this.usersOf(d);
      u.devices = addUser(u.devices, dev);
      if (inst) this.counter(u, d, inst).n++;
    }
    dev.hwDomain = d;
  }

  /** The index record of `d`, made empty if it has none (an empty one goes when the domain is freed). */
  private usersOf(d: Domain): DomainUsers {
    const r = this.recent;
    if (r.d0 === d) return r.u0!;
    if (r.d1 === d) return r.u1!;
    let u = this.users.get(d);
    if (!u) this.users.set(d, (u = { devices: null, groups: null, first: null, more: null }));
    r.d1 = r.d0;
    r.u1 = r.u0;
    r.d0 = d;
    r.u0 = u;
    return u;
  }

  /** How many devices behind `inst` have `d` (whose record is `u`) programmed: one counter, in u and in inst's map. */
  private counter(u: DomainUsers, d: Domain, inst: IommuInstance): Counter {
    if (u.first?.inst === inst) return u.first;
    let c = u.more?.get(inst);
    if (c) return c;
    c = { inst, n: 0 };
    if (!u.first && !u.more?.size) u.first = c;
    else (u.more ??= new Map()).set(inst, c);
    let on = this.instanceHw.get(inst);
    if (!on) this.instanceHw.set(inst, (on = new Map()));
    on.set(d, c);
    return c;
  }

  /** A new live domain (iommu_domain_alloc). */
  addDomain(d: Domain): void {
    this.domains.set(d.id, d);
    if (d.instance) this.finaliseDomain(d, d.instance);
  }

  /** The driver finalises `d` to `inst` (smmu_domain->smmu = smmu and the like); keeps the index. */
  finaliseDomain(d: Domain, inst: IommuInstance): void {
    d.instance = inst;
    if (d.isStatic) return; // never freed, never counted from a pool
    let s = this.byInstance.get(inst);
    if (!s) this.byInstance.set(inst, (s = new Set()));
    s.add(d);
  }

  /** The live (allocated, not static) domains finalised to `inst`, in the order they were. */
  domainsFinalisedTo(inst: IommuInstance): ReadonlySet<Domain> {
    return this.byInstance.get(inst) ?? NONE;
  }

  /** A domain freed (iommu_domain_free); its index entries go unless a use-after-free keeps users on it. */
  removeDomain(d: Domain): void {
    this.domains.delete(d.id);
    if (d.instance) this.byInstance.get(d.instance)?.delete(d);
    const u = this.users.get(d);
    if (!u) return;
    const r = this.recent; // its records must be the index's own, and this one may go below
    if (r.d0 === d) r.d0 = null;
    if (r.d1 === d) r.d1 = null;
    if (u.first && !u.first.n) {
      this.instanceHw.get(u.first.inst)?.delete(d);
      u.first = null;
    }
    if (u.more) {
      for (const [inst, c] of u.more) {
        if (c.n) continue;
        u.more.delete(inst);
        this.instanceHw.get(inst)?.delete(d);
      }
    }
    if (!u.devices && !u.groups && !u.first && !u.more?.size) this.users.delete(d);
  }

  /** The domains programmed for the RIDs of the devices behind `inst`. */
  domainsBehind(inst: IommuInstance): Domain[] {
    return live(this.instanceHw.get(inst));
  }

  /** group->domain = d; keeps the users index. */
  setGroupDomain(g: Group, d: Domain | null): void {
    const old = g.domain;
    if (old !== d) {
      if (old) {
        const u = this.usersOf(old);
        u.groups = removeUser(u.groups, g);
      }
      if (d) {
        const v = this.usersOf(d);
        v.groups = addUser(v.groups, g);
      }
    }
    g.domain = d;
  }

  /** Store (or, with null, erase) group->pasid_array[pasid]. */
  setGroupPasid(g: Group, pasid: number, e: PasidEntry | null): void {
    if (e) g.pasidArray.set(pasid, e);
    else g.pasidArray.delete(pasid);
    if (g.pasidArray.size) this.pasidGroups.add(g);
    else this.pasidGroups.delete(g);
  }

  /** Devices whose RID hardware has `d` programmed, in the order they got it. */
  devicesOn(d: Domain): ReadonlySet<Device> {
    return asSet(this.users.get(d)?.devices);
  }

  /** The IOMMU instances behind which some device has `d` programmed for its RID. */
  instancesOn(d: Domain): IommuInstance[] {
    const out: IommuInstance[] = [];
    const u = this.users.get(d);
    if (u?.first?.n) out.push(u.first.inst);
    u?.more?.forEach((c) => {
      if (c.n) out.push(c.inst);
    });
    return out;
  }

  /** Groups whose group->domain is `d`. */
  groupsOn(d: Domain): ReadonlySet<Group> {
    return asSet(this.users.get(d)?.groups);
  }

  /** Groups with PASIDs attached. */
  groupsWithPasids(): ReadonlySet<Group> {
    return this.pasidGroups;
  }

  /** Number of log lines a default console shows at err/warn/WARN level since `from`. */
  spamSince(from: number): number {
    let n = 0;
    for (let i = from; i < this.log.length; i++) if (isSpam(this.log[i]!)) n++;
    return n;
  }
}

/** The unwrapped Kernel.call, to tell a wrapped one (Kernel.watched). */
const KERNEL_CALL = Kernel.prototype.call;

const NONE: ReadonlySet<never> = new Set();

// Index entries that drop to zero stay until their domain is freed: V8's hash tables slow down
// badly when one key is deleted and added again over and over in a large table (a device
// going on and off a shared domain did that; measured: 40 us per operation at 50,000 keys).

/** How many devices behind `inst` have a domain programmed: the same object in the domain's record and in the instance's map. */
interface Counter {
  inst: IommuInstance;
  n: number;
}

/** The users index entry of one domain. */
interface DomainUsers {
  /** Devices whose RID hardware has the domain, in the order they got it. */
  devices: Users<Device>;
  /** Groups whose group->domain is the domain. */
  groups: Users<Group>;
  /** The first instance counted (most domains only ever see one); the others follow in `more`, in the order they came. */
  first: Counter | null;
  more: Map<IommuInstance, Counter> | null;
}

/**
 * Users of a domain: none, the one user, or a Set (never empty) in the order they came. Most
 * domains have one device and one group, and a Set per domain cost an allocation per move; V8
 * also shrinks a Set's table in a runtime call when its last element goes.
 */
type Users<T extends object> = T | Set<T> | null;

function addUser<T extends object>(s: Users<T>, user: T): Users<T> {
  if (s === null || s === user) return user;
  if (s instanceof Set) return s.add(user);
  return new Set<T>().add(s).add(user);
}

function removeUser<T extends object>(s: Users<T>, user: T): Users<T> {
  if (s === user) return null;
  if (!(s instanceof Set)) return s;
  if (s.size === 1) return s.has(user) ? null : s;
  s.delete(user);
  return s;
}

function asSet<T extends object>(s: Users<T> | undefined): ReadonlySet<T> {
  return !s ? NONE : s instanceof Set ? s : new Set([s]);
}

/** The keys with a non-zero count. */
function live<K>(m: ReadonlyMap<K, Counter> | undefined): K[] {
  const out: K[] = [];
  // forEach, not for-of over entries: that made an [key, value] array per entry, zeros included.
  m?.forEach((c, k) => {
    if (c.n) out.push(k);
  });
  return out;
}

/** Error thrown when a call does not exist in the selected era (not an errno: the API itself is missing). */
export class EraUnavailableError extends Error {
  constructor(
    readonly what: string,
    readonly era: EraId,
    readonly detail: string,
  ) {
    super(`${what} does not exist in era ${era}: ${detail}`);
    this.name = "EraUnavailableError";
  }
}

/** Error for a bad argument to a public library function (never a crash deep inside). */
export class LabArgumentError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "LabArgumentError";
  }
}
