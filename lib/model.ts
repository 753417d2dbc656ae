/**
 * Entities of the attach core: IOMMU instances, devices, groups, domains; the driver contract
 * (what a hardware driver model is) and the set of drivers a kernel runs; and the `Kernel` that
 * holds them together with the era, the kernel log and the trace. They refer to each other (a
 * domain's owner is a driver, a driver's callbacks take the kernel), so they share one module.
 * Field names follow struct iommu_group / struct iommu_domain / struct dev_iommu.
 */
import { ERAS, type Era, type EraFeatures, type EraId, isRevisionVariant, REVISIONS, type RevisionKey } from "./eras.ts";
import type { ErrnoName, Ret } from "./errno.ts";
import { isSpam, type LogLevel, type LogLine } from "./log.ts";
import { quote } from "./text.ts";
import { type TraceEvent, TraceRecorder } from "./trace.ts";
import type { PropShape } from "./props.ts";

export type { PropDoc } from "./props.ts";

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

// ---- The driver contract (lib/driver.ts walks the steps and holds the shared combinators) ----

/** What a tripped check does in one era. */
export interface Verdict {
  /** Errno returned, or 0 for a fake success that leaves the device where it was (mtk_iommu_v1). */
  errno: ErrnoName | 0;
  /** The printk on that path, if any; `pr` marks a pr_*() line, which names no device. */
  log?: { level: LogLevel; text: string; pr?: boolean };
  /** The path sits under WARN_ON() (a splat is printed as well). */
  warn?: boolean;
}

/**
 * Per-era verdicts; `null` means the check does not exist in that era. Eras inherit from their
 * parent (lib/eras.ts eraChain, one rule for all per-era data). A key "<era>:<revision>" (e.g.
 * "emediumtype-2022:v1") is an earlier posting of an unmerged proposal, read only when that
 * revision is selected (lib/eras.ts REVISIONS).
 */
export type EraRows = Partial<Record<EraId | RevisionKey, Verdict | null>>;

/** What a driver's steps read from each bag: its PropsOf types, or `any` for shared combinators. */
export interface StepProps {
  instance: object;
  device: object;
  domain: object;
}

/** Untyped props: what shared combinators see (any driver's steps can use them). */
export type AnyProps = { instance: any; device: any; domain: any };

/** `T` with its props bag typed `P` (a typo in a property name is then a compile error). */
export type WithProps<T extends { props: Props }, P> = Omit<T, "props"> & { props: P };

/**
 * What a step sees. A driver's own steps get its props typed (stepsFor()): every property is
 * present, since instances and devices get their defaults when built (lib/platform.ts) and
 * domains at allocation (lib/core/domain.ts).
 */
export interface StepCtx<P extends StepProps = AnyProps> {
  k: Kernel;
  era: EraId;
  domain: WithProps<Domain, P["domain"]>;
  dev: WithProps<Device, P["device"]>;
  /** The device's instance when it belongs to this driver, else null (foreign device or no IOMMU). */
  inst: WithProps<IommuInstance, P["instance"]> | null;
  /** PASID for set_dev_pasid / test_dev, null for the RID. */
  pasid: number | null;
  /** The domain being replaced (attach_dev's `old` since fd714986e4e4, set_dev_pasid's `old`). */
  old: Domain | null;
}

export interface CheckStep<C = StepCtx> {
  kind: "check";
  id: string;
  /** The condition as the kernel writes it. */
  kernel: string;
  /** Plain words. */
  what: string;
  /** True when the check trips (the attach is refused). */
  when: (c: C) => boolean;
  rows: EraRows;
  /** Variant overrides ("what if"), keyed by variant name (without the driver prefix). */
  variants?: Record<string, EraRows>;
  /**
   * In test-dev-2025: "test" moves into test_dev (the default), "attach" stays in attach_dev,
   * "both" runs in each (guards that attach_dev keeps, e.g. against a device with no IOMMU).
   */
  phase?: "test" | "attach" | "both";
  /** Where a modelling decision was INFERRED / UNCERTAIN, say so here. */
  note?: string;
  /**
   * Where the behaviour comes from, as a student can open it: a commit id, a release tag, a
   * Message-ID or a seed file (several separated by "; "). Shown by `drivers --json` / `matrix --json`.
   */
  source?: string;
  /** Values for the printk format's conversions, in order (the format string stays in the data). */
  logArgs?: (c: C) => Array<string | number>;
  /** How to make this check trip through the core (used by `iommu-lab matrix` and the tests). */
  trip?: Trip;
  /** Kernel state the condition reads besides its StepCtx (see Read); none when absent. */
  reads?: readonly Read[];
}

