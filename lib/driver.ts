/**
 * What a hardware driver model is: mostly data. Its attach_dev is an ordered list of steps;
 * a check step has a condition and, per era, the verdict the real driver gave (errno and
 * printk level), an effect step does what the driver does on the way (finalise a domain to
 * an instance, claim a slot). The core calls `driverAttachDev` / `driverTestDev` /
 * `driverSetDevPasid`, which walk those steps; drivers never call back into the core.
 */
import { ERA_IDS, type EraId, ERAS, eraChain, revisionChain, type RevisionKey } from "./eras.ts";
import { neg, type ErrnoName, type Ret } from "./errno.ts";
import type { LogLevel } from "./log.ts";
import {
  type CheckStep,
  type Device,
  type Domain,
  type DomainType,
  type DriverModel,
  type EffectStep,
  type EraRows,
  type IommuInstance,
  type Kernel,
  type KernelRead,
  LabArgumentError,
  type Phase,
  type Plan,
  type Planned,
  type Walk,
  type Props,
  type Read,
  type Step,
  type StepCtx,
  type Verdict,
} from "./model.ts";
import { type PropShapes, type PropsOf, text } from "./props.ts";

// The driver contract's types live with the Kernel in model.ts (they refer to each other); drivers import them from here.
export type { AllocCtx, AnyProps, CheckStep, DriverModel, EffectStep, EraRows, PropDoc, Read, Step, StepCtx, StepProps, Trip, TripEnv, Verdict, WithProps } from "./model.ts";

/** lookupRows' chain per era (lib/eras.ts eraChain), made once: it runs for every check of every attach. */
const ROW_CHAINS = new Map<EraId, readonly EraId[]>(ERA_IDS.map((e) => [e, eraChain(e)]));

/** Verdict of a check in an era, taking variants (and a selected proposal revision) into account; null when absent. */
export function verdictFor(k: Kernel, driver: DriverModel, check: CheckStep): Verdict | null {
  const revs = k.variants.size ? revisionChain(k.era.id, k.variants) : NO_REVISIONS;
  if (check.variants && k.variants.size) {
    for (const [name, rows] of Object.entries(check.variants)) {
      if (!k.variants.has(`${driver.id}:${name}`)) continue;
      const v = lookupRows(rows, k.era.id, revs);
      if (v !== undefined) return v;
    }
  }
  return lookupRows(check.rows, k.era.id, revs) ?? null;
}

const NO_REVISIONS: readonly RevisionKey[] = [];

/** Row lookup: the selected revision's keys first (see EraRows), then the era's parents (the rule in lib/eras.ts). */
export function lookupRows(rows: EraRows, era: EraId, revisions: readonly RevisionKey[] = NO_REVISIONS): Verdict | null | undefined {
  for (const r of revisions) if (r in rows) return rows[r];
  for (const e of ROW_CHAINS.get(era) ?? eraChain(era)) if (e in rows) return rows[e];
  return undefined;
}

function effectIn(step: EffectStep, era: EraId): boolean {
  return !step.eras || step.eras.includes(era);
}

function ctxFor(k: Kernel, driver: DriverModel, domain: Domain, dev: Device, pasid: number | null, old: Domain | null): StepCtx {
  const inst = dev.instance && dev.instance.driver === driver ? dev.instance : null;
  return { k, era: k.era.id, domain, dev, inst, pasid, old };
}

/** Result of walking a driver's steps. `attach` false with ret 0 is a fake success. */
export interface StepResult {
  ret: Ret;
  attach: boolean;
}

/** A printk format with its conversions (%s %u %d %x %lu %lx %llx ...) filled in order. */
export function printf(fmt: string, args: ReadonlyArray<string | number>): string {
  let i = 0;
  return fmt.replace(/%(?:l{1,2}|z)?[sudx]/g, (m) => {
    if (i >= args.length) return m;
    const a = args[i++]!;
    return m.endsWith("x") && typeof a === "number" ? a.toString(16) : String(a);
  });
}

