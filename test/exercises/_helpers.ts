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
} from "../../lib/index";
import { effect, type Step } from "../../lib/driver";
import { neg } from "../../lib/errno";
import { expectFields, Mismatch, type MismatchItem, registeredDriver, show, withDriverPatch } from "../../lib/exercises/harness";

export function machine(era: EraId, instances: InstanceSpec[], devices: DeviceSpec[], variants: readonly string[] = []): Kernel {
  const k = new Kernel({ era, variants, trace: false });
  buildPlatform(k, { instances, devices });
  return k;
}

/** Two instances i0 and i1 of `driver`: devices a and c behind i0, b behind i1, each in its own group. */
export function twoInstances(era: EraId, driver: string, variants: readonly string[] = []): Kernel {
  return machine(era, [{ id: "i0", driver }, { id: "i1", driver }], [{ id: "a", instance: "i0" }, { id: "b", instance: "i1" }, { id: "c", instance: "i0" }], variants);
}

export const logLines = (lines: readonly LogLine[]): string[] => lines.map(formatLine);

export function group(k: Kernel, id: string): Group {
  const g = k.groups.get(id);
  if (!g) throw new Error(`internal: no group ${id}`);
  return g;
}

// ---- VFIO type1 ----------------------------------------------------------------------------------

/** The loop types come from the library: the student's loop plugs into the real wrapper. */
export type { Type1Loop, Type1LoopResult as LoopResult, Type1Tally as Tally } from "../../lib/index";

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
 * Run `fn` with a fault injected in front of the attach_dev steps of `drivers`: the student's code
 * and the library then meet the same failure at the same call, wherever it falls (a merge, the
 * re-attach to the new domain, the n-th device of a group). Counted per kernel, so twin kernels
 * run side by side each get their own.
 */
export function withAttachFault<T>(drivers: readonly string[], fault: Fault | null, fn: () => T): T {
  if (!fault || !drivers.length) return fn();
  const calls = new WeakMap<object, number>();
  const step: Step = effect("injected-fault", "fault injection (exercise test)", `the attach_dev call #${fault.at} fails with ${fault.errno}`, (c) => {
    if (c.domain.isStatic || c.domain.id.includes("@")) return 0; // default and blocking domains (probe, detach) do not count
    const n = (calls.get(c.k) ?? 0) + 1;
    calls.set(c.k, n);
    return n === fault.at ? neg(fault.errno) : 0;
  });
  const patchAll = (ds: readonly string[]): T => (ds.length ? withDriverPatch(ds[0]!, { attach: [step, ...registeredDriver(ds[0]!).attach] }, () => patchAll(ds.slice(1))) : fn());
  return patchAll([...new Set(drivers)]);
}

export { show };