/**
 * A recipe that makes one check trip through the core: a platform with instance i0 (and i1
 * when the device under test sits behind another instance), a domain allocated for device
 * "first" on i0, optionally attached to it (finalising it), then the attach under test.
 */
export interface Trip {
  /** Props of instance i0 (where the domain lives; also the device under test's unless `other`). */
  inst?: Props;
  /** The device under test sits behind a second instance i1 of the same driver, with these props. */
  other?: Props;
  /** The device under test has no IOMMU: only the core's internal __iommu_attach_device can reach the driver. */
  noIommu?: boolean;
  /** Props of the device the domain is allocated for. */
  first?: Props;
  /** Props of the device under test. */
  dev?: Props;
  /** Requested domain type and properties. */
  domainType?: DomainType;
  domain?: Props;
  /** Attach the domain to "first" before the attach under test (default: true for RID checks, false for PASID checks). */
  firstAttach?: boolean;
  /** Stateful set-up right before the attach under test (PASIDs in use, another active domain, ...). */
  before?: (k: Kernel, env: TripEnv) => void;
}

export interface TripEnv {
  domain: Domain;
  first: Device;
  dut: Device;
}

export interface EffectStep<C = StepCtx> {
  kind: "effect";
  id: string;
  kernel: string;
  what: string;
  /** Eras in which the effect exists (default: all). */
  eras?: readonly EraId[];
  run: (c: C) => Ret;
  /** For an allocation (allocStep): what a failed allocation returns per era - fail_nth reads it. */
  allocRows?: EraRows;
  /** Kernel state the effect reads besides its StepCtx (see Read); none when absent. */
  reads?: readonly Read[];
}

export type Step = CheckStep | EffectStep;

/** What runs of a step list: "all" (eras without test_dev), "test" (test_dev) or "attach" (attach_dev after test_dev). */
export type Phase = "all" | "test" | "attach";

/** A step as one kernel runs it: an effect of its era, or a check with its verdict there. */
export interface Planned {
  step: Step;
  /** The check's verdict in the kernel's era with its variants; null for an effect. */
  verdict: Verdict | null;
}

/** One phase of a plan as a function (lib/driver.ts compileWalk): the steps in order, until one fails. */
export type Walk = (k: Kernel, c: StepCtx) => { ret: Ret; attach: boolean };

/** What lib/driver.ts's runSteps walks for one step list in one kernel, per phase, and those walks compiled. */
export type Plan = { driverId: string; walks: Partial<Record<Phase, Walk>> } & Record<Phase, Planned[]>;

/**
 * Kernel state a step reads besides its StepCtx (the domain, the device, the instance and their
 * fields), each through a Kernel query method: "users" who is on a domain (devicesOn,
 * instancesOn, groupsOn); "pool" the domains finalised to an instance (domainsFinalisedTo);
 * "instanceHw" the domains programmed behind an instance (domainsBehind). lib/driver.ts readOf()
 * maps a KernelRead event to it. The sweep engine learns from them which drivers read pools; a
 * test runs every check's trip recipe with an observer and fails on a read a check does not declare.
 */
export type Read = "users" | "pool" | "instanceHw";

export interface AllocCtx {
  k: Kernel;
  /** The device the domain is allocated for (iommu_paging_domain_alloc), or null for a bus allocation. */
  dev: Device | null;
  inst: IommuInstance | null;
  type: DomainType;
  /** Requested properties (scenario `props`, iommufd alloc flags such as dirty tracking). */
  req: Props;
}