/** The steps of a driver without static-domain steps (one list, so it has one plan). */
const NO_STEPS: readonly Step[] = [];

/** What a walk that went through returns (shared: a result is read, never changed). */
const ATTACHED: StepResult = Object.freeze({ ret: 0, attach: true });

function trip(k: Kernel, c: StepCtx, s: CheckStep, v: Verdict): StepResult {
  const dev = c.dev;
  if (v.warn) k.printk("WARN", dev, `WARN_ON(${s.kernel})`);
  if (v.log) k.printk(v.log.level, v.log.pr ? null : dev, s.logArgs ? printf(v.log.text, s.logArgs(c)) : v.log.text);
  return v.errno === 0 ? { ret: 0, attach: false } : { ret: neg(v.errno), attach: true };
}

/**
 * Walk steps in order. `phase` selects what runs: "all" (eras without test_dev), "test"
 * (test_dev: checks that moved there, no effects) or "attach" (attach_dev after test_dev:
 * effects and the checks that stayed).
 */
export function runSteps(k: Kernel, driver: DriverModel, steps: readonly Step[], c: StepCtx, phase: Phase): StepResult {
  const plan = planFor(k, driver, steps);
  return (plan.walks[phase] ??= compileWalk(plan[phase]))(k, c);
}

/**
 * A plan's phase as one function with a call site per step: `if (when3(c)) return trip(...)`.
 * Looping over the steps instead calls every driver's conditions from one site, which V8 cannot
 * inline once it has seen more than a few of them (measured with callgrind on dist/, V8
 * --predictable: 3,890 instructions per attach + detach through intel-vtd, 6,434 with the loop).
 * The function holds only the step functions it is given; the steps stay data.
 */
function compileWalk(list: readonly Planned[]): Walk {
  const names = ["trip", "ATTACHED"];
  const values: unknown[] = [trip, ATTACHED];
  const body: string[] = [];
  list.forEach(({ step, verdict }, i) => {
    if (step.kind === "effect") {
      names.push(`run${i}`);
      values.push(step.run);
      body.push(`{ const ret = run${i}(c); if (ret) return { ret, attach: true }; }`);
    } else {
      names.push(`when${i}`, `step${i}`, `verdict${i}`);
      values.push(step.when, step, verdict);
      body.push(`if (when${i}(c)) return trip(k, c, step${i}, verdict${i});`);
    }
  });
  body.push("return ATTACHED;");
  const make = new Function(...names, `"use strict";\nreturn function walk(k, c) {\n${body.join("\n")}\n};`) as (...v: unknown[]) => Walk;
  return make(...values);
}


/**
 * What runSteps runs, per step list, driver id, era and variants (all a plan depends on: verdicts
 * read the driver only for its id, in variant names): made once, not at every attach nor for
 * every kernel (tests and sweeps make thousands of kernels; compiling their walks again for each
 * would cost more than it saves). Step lists are never changed in place; a patched driver brings
 * new ones. k.plans keeps a kernel's own lookups to one Map read.
 */
const PLANS = new WeakMap<readonly Step[], Map<string, Plan>>();

function planFor(k: Kernel, driver: DriverModel, steps: readonly Step[]): Plan {
  let plan = k.plans.get(steps);
  if (plan?.driverId === driver.id) return plan;
  const key = `${driver.id} ${k.era.id} ${[...k.variants].sort().join(" ")}`;
  let plans = PLANS.get(steps);
  if (!plans) PLANS.set(steps, (plans = new Map()));
  plan = plans.get(key);
  if (!plan) plans.set(key, (plan = makePlan(k, driver, steps)));
  k.plans.set(steps, plan);
  return plan;
}

