/**
 * Scenario helpers shared by the exercise tests: small machines, and summaries of what a
 * consumer request did (errno names, domain names, counts, log lines) so that the student's
 * code and the library can be run side by side on twin kernels and compared field by field.
 */
import {
  buildPlatform,
  type DeviceSpec,
  type Domain,
  type EraId,
  errnoName,
  formatLine,
  type Group,
  type InstanceSpec,
  Kernel,
  type LogLine,
  neg,
  VfioContainer,
  type VfioIommuType,
  vfioType1AttachGroup,
} from "../../lib/index";
import { iommuGroupClaimDmaOwner, iommuGroupReleaseDmaOwner } from "../../lib/core/owner";
import { expectFields, Mismatch, type MismatchItem, show } from "../../lib/exercises/harness";

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

/** The counters vfio_iommu_type1_attach_group keeps for the outcome (attach calls, failed merges, new domains). */
export interface Tally {
  attempts: number;
  soft: number;
  allocated: number;
}

export interface LoopResult {
  ret: number;
  domain: Domain | null;
  reused: boolean;
}

export type Type1Loop = (k: Kernel, c: VfioContainer, g: Group, t: Tally) => LoopResult;

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

/** vfio_iommu_type1_attach_group() around the student's loop: the same steps as lib/consumers/vfio-type1.ts. */
export function type1WithLoop(k: Kernel, c: VfioContainer, g: Group, loop: Type1Loop): Type1Summary {
  const from = k.log.length;
  const t: Tally = { attempts: 0, soft: 0, allocated: 0 };
  let res: LoopResult;
  if (c.type === "nesting" && !k.features.vfioNestingType) res = { ret: neg("ENODEV"), domain: null, reused: false };
  else {
    const own = k.features.dmaOwnership;
    const claim = own ? iommuGroupClaimDmaOwner(k, g, `vfio:${c.id}`) : 0;
    if (claim) res = { ret: claim, domain: null, reused: false };
    else {
      res = loop(k, c, g, t);
      if (res.ret && own) iommuGroupReleaseDmaOwner(k, g);
    }
  }
  return {
    outcome: res.ret ? "hard-failure" : res.reused ? "attached-existing" : "attached-new",
    errno: errnoName(res.ret),
    domain: res.domain?.id ?? null,
    attempts: t.attempts,
    failedMerges: t.soft,
    domainsAllocated: t.allocated,
    log: logLines(k.log.slice(from)),
    ...type1State(k, c, g),
  };
}

/** The library's vfioType1AttachGroup, summarised the same way. */
export function type1Library(k: Kernel, c: VfioContainer, g: Group): Type1Summary {
  const o = vfioType1AttachGroup(k, c, g);
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

export { show };