export interface DriverModel {
  /** Kit id, e.g. "arm-smmu-v3". */
  id: string;
  title: string;
  /** Kernel source file. */
  file: string;
  /** The struct iommu_ops instance name, e.g. "arm_smmu_ops". */
  opsName: string;
  /** Function names for the trace; testDev null: the driver has no test_dev op (not in TD1). */
  fn: { attach: string; testDev: string | null; setDevPasid: string };
  exists: readonly EraId[];
  /** Properties of its instances, devices and domains (lib/props.ts), with defaults and descriptions. */
  instanceProps: PropShape;
  deviceProps: PropShape;
  domainProps: PropShape;
  attach: readonly Step[];
  /**
   * The driver has a static ops->blocked_domain (in eras with static core domains). Default yes;
   * without one the core blocks with an empty paging domain of the driver.
   */
  staticBlocked?: boolean;
  /** Every device is its own iommu_group on this hardware (e.g. s390 zPCI functions). */
  singletonGroups?: boolean;
  /** attach_dev of the driver's static identity/blocked domains (ops->identity_domain ...); none by default. */
  staticAttach?: readonly Step[];
  setDevPasid: readonly Step[];
  /** Eras whose ops provide set_dev_pasid for paging domains. */
  pasidEras: readonly EraId[];
  /** domain_alloc / domain_alloc_paging: the new domain's properties and instance, or an errno. */
  allocDomain(c: AllocCtx): { props: Props; instance: IommuInstance | null } | Ret;
  /**
   * IOMMU_CAP_CACHE_COHERENCY: the driver's `.capable` answer in the kernel's era (pre-2022: per
   * bus, as type1 asked it). From v5.19 VFIO and iommufd refuse a device answering false
   * (EraFeatures.coherencyGate). Build it with capByEra() so the answer per era is data.
   */
  capCacheCoherency(k: Kernel, dev: Device): boolean;
  /** Where that answer comes from (commit, tag, or "no .capable op"), shown by `drivers --json`. */
  capCacheCoherencySource?: string;
  /** IOMMU_CAP_ENFORCE_CACHE_COHERENCY for this device (iommufd's idev->enforce_cache_coherency). */
  capEnforceCacheCoherency(k: Kernel, dev: Device): boolean;
  /** ops->enforce_cache_coherency(domain); null when the op does not exist. */
  enforceCacheCoherency: ((k: Kernel, domain: Domain) => boolean) | null;
  /** iommu_domain_set_attr(DOMAIN_ATTR_NESTING) / iommu_enable_nesting(); per era. */
  enableNesting(k: Kernel, domain: Domain): Ret;
  /** The default domain type for a device behind this instance. */
  defaultDomainType(k: Kernel, dev: Device): DomainType;
  notes?: readonly string[];
}

// ---- The drivers a kernel runs ---------------------------------------------------------------

/**
 * The hardware driver models a kernel runs, by id (hardware/index.ts exports the default set as
 * `drivers`). Immutable: `with` makes a new set in which one driver is replaced, so a patched
 * driver (a student's rows, a proposed fix) is just another driver object in another set. Domains
 * compare their owner with driver objects: one kernel uses one set throughout.
 */
export class DriverSet implements Iterable<DriverModel> {
  /** The drivers, in the order given. */
  readonly list: readonly DriverModel[];
  private readonly byId = new Map<string, DriverModel>();

  constructor(list: Iterable<DriverModel>) {
    this.list = Object.freeze([...list]);
    for (const d of this.list) {
      if (this.byId.has(d.id)) throw new LabArgumentError(`DriverSet: two drivers with id ${quote(d.id)}`);
      this.byId.set(d.id, d);
    }
  }

  /** The driver with this id, or undefined. */
  get(id: string): DriverModel | undefined {
    return this.byId.get(id);
  }

  has(id: string): boolean {
    return this.byId.has(id);
  }

  /** The ids, in order. */
  get ids(): string[] {
    return this.list.map((d) => d.id);
  }

  get size(): number {
    return this.list.length;
  }

  [Symbol.iterator](): Iterator<DriverModel> {
    return this.list[Symbol.iterator]();
  }

  /** A new set with `driver` in place of the one with its id (appended when there is none). */
  with(driver: DriverModel): DriverSet {
    return new DriverSet(this.byId.has(driver.id) ? this.list.map((d) => (d.id === driver.id ? driver : d)) : [...this.list, driver]);
  }