function makePlan(k: Kernel, driver: DriverModel, steps: readonly Step[]): Plan {
  const plan: Plan = { driverId: driver.id, walks: {}, all: [], test: [], attach: [] };
  for (const step of steps) {
    if (step.kind === "effect") {
      if (!effectIn(step, k.era.id)) continue;
      plan.all.push({ step, verdict: null });
      plan.attach.push({ step, verdict: null });
      continue;
    }
    const verdict = verdictFor(k, driver, step);
    if (!verdict) continue;
    const where = step.phase ?? "test";
    plan.all.push({ step, verdict });
    if (where !== "attach") plan.test.push({ step, verdict });
    if (where !== "test") plan.attach.push({ step, verdict });
  }
  return plan;
}

/** domain->ops->attach_dev(domain, dev[, old]). */
export function driverAttachDev(k: Kernel, domain: Domain, dev: Device, old: Domain | null): StepResult {
  const d = domain.owner;
  const c = ctxFor(k, d, domain, dev, null, old);
  const steps = domain.isStatic ? (d.staticAttach ?? NO_STEPS) : d.attach;
  const phase = k.features.testDev ? "attach" : "all";
  if (!k.watched) return runSteps(k, d, steps, c, phase);
  const args: Record<string, string> = k.features.attachDevOld ? { domain: domain.id, dev: dev.id, old: old ? old.id : "NULL" } : { domain: domain.id, dev: dev.id };
  const out = { res: ATTACHED };
  k.callWith(d.fn.attach, args, attachWalk, k, d, steps, c, phase, out);
  return out.res;
}

/** driverAttachDev's walk under k.callWith (no closure per attach); its result goes to `out`, since the body returns only a Ret. */
function attachWalk(k: Kernel, d: DriverModel, steps: readonly Step[], c: StepCtx, phase: Phase, out: { res: StepResult }): Ret {
  out.res = runSteps(k, d, steps, c, phase);
  return out.res.ret;
}

/** domain->ops->test_dev(domain, dev, pasid, old) of the test-dev-2025 proposal. */
export function driverTestDev(k: Kernel, domain: Domain, dev: Device, pasid: number | null, old: Domain | null): Ret {
  const d = domain.owner;
  if ((domain.isStatic && pasid !== null) || d.fn.testDev === null) return 0; // no test_dev op: nothing to ask
  const c = ctxFor(k, d, domain, dev, pasid, old);
  const steps = pasid !== null ? d.setDevPasid : domain.isStatic ? (d.staticAttach ?? NO_STEPS) : d.attach;
  if (!k.watched) return runSteps(k, d, steps, c, "test").ret;
  return k.call(d.fn.testDev, { domain: domain.id, dev: dev.id, pasid: pasid ?? "NO_PASID" }, () => runSteps(k, d, steps, c, "test").ret);
}

/** domain->ops->set_dev_pasid(domain, dev, pasid, old). */
export function driverSetDevPasid(k: Kernel, domain: Domain, dev: Device, pasid: number, old: Domain | null): StepResult {
  const d = domain.owner;
  const c = ctxFor(k, d, domain, dev, pasid, old);
  let res = ATTACHED;
  k.call(domain.isStatic ? `${d.opsName}.blocked_domain.set_dev_pasid` : d.fn.setDevPasid, { domain: domain.id, dev: dev.id, pasid, old: old ? old.id : "NULL" }, () => {
    res = domain.isStatic ? ATTACHED : runSteps(k, d, d.setDevPasid, c, k.features.testDev ? "attach" : "all");
    return res.ret;
  });
  return res;
}

// ---- Combinators shared by every driver file -------------------------------------------

/** A failing verdict: errno, optionally with the printk the path makes. */
export function fail(errno: ErrnoName, log?: { level: LogLevel; text: string }): Verdict {
  return log ? { errno, log } : { errno };
}

