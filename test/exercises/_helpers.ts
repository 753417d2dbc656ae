/**
 * Scenario helpers shared by the exercise tests: small machines, and summaries of what a
 * consumer request did (errno names, domain names, counts, log lines) so that the student's
 * code and the library can be run side by side on twin kernels and compared field by field.
 */
import {
  buildPlatform,
  type DeviceSpec,
  type EraId,
  formatLine,
  type Group,
  type InstanceSpec,
  Kernel,
  type LogLine,
  type Outcome,
  type Type1Loop,
  VfioContainer,
  type VfioIommuType,
  vfioType1AttachGroup,
} from "../../lib/index.ts";
import { drivers } from "../../hardware/index.ts";
import { effect, type Step } from "../../lib/driver.ts";
import type { DriverSet } from "../../lib/model.ts";
import { neg } from "../../lib/errno.ts";
import { fc } from "../../tools/exercises/differential.ts";
import { expectFields, Mismatch, type MismatchItem, patchDriver, registeredDriver, show } from "../../tools/exercises/harness.ts";

/** A kernel of `set` (default: the kit's drivers) with these instances and devices, probed. */
export function machine(era: EraId, instances: InstanceSpec[], devices: DeviceSpec[], variants: readonly string[] = [], set: DriverSet = drivers): Kernel {
  const k = new Kernel({ era, drivers: set, variants, trace: false });
  buildPlatform(k, { instances, devices });
  return k;
}

/** Two instances i0 and i1 of `driver`: devices a and c behind i0, b behind i1, each in its own group. */
export function twoInstances(era: EraId, driver: string, variants: readonly string[] = [], set: DriverSet = drivers): Kernel {
  return machine(era, [{ id: "i0", driver }, { id: "i1", driver }], [{ id: "a", instance: "i0" }, { id: "b", instance: "i1" }, { id: "c", instance: "i0" }], variants, set);
}

export const logLines = (lines: readonly LogLine[]): string[] => lines.map(formatLine);

export function group(k: Kernel, id: string): Group {
  const g = k.groups.get(id);
  if (!g) throw new Error(`internal: no group ${id}`);
  return g;
}

// ---- VFIO type1 ----------------------------------------------------------------------------------

/** The loop types come from the library: the student's loop plugs into the real wrapper. */
export type { Type1Loop, Type1LoopResult as LoopResult, Type1Tally as Tally } from "../../lib/index.ts";

export interface Type1Summary {
  [key: string]: unknown;
  outcome: string;
  errno: string;
  domain: string | null;
  attempts: number;
  failedMerges: number;
  domainsAllocated: number;
  log: string[];
  groupDomain: string | null;
  liveDomains: string[];
  container: string[];
}

function type1State(k: Kernel, c: VfioContainer, g: Group): Pick<Type1Summary, "groupDomain" | "liveDomains" | "container"> {
  return {
    groupDomain: g.domain?.id ?? null,
    liveDomains: [...k.domains.keys()].filter((id) => !id.startsWith("default@") && !id.startsWith("blocking@")).sort(),
    container: c.domains.map((d) => `${d.domain.id}: ${d.groups.map((x) => x.id).join(",")}`),
  };
}

/** The library's vfio_iommu_type1_attach_group() wrapper (ownership, nesting type) around the student's loop. */
export function type1WithLoop(k: Kernel, c: VfioContainer, g: Group, loop: Type1Loop): Type1Summary {
  return summarise(k, c, g, vfioType1AttachGroup(k, c, g, { loop }));
}

/** The library's vfioType1AttachGroup, summarised the same way. */
export function type1Library(k: Kernel, c: VfioContainer, g: Group): Type1Summary {
  return summarise(k, c, g, vfioType1AttachGroup(k, c, g));
}

function summarise(k: Kernel, c: VfioContainer, g: Group, o: Outcome): Type1Summary {
  return {
    outcome: o.outcome,
    errno: o.errno,
    domain: o.domain,
    attempts: o.attempts,
    failedMerges: o.softFailures,
    domainsAllocated: o.domainsAllocated,
    log: logLines(o.log),
    ...type1State(k, c, g),
  };
}

/**
 * Attach the groups one after the other to one container, with the student's loop on one
 * kernel and the library on a twin kernel; report every field that differs.
 */
export function compareType1(
  loop: Type1Loop,
  make: () => Kernel,
  groups: readonly string[],
  type: VfioIommuType,
  label: string,
  why: string,
  extra: (k: Kernel, g: Group) => Record<string, unknown> = () => ({}),
): void {
  const mine = make();
  const ref = make();
  const cm = new VfioContainer("c0", type);
  const cr = new VfioContainer("c0", type);
  const items: MismatchItem[] = [];
  for (const id of groups) {
    const want = { ...type1Library(ref, cr, group(ref, id)), ...extra(ref, group(ref, id)) };
    const got = { ...type1WithLoop(mine, cm, group(mine, id), loop), ...extra(mine, group(mine, id)) };
    try {
      expectFields(got, want, `${label}: group ${id}`);
    } catch (e) {
      if (!(e instanceof Mismatch)) throw e;
      items.push(...e.items);
      break; // later requests would differ because this one did
    }
  }
  if (items.length) throw new Mismatch(items, why);
}