  /** Every known variant: "driver:name" of this set's drivers, and the proposal revisions "era:revision" (lib/eras.ts REVISIONS). */
  knownVariants(): string[] {
    const revisions = Object.entries(REVISIONS).flatMap(([era, revs]) => (revs ?? []).map((r) => `${era}:${r.id}`));
    return [...this.list.flatMap((d) => driverVariants(d).map((v) => `${d.id}:${v}`)), ...revisions];
  }

  /** What is wrong with a requested variant, or null when a driver of this set defines it (or it is a proposal revision). */
  variantProblem(v: string): string | null {
    if (isRevisionVariant(v)) return null; // a proposal revision, e.g. "emediumtype-2022:v1"
    const colon = v.indexOf(":");
    const id = colon < 0 ? v : v.slice(0, colon);
    const name = colon < 0 ? "" : v.slice(colon + 1);
    const d = this.byId.get(id);
    if (colon < 0 || !d) {
      const withVariants = this.list.filter((x) => driverVariants(x).length).map((x) => x.id);
      const what = colon < 0 ? `malformed variant ${quote(v)} (expected "driver:name")` : `unknown driver ${quote(id)} in variant ${quote(v)}`;
      return `${what}; drivers with variants: ${withVariants.join(", ")}`;
    }
    const known = driverVariants(d);
    if (!known.includes(name)) return `${id} has no variant ${quote(name)} (known: ${known.map((n) => `${id}:${n}`).join(", ") || "none"})`;
    return null;
  }
}

/**
 * Driver variants ("driver:name", a check's alternative rows such as a regression or a proposed
 * patch): the names `d` defines on any of its checks, sorted. An unknown variant would otherwise
 * run the baseline under the variant's label, so the Kernel refuses one.
 */
export function driverVariants(d: DriverModel): string[] {
  const out = new Set<string>();
  for (const s of [...d.attach, ...(d.staticAttach ?? []), ...d.setDevPasid]) {
    if (s.kind === "check" && s.variants) for (const v of Object.keys(s.variants)) out.add(v);
  }
  return [...out].sort();
}

export interface KernelOptions {
  era: EraId;
  /** The hardware drivers this kernel runs (hardware/index.ts `drivers` is the default set). */
  drivers: DriverSet;
  /** Driver variants in force, e.g. "arm-smmu-v3:regression-48e7b8e284e5". */
  variants?: readonly string[];
  /** Record a trace of every call (off for large sweeps). */
  trace?: boolean;
  /** Fail the n-th allocation (1-based) like iommufd_fail_nth; 0 = never. */
  failNth?: number;
  /** Print dev_dbg lines too (dynamic debug on). They are always recorded. */
  dynamicDebug?: boolean;
  /** A subscriber of the kernel's event stream (besides the trace, which is one too). */
  observer?: KernelObserver;
}

/** A read of kernel state through a Kernel query method, or an iteration of one of its tables. */
export type KernelRead =
  | "devicesOn"
  | "instancesOn"
  | "groupsOn"
  | "domainsBehind"
  | "domainsFinalisedTo"
  | "groupsWithPasids"
  /** Iterating k.devices, k.groups, k.domains (lookups by id are not reported). */
  | "devices"
  | "groups"
  | "domains";

/** A change of kernel state through a Kernel setter. */
export type KernelChange = "hwDomain" | "groupDomain" | "groupPasid" | "addDomain" | "removeDomain" | "finaliseDomain";

/**
 * The kernel's event stream: what Kernel.call does (entry and exit of a kernel function), what
 * printk prints, the reads drivers and the core make through the Kernel's query methods, and the
 * changes through its setters. The trace is one subscriber (TraceRecorder), the compressed sweep
 * engine another. With neither, the kernel reports nothing (one null test per site).
 */
export interface KernelObserver {
  /** `args`: the function's arguments as short strings; a domain is named by `domain` or `old`, an iommufd hwpt by `hwpt` (the sweep engine reads only those). */
  enter(fn: string, args: TraceEvent["args"]): void;
  /** `returned`: the body returned (ret is its value, maybe undefined) rather than threw. */
  exit(fn: string, ret: Ret | undefined, returned: boolean): void;
  log(line: LogLine): void;
  /** `of`: the domain or instance asked about; null for a table iteration and groupsWithPasids. */
  read(what: KernelRead, of: Domain | IommuInstance | null): void;
  /** `of` changed (a device's RID, a group's domain or PASIDs, a domain added, removed, finalised); `to` the new value. */
  change(what: KernelChange, of: Device | Group | Domain, to: Domain | IommuInstance | PasidEntry | null): void;
}