export const devErr = (text: string) => ({ level: "err" as const, text });
export const devWarn = (text: string) => ({ level: "warn" as const, text });
export const devDbg = (text: string) => ({ level: "dbg" as const, text });
/** pr_err() / pr_debug(): the same levels, without a device name. */
export const prErr = (text: string) => ({ level: "err" as const, text, pr: true });
export const prDbg = (text: string) => ({ level: "dbg" as const, text, pr: true });

/** The silent `return 0` of a path that does not attach anything. */
export const fakeSuccess: Verdict = { errno: 0 };

/** A check that trips and prints under WARN_ON(). */
export function warnFail(errno: ErrnoName): Verdict {
  return { errno, warn: true };
}

/** The declared Read a kernel read stands for (null: none may be declared, e.g. iterating k.domains). */
export function readOf(what: KernelRead): Read | null {
  switch (what) {
    case "devicesOn":
    case "instancesOn":
    case "groupsOn":
      return "users";
    case "domainsFinalisedTo":
      return "pool";
    case "domainsBehind":
      return "instanceHw";
    default:
      return null;
  }
}

/** Reads declared by shared conditions and effects, found by check() / effect() / allocStep(). */
const READS = new WeakMap<object, readonly Read[]>();

/** Declare what a shared condition or effect reads; check() and effect() copy it onto their step. */
export function reading<F extends object>(reads: readonly Read[], f: F): F {
  READS.set(f, reads);
  return f;
}

export function check<C = StepCtx>(id: string, kernel: string, what: string, when: (c: C) => boolean, rows: EraRows, extra: Partial<CheckStep<C>> = {}): CheckStep<C> {
  const reads = READS.get(when);
  return reads ? { kind: "check", id, kernel, what, when, rows, reads, ...extra } : { kind: "check", id, kernel, what, when, rows, ...extra };
}

export function effect<C = StepCtx>(id: string, kernel: string, what: string, run: (c: C) => Ret, eras?: readonly EraId[]): EffectStep<C> {
  const step: EffectStep<C> = eras ? { kind: "effect", id, kernel, what, run, eras } : { kind: "effect", id, kernel, what, run };
  const reads = READS.get(run);
  return reads ? { ...step, reads } : step;
}

/** The typed props of a driver whose property shapes are `S`. */
export type PropsOfDriver<S extends PropShapes> = { instance: PropsOf<S["instance"]>; device: PropsOf<S["device"]>; domain: PropsOf<S["domain"]> };

/**
 * A driver's typed step builders: check() and effect() whose context reads the driver's props
 * by name (`c.dev.props.ssidBits`, a typo is a compile error), and typed views of the bags of
 * objects the driver's ops get outside a step (an instance, a device, a domain of this driver).
 * Type-level only: at run time these are the shared check() and effect().
 */
export function stepsFor<S extends PropShapes>(_shapes: S) {
  type P = PropsOfDriver<S>;
  type C = StepCtx<P>;
  return {
    check: check<C>,
    effect: effect<C>,
    inst: (i: IommuInstance) => i.props as P["instance"],
    dev: (d: Device) => d.props as P["device"],
    dom: (d: Domain) => d.props as P["domain"],
  };
}

/** The step context of a driver with property shapes `S` (for helpers outside check()/effect()). */
export type CtxOf<S extends PropShapes> = StepCtx<PropsOfDriver<S>>;

/** The common "no IOMMU instance of mine behind this device" condition. */
export const noInstance = (c: StepCtx) => c.inst === null;

/** The common "domain finalised to another instance" condition (smmu_domain->smmu != smmu, ...). */
export const otherInstance = (c: StepCtx) => c.domain.instance !== null && c.domain.instance !== c.inst;

/**
 * The common lazy finalise: a domain allocated for a bus gets its instance (and whatever the
 * driver copies from the first device) at its first attach.
 */
export function finaliseOnFirstAttach(copy: (c: StepCtx) => Props = () => ({})): EffectStep["run"] {
  return (c) => {
    if (c.domain.instance || !c.inst) return 0;
    c.k.finaliseDomain(c.domain, c.inst);
    Object.assign(c.domain.props, copy(c));
    return 0;
  };
}