// ---- Faults at any position ------------------------------------------------------------------------

/** The n-th attach_dev call to a consumer's domain (1-based, per kernel, over every driver given) fails with `errno`. */
export interface Fault {
  at: number;
  errno: "EINVAL" | "ENOMEM" | "EBUSY" | "ENXIO" | "ENOSPC";
}

/**
 * The kit's drivers with a fault injected in front of the attach_dev steps of the drivers
 * `ids`: the student's code and the library, on kernels of this set, then meet the same failure
 * at the same call, wherever it falls (a merge, the re-attach to the new domain, the n-th device
 * of a group). Counted per kernel, so twin kernels run side by side each get their own.
 */
export function attachFaultDrivers(ids: readonly string[], fault: Fault | null): DriverSet {
  if (!fault || !ids.length) return drivers;
  const calls = new WeakMap<object, number>();
  const step: Step = effect("injected-fault", "fault injection (exercise test)", `the attach_dev call #${fault.at} fails with ${fault.errno}`, (c) => {
    if (c.domain.isStatic || c.domain.id.includes("@")) return 0; // default and blocking domains (probe, detach) do not count
    const n = (calls.get(c.k) ?? 0) + 1;
    calls.set(c.k, n);
    return n === fault.at ? neg(fault.errno) : 0;
  });
  let set = drivers;
  for (const id of new Set(ids)) set = patchDriver(id, { attach: [step, ...registeredDriver(id).attach] }, set);
  return set;
}

// ---- Generated type1 cases (exercises 08 and 09) ------------------------------------------------------

/** An IOMMU instance of a type1 case: a driver, or VT-d without snoop control. */
export type Type1Unit = "arm-smmu-v3" | "arm-smmu" | "ipmmu-vmsa" | "intel-vtd" | "intel-vtd-nosnoop";

export interface Type1Case {
  era: EraId;
  container: VfioIommuType;
  units: Type1Unit[];
  /** Groups in attach order: the unit they sit behind and how many devices they have. */
  groups: Array<{ unit: number; devices: number }>;
  fault: Fault | null;
}

const unitSpec = (u: Type1Unit): { driver: string; props: InstanceSpec["props"] } => (u === "intel-vtd-nosnoop" ? { driver: "intel-vtd", props: { snoopControl: false } } : { driver: u, props: {} });

/** Machines of 1-3 units (the first unit kind three times as likely), 1-4 groups of 1-3 devices, maybe a fault. */
export function type1CaseArb(o: { eras: readonly EraId[]; units: readonly Type1Unit[]; containers: readonly VfioIommuType[] }): fc.Arbitrary<Type1Case> {
  const unit = fc.oneof({ arbitrary: fc.constant(o.units[0]!), weight: 3 }, ...o.units.slice(1).map((u) => ({ arbitrary: fc.constant(u), weight: 1 })));
  return fc.array(unit, { minLength: 1, maxLength: 3 }).chain((units) =>
    fc.record({
      era: fc.constantFrom(...o.eras),
      container: fc.constantFrom(...o.containers),
      units: fc.constant(units),
      groups: fc.array(fc.record({ unit: fc.integer({ min: 0, max: units.length - 1 }), devices: fc.integer({ min: 1, max: 3 }) }), { minLength: 1, maxLength: 4 }),
      fault: fc.option(fc.record({ at: fc.integer({ min: 1, max: 7 }), errno: fc.constantFrom<Fault["errno"]>("EINVAL", "ENOMEM", "EBUSY", "ENXIO") }), { freq: 2 }),
    }),
  );
}

export function describeType1Case(c: Type1Case): string {
  const units = c.units.map((u, i) => `u${i}: ${u === "intel-vtd-nosnoop" ? "intel-vtd without snoop control" : u}`).join(", ");
  const groups = c.groups.map((g, i) => `g${i} (${g.devices} device${g.devices > 1 ? "s" : ""} behind u${g.unit})`).join(", then ");
  return `${c.era}; ${units}; VFIO_GROUP_SET_CONTAINER (${c.container} container) of ${groups}${c.fault ? `; attach_dev call #${c.fault.at} fails with -${c.fault.errno}` : ""}`;
}

/** The case on twin kernels: the student's loop inside the library's type1 wrapper, and the library's own. */
export function compareType1Case(loop: Type1Loop, c: Type1Case, why: string, extra?: (k: Kernel, g: Group) => Record<string, unknown>): void {
  const set = attachFaultDrivers(c.units.map((u) => unitSpec(u).driver), c.fault);
  const make = () =>
    machine(
      c.era,
      c.units.map((u, i) => ({ id: `u${i}`, ...unitSpec(u) })),
      c.groups.flatMap((g, i) => Array.from({ length: g.devices }, (_, j) => ({ id: `g${i}d${j}`, instance: `u${g.unit}`, group: `g${i}` }))),
      [],
      set,
    );
  compareType1(loop, make, c.groups.map((_, i) => `g${i}`), c.container, c.era, why, extra);
}

export { show };