/** Two subscribers as one. */
function both(a: KernelObserver, b: KernelObserver): KernelObserver {
  return {
    enter: (fn, args) => (a.enter(fn, args), b.enter(fn, args)),
    exit: (fn, ret, returned) => (a.exit(fn, ret, returned), b.exit(fn, ret, returned)),
    log: (line) => (a.log(line), b.log(line)),
    read: (what, of) => (a.read(what, of), b.read(what, of)),
    change: (what, of, to) => (a.change(what, of, to), b.change(what, of, to)),
  };
}

/** A kernel table that reports iterations to the observer (get/has/set are the Map's own). */
class KernelTable<V> extends Map<string, V> {
  constructor(
    private readonly k: { readonly observer: KernelObserver | null },
    private readonly what: "devices" | "groups" | "domains",
  ) {
    super();
  }
  private note(): void {
    this.k.observer?.read(this.what, null);
  }
  // Return types are inferred: TypeScript 5.0 (tslab) has no MapIterator type.
  override values() {
    this.note();
    return super.values();
  }
  override keys() {
    this.note();
    return super.keys();
  }
  override entries() {
    this.note();
    return super.entries();
  }
  override forEach(...args: Parameters<Map<string, V>["forEach"]>): void {
    this.note();
    super.forEach(...args);
  }
  override [Symbol.iterator]() {
    this.note();
    return super[Symbol.iterator]();
  }
}