/** Eras in which a driver exists: from `first` on, up to (not including) `removedIn`. */
export function erasFrom(first: EraId, removedIn?: EraId): EraId[] {
  const ids = Object.keys(ERAS) as EraId[];
  const end = removedIn ? ids.indexOf(removedIn) : ids.length;
  return ids.slice(ids.indexOf(first), end);
}

/** No IOMMU at all behind the device (no fwspec / no DMAR unit found). */
export const noIommu = (c: StepCtx) => c.dev.instance === null;

/**
 * The device is behind another instance of this driver, or behind another driver. Before the
 * core owner check (2023) a foreign device reached attach_dev; drivers without their own
 * fwspec-ops check would read another driver's private data. The model treats that case
 * like an instance mismatch (INFERRED).
 */
export const foreignOrOtherInstance = (c: StepCtx) => c.dev.instance !== null && (c.inst === null || otherInstance(c));

// ---- Shared by rockchip, msm, omap, sun50i, fsl-pamu and the iommufd mock -----------------

/** The domain translates (an UNMANAGED or DMA paging domain), as opposed to an identity or blocked one. */
export const translating = (c: StepCtx): boolean => c.domain.type === "unmanaged" || c.domain.type === "dma";

/** Another device's hardware is already on this domain (drivers that allow one client device per domain). */
export const domainHasOtherDevice = reading(["users"], (c: StepCtx): boolean => {
  for (const d of c.k.devicesOn(c.domain)) if (d !== c.dev) return true;
  return false;
});

/**
 * domain_alloc of a driver whose domains are bound to no instance when allocated: the listed
 * types get a domain with the requested properties; any other type is a NULL return (-ENOMEM).
 */
export function allocTypes(types: readonly DomainType[]): DriverModel["allocDomain"] {
  return (c) => (types.includes(c.type) ? { props: { ...c.req }, instance: null } : neg("ENOMEM"));
}

/** One era's IOMMU_CAP_CACHE_COHERENCY answer: a constant, or computed from the device (its instance's features). */
export type CapAnswer = boolean | ((k: Kernel, dev: Device) => boolean);

/**
 * A `.capable(dev, IOMMU_CAP_CACHE_COHERENCY)` answer per era, looked up through the era's
 * parents like check rows (so an answer given for "pre-2022" also holds in 2014-nesting, and one
 * for "einval-6.2" in mainline-2025; emediumtype-2022 is a child of pre-2022, not of einval-6.2).
 */
export function capByEra(rows: Partial<Record<EraId, CapAnswer>>): DriverModel["capCacheCoherency"] {
  return (k, dev) => {
    for (const e of ROW_CHAINS.get(k.era.id) ?? eraChain(k.era.id)) {
      const a = rows[e];
      if (a !== undefined) return typeof a === "boolean" ? a : a(k, dev);
    }
    return false;
  };
}

/** A driver with no `capable` answer for either coherency capability and no enforce_cache_coherency op. */
export const noCoherencyOps: Pick<DriverModel, "capCacheCoherency" | "capCacheCoherencySource" | "capEnforceCacheCoherency" | "enforceCacheCoherency"> = {
  capCacheCoherency: () => false,
  capCacheCoherencySource: "no .capable op answering IOMMU_CAP_CACHE_COHERENCY in any era (INFERRED where the era's source was not read): VFIO and iommufd refuse its devices from v5.19 (e8ae0e140c05)",
  capEnforceCacheCoherency: () => false,
  enforceCacheCoherency: null,
};

/**
 * Nesting on a driver that never supported it: in 2014 iommu_domain_set_attr() returns -EINVAL
 * when the driver has no domain_set_attr (or does not know DOMAIN_ATTR_NESTING), and later
 * iommu_enable_nesting() returns -EINVAL when there is no enable_nesting op.
 */
export const nestingUnsupported = (): Ret => neg("EINVAL");

// ---- Shared by arm-smmu, qcom-iommu, ipmmu-vmsa, apple-dart, virtio-iommu, s390-iommu, riscv ----

/**
 * Rows of an "incompatible domain" path that printed dev_err before 2022 with `pre` as its
 * errno. The EMEDIUMTYPE proposal as last posted (v6, 15 Aug 2022,
 * 20220815181437.28127-2-nicolinc@nvidia.com) returned a silent EMEDIUMTYPE ("Also remove
 * adjacent error prints", since v4); its v1 (6 Jun 2022, 20220606061927.26049-2-nicolinc@nvidia.com)
 * changed only the errno and kept the dev_err (revision "emediumtype-2022:v1"); f4a147735793
 * made it a silent EINVAL.
 */
export function mismatchRows(pre: ErrnoName, text: string): EraRows {
  return {
    "pre-2022": fail(pre, devErr(text)),
    "emediumtype-2022:v1": fail("EMEDIUMTYPE", devErr(text)),
    "emediumtype-2022": fail("EMEDIUMTYPE"),
    "einval-6.2": fail("EINVAL"),
  };
}

/**
 * Variant "emediumtype-v6": the silent -EMEDIUMTYPE of the last posting (v6, 15 Aug 2022). Since
 * the era models v6 by default this equals the default; kept so that files naming it still load.
 */
export const emediumtypeV6 = { "emediumtype-v6": { "emediumtype-2022": fail("EMEDIUMTYPE") } } as const satisfies Record<string, EraRows>;

/**
 * The domain was finalised to another instance of this driver (smmu_domain->smmu != smmu,
 * domain->mmu != mmu, vdomain->viommu != vdev->viommu, ...), or, before the core owner check,
 * the device belongs to another driver. Trips with the device under test behind a second instance.
 */
export function instanceMismatch(id: string, kernel: string, rows: EraRows, extra: Partial<CheckStep> = {}): CheckStep {
  return check(id, kernel, "the domain was finalised to another instance of this driver", foreignOrOtherInstance, rows, { trip: { other: {} }, ...extra });
}

/** printk arguments "%s ... %s": the domain's instance, then the device's. */
export const domainThenDeviceInstance = (c: StepCtx): string[] => [c.domain.instance?.id ?? "?", c.dev.instance?.id ?? "?"];

/** printk arguments "%s ... %s": the device's instance, then the domain's. */
export const deviceThenDomainInstance = (c: StepCtx): string[] => [c.dev.instance?.id ?? "?", c.domain.instance?.id ?? "?"];

/**
 * "This device has no IOMMU of mine" (no fwspec / no private data): tripped by a device without
 * an IOMMU, which only the core's internal attach can hand to a driver. attach_dev keeps the
 * guard under test_dev too (phase "both") unless `extra` says otherwise.
 */
export function noIommuGuard(id: string, kernel: string, what: string, rows: EraRows, extra: Partial<CheckStep> = {}): CheckStep {
  return check(id, kernel, what, noInstance, rows, { trip: { noIommu: true }, phase: "both", ...extra });
}

/**
 * Live driver domains matching `pred`: what a driver has handed out from a finite pool
 * (context banks, translation contexts, domain IDs) and gets back when the domain is freed.
 */
export function countDomains(k: Kernel, inst: IommuInstance, pred: (d: Domain) => boolean = () => true): number {
  let n = 0;
  for (const d of k.domainsFinalisedTo(inst)) if (pred(d)) n++;
  return n;
}

/** The domain has not been finalised to an instance yet (the lazy finalise will run now). */
export const unfinalised = (c: StepCtx): boolean => c.inst !== null && c.domain.instance === null;