/** The whole simulated machine in one era. */
export class Kernel {
  readonly era: Era;
  readonly features: EraFeatures;
  readonly variants: ReadonlySet<string>;
  /** The drivers this kernel runs; buildPlatform looks instances' drivers up here. */
  readonly drivers: DriverSet;
  readonly instances = new Map<string, IommuInstance>();
  readonly devices: Map<string, Device> = new KernelTable<Device>(this, "devices");
  readonly groups: Map<string, Group> = new KernelTable<Group>(this, "groups");
  /** Live (not freed) domains by id. */
  readonly domains: Map<string, Domain> = new KernelTable<Domain>(this, "domains");
  readonly log: LogLine[] = [];
  readonly trace: TraceEvent[] | null;
  /** Who hears the event stream: the trace, KernelOptions.observer, both, or nobody (null). */
  readonly observer: KernelObserver | null;
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
    // Checked by shape, not instanceof: a set made by another copy of this module (dist/ next to the sources) works the same.
    if (typeof (opts.drivers as Partial<DriverSet> | undefined)?.variantProblem !== "function") throw new LabArgumentError("new Kernel: drivers must be a DriverSet (the default set is `drivers` from hardware/index.ts)");
    this.drivers = opts.drivers;
    // An unknown variant would run the baseline under its label: refuse it, listing the known ones of this kernel's drivers.
    for (const v of opts.variants ?? []) {
      const problem = this.drivers.variantProblem(v);
      if (problem) throw new LabArgumentError(problem);
    }
    this.variants = new Set(opts.variants ?? []);
    const rec = opts.trace === false ? null : new TraceRecorder();
    this.trace = rec ? rec.events : null;
    this.observer = rec && opts.observer ? both(rec, opts.observer) : (rec ?? opts.observer ?? null);
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
    this.observer?.log(line);
  }

  /** WARN_ON(cond): prints a splat when cond holds and returns cond, as the kernel macro does. */
  warnOn(cond: boolean, what: string): boolean {
    if (cond) this.printk("WARN", null, `WARN_ON(${what})`);
    return cond;
  }

  /**
   * Whether anything watches kernel function entry and exit: an observer (the trace is one), or
   * a wrapper of `call` (tests and tools replace it on one kernel). When nothing does, hot paths
   * skip `call` and run their body directly, without building its arguments and closure; `call`
   * (and `callWith`, which goes through a wrapped `call`) stays the one place where entry and
   * exit are reported.
   */
  get watched(): boolean {
    return this.observer !== null || this.call !== KERNEL_CALL;
  }

  /** Run `body` as the kernel function `fn`: the one place its entry and exit are reported (trace, observer). */
  call(fn: string, args: TraceEvent["args"], body: () => Ret): Ret {
    return this.report(fn, args, runThunk, body, undefined, undefined, undefined, undefined, undefined);
  }

  /**
   * call(fn, args, () => body(a, b, c, d, e, f)) without making that closure: the hottest call
   * sites (a watched kernel runs them about 10,000 times per sweep cell, and the closures and
   * their contexts were a tenth of its garbage). A wrapped `call` (tests, tools) still sees them.
   */
  callWith<A, B, C, D, E, F>(fn: string, args: TraceEvent["args"], body: (a: A, b: B, c: C, d: D, e: E, f: F) => Ret, a: A, b: B, c: C, d: D, e: E, f: F): Ret {
    if (this.call !== KERNEL_CALL) return this.call(fn, args, () => body(a, b, c, d, e, f));
    return this.report(fn, args, body, a, b, c, d, e, f);
  }

  /** Entry and exit of `fn` reported around body(a, ..., f). */
  private report<A, B, C, D, E, F>(fn: string, args: TraceEvent["args"], body: (a: A, b: B, c: C, d: D, e: E, f: F) => Ret, a: A, b: B, c: C, d: D, e: E, f: F): Ret {
    const o = this.observer;
    if (o === null) return body(a, b, c, d, e, f);
    o.enter(fn, args);
    let ret: Ret | undefined;
    let returned = false;
    try {
      ret = body(a, b, c, d, e, f);
      returned = true;
      return ret;
    } finally {
      o.exit(fn, ret, returned);
    }
  }

  /** Program the device's RID with `d` (what the driver left in hardware); keeps the users index. */
  setHwDomain(dev: Device, d: Domain | null): void {
    const old = dev.hwDomain;
    if (old === d) return;
    this.observer?.change("hwDomain", dev, d);
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
    this.observer?.change("addDomain", d, d.instance);
    this.domains.set(d.id, d);
    if (d.instance) this.finaliseDomain(d, d.instance);
  }

  /** The driver finalises `d` to `inst` (smmu_domain->smmu = smmu and the like); keeps the index. */
  finaliseDomain(d: Domain, inst: IommuInstance): void {
    this.observer?.change("finaliseDomain", d, inst);
    d.instance = inst;
    if (d.isStatic) return; // never freed, never counted from a pool
    let s = this.byInstance.get(inst);
    if (!s) this.byInstance.set(inst, (s = new Set()));
    s.add(d);
  }

  /** The live (allocated, not static) domains finalised to `inst`, in the order they were. */
  domainsFinalisedTo(inst: IommuInstance): ReadonlySet<Domain> {
    this.observer?.read("domainsFinalisedTo", inst);
    return this.byInstance.get(inst) ?? NONE;
  }

  /** A domain freed (iommu_domain_free); its index entries go unless a use-after-free keeps users on it. */
  removeDomain(d: Domain): void {
    this.observer?.change("removeDomain", d, null);
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
    this.observer?.read("domainsBehind", inst);
    return live(this.instanceHw.get(inst));
  }

  /** group->domain = d; keeps the users index. */
  setGroupDomain(g: Group, d: Domain | null): void {
    const old = g.domain;
    this.observer?.change("groupDomain", g, d);
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
    this.observer?.change("groupPasid", g, e);
    if (e) g.pasidArray.set(pasid, e);
    else g.pasidArray.delete(pasid);
    if (g.pasidArray.size) this.pasidGroups.add(g);
    else this.pasidGroups.delete(g);
  }

  /** Devices whose RID hardware has `d` programmed, in the order they got it. */
  devicesOn(d: Domain): ReadonlySet<Device> {
    this.observer?.read("devicesOn", d);
    return asSet(this.users.get(d)?.devices);
  }

  /** The IOMMU instances behind which some device has `d` programmed for its RID. */
  instancesOn(d: Domain): IommuInstance[] {
    this.observer?.read("instancesOn", d);
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
    this.observer?.read("groupsOn", d);
    return asSet(this.users.get(d)?.groups);
  }

  /** Groups with PASIDs attached. */
  groupsWithPasids(): ReadonlySet<Group> {
    this.observer?.read("groupsWithPasids", null);
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

/** Kernel.call's body, run by Kernel.report. */
const runThunk = (body: () => Ret): Ret => body();

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