/**
 * PAGE_SIZE of the running kernel ("4K", "16K", "64K": CONFIG_ARM64_*_PAGES and friends). The
 * model has no kernel configuration, so drivers that compare a hardware page size with it carry
 * it as an instance property: give every instance of one machine the same value.
 */
export function kernelPageSizeProp(def: string) {
  return text(def, "PAGE_SIZE", "page size of the running kernel, e.g. \"4K\" or \"16K\" (same value on every instance of a machine)");
}

/** Bytes of a page-size property written "4K", "16K", "64K" (or a plain number of bytes). */
export function pageBytes(v: number | boolean | string): number {
  const m = /^(\d+)\s*([KM]?)$/i.exec(String(v).trim());
  if (!m) throw new LabArgumentError(`bad page size "${String(v)}" (expected e.g. "4K", "16K" or "1M")`);
  return Number(m[1]) * (m[2]!.toUpperCase() === "K" ? 1024 : m[2]!.toUpperCase() === "M" ? 1024 * 1024 : 1);
}

// ---- Shared by amd-iommu, mtk-iommu, mtk-iommu-v1, sprd-iommu ---------------------------------

/**
 * An allocation on the attach / set_dev_pasid path (kzalloc, dma_alloc_coherent, an io-pgtable):
 * one k.kzalloc(), so `new Kernel({ era, failNth })` fails it the way iommufd_fail_nth does.
 * `rows` say per era what the driver then returned and printed (some eras returned the wrong
 * errno); eras without a row (or with null) do not allocate here. `when` limits it to the calls
 * that allocate (a domain's first attach, say). `printOn: "iommu"` prints on the IOMMU's own
 * device (dev_err(data->dev, ...)), named by its instance id, instead of on the master.
 * An effect, not a check: no recipe can make an allocation fail, so it has no matrix row; tests
 * reach it with failNth.
 */
export function allocStep(
  id: string,
  kernel: string,
  what: string,
  rows: EraRows,
  opts: { when?: (c: StepCtx) => boolean; printOn?: "dev" | "iommu"; reads?: readonly Read[] } = {},
): EffectStep {
  const eras = (Object.keys(ERAS) as EraId[]).filter((e) => lookupRows(rows, e));
  const run = (c: StepCtx): Ret => {
    if (opts.when && !opts.when(c)) return 0;
    if (c.k.kzalloc()) return 0;
    const v = lookupRows(rows, c.era)!;
    if (v.warn) c.k.printk("WARN", c.dev, `WARN_ON(${kernel})`);
    if (v.log && opts.printOn === "iommu") c.k.printk(v.log.level, null, `${c.inst?.id ?? "iommu"}: ${v.log.text}`);
    else if (v.log) c.k.printk(v.log.level, c.dev, v.log.text);
    return v.errno === 0 ? 0 : neg(v.errno);
  };
  const reads = opts.reads ?? (opts.when && READS.get(opts.when));
  return { ...effect(id, kernel, what, run, eras), allocRows: rows, ...(reads ? { reads } : {}) };
}

/** attach_dev takes the device off its old domain before steps that can still fail: a failure then leaves it with none. */
export const detachFirst: EffectStep["run"] = (c) => {
  c.k.setHwDomain(c.dev, null);
  return 0;
};

/**
 * Hardware with one page table per instance (MediaTek M4U): another live domain is already
 * finalised to the device's instance, so this one reuses that table instead of allocating one
 * (mtk_iommu's data->share_dom, mtk_iommu_v1's data->m4u_dom).
 */
export const instanceTableTaken = reading(["pool"], (c: StepCtx): boolean => {
  if (c.inst) for (const d of c.k.domainsFinalisedTo(c.inst)) if (d !== c.domain) return true;
  return false;
});

// ---- Shared by rockchip, msm, omap, sun50i, fsl-pamu (second batch) --------------------------

/** A driver with no set_dev_pasid, no coherency capabilities or op, and no nesting support. */
export const noPasidCoherencyOrNesting: Pick<
  DriverModel,
  "setDevPasid" | "pasidEras" | "capCacheCoherency" | "capCacheCoherencySource" | "capEnforceCacheCoherency" | "enforceCacheCoherency" | "enableNesting"
> = { setDevPasid: [], pasidEras: [], ...noCoherencyOps, enableNesting: nestingUnsupported };

/**
 * A driver of a platform with no DMA default domain before 2023 (32-bit Arm, PowerPC): its
 * domain_alloc takes UNMANAGED only, and its groups start on an identity domain in every era,
 * standing for "no domain" / detach_dev in older kernels and for the driver's identity (or
 * PLATFORM) domain from 2023 on (INFERRED: the core model always gives a group a default domain).
 */
export const noDmaDefaultDomain: Pick<DriverModel, "allocDomain" | "defaultDomainType"> = {
  allocDomain: allocTypes(["unmanaged", "identity"]),
  defaultDomainType: () => "identity",
};

// ---- Shared by mtk-iommu, mtk-iommu-v1, sprd-iommu, exynos-iommu ------------------------------

/**
 * A driver whose domain_alloc takes DMA and UNMANAGED (and, from 2023, a static identity
 * domain), with groups starting on a DMA default domain.
 */
export const dmaDefaultDomain: Pick<DriverModel, "allocDomain" | "defaultDomainType"> = {
  allocDomain: allocTypes(["unmanaged", "dma"]),
  defaultDomainType: () => "dma",
};

/**
 * The paging domains (UNMANAGED or DMA, not static) programmed for the RIDs of the devices behind
 * `inst`: what a single-table or single-context IOMMU currently serves (tegra-gart's
 * active_domain; msm's context in use could read the same).
 */
export function pagingDomainsOn(k: Kernel, inst: IommuInstance | null): Domain[] {
  if (!inst) return [];
  return [...k.domainsBehind(inst)].filter((hw) => !hw.isStatic && (hw.type === "unmanaged" || hw.type === "dma"));
}

// ---- Shared by qcom-iommu, virtio-iommu, s390-iommu, riscv-iommu -------------------------------

/**
 * A driver with no set_dev_pasid and no nesting whose capable() answers IOMMU_CAP_CACHE_COHERENCY
 * with true, without IOMMU_CAP_ENFORCE_CACHE_COHERENCY or an enforce_cache_coherency op.
 */
export const coherentNoPasidOrNesting: Pick<
  DriverModel,
  "setDevPasid" | "pasidEras" | "capCacheCoherency" | "capCacheCoherencySource" | "capEnforceCacheCoherency" | "enforceCacheCoherency" | "enableNesting"
> = {
  setDevPasid: [],
  pasidEras: [],
  capCacheCoherency: () => true,
  capCacheCoherencySource: "the driver's .capable op answers true for IOMMU_CAP_CACHE_COHERENCY in every era it exists (s390_iommu_capable, qcom_iommu_capable, riscv_iommu_capable)",
  capEnforceCacheCoherency: () => false,
  enforceCacheCoherency: null,
  enableNesting: nestingUnsupported,
};

/** Why the cache-coherency gate refused a device (the words of a consumer's outcome detail). */
export const NOT_COHERENT = "its IOMMU does not report IOMMU_CAP_CACHE_COHERENCY (e8ae0e140c05, v5.19): refused before any attach";

/**
 * The cache-coherency gate of VFIO and iommufd (e8ae0e140c05, v5.19): of the devices `devs` would
 * register or bind, the first one whose IOMMU does not report IOMMU_CAP_CACHE_COHERENCY, or
 * null. Before the gate (EraFeatures.coherencyGate false) every device passes.
 */
export function coherencyRefused(k: Kernel, devs: readonly Device[]): Device | null {
  if (!k.features.coherencyGate) return null;
  for (const d of devs) if (!d.instance || !d.instance.driver.capCacheCoherency(k, d)) return d;
  return null;
}
