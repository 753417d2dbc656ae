/**
 * Shared fixtures for the core, consumer and driver tests.
 *
 * Era lists are written out from the fact sheet (section 1 and the K table), not read from
 * lib/eras.ts, so that a wrong feature flag in the model makes a test fail instead of
 * silently changing what is tested.
 */
import * as assert from "uvu/assert";
import {
  buildPlatform,
  domainAlloc,
  errnoName,
  Kernel,
  type Device,
  type DeviceSpec,
  type Domain,
  type DomainAllocRequest,
  type EraId,
  type Group,
  type InstanceSpec,
  type KernelOptions,
  type LogLevel,
  type LogLine,
  type Props,
  type TraceEvent,
} from "../lib/index.ts";
import { drivers } from "../hardware/index.ts";

/** Kernel options for the fixtures: `drivers` defaults to the kit's (hardware/index.ts). */
export type LabOptions = Omit<KernelOptions, "era" | "drivers"> & Partial<Pick<KernelOptions, "drivers">>;

// ---- Eras -----------------------------------------------------------------------------------

export const ALL_ERAS: readonly EraId[] = ["2014-nesting", "pre-2022", "emediumtype-2022", "einval-6.2", "mainline-2025", "test-dev-2025"];
/** arm-smmu-v3 appeared in v4.2 (2015): every era but 2014-nesting. */
export const SMMU_ERAS: readonly EraId[] = ["pre-2022", "emediumtype-2022", "einval-6.2", "mainline-2025", "test-dev-2025"];
/** Eras whose core has rollback, MUST_SUCCEED, the owner check, require_direct, PASID and the reset window (CUR, and TD1 on top of it). */
export const CUR_ERAS: readonly EraId[] = ["mainline-2025", "test-dev-2025"];
/** Eras with the T62-shaped core: no owner check, no rollback, no PASID API, no reset window. */
export const OLD_CORE_ERAS: readonly EraId[] = ["2014-nesting", "pre-2022", "emediumtype-2022", "einval-6.2"];
/** iommufd exists from v6.2 on. */
export const IOMMUFD_ERAS: readonly EraId[] = ["einval-6.2", "mainline-2025", "test-dev-2025"];
/** DMA ownership management (iommu_group_claim_dma_owner) arrived in ~v5.19. */
export const OWNERSHIP_ERAS: readonly EraId[] = ["emediumtype-2022", "einval-6.2", "mainline-2025", "test-dev-2025"];
export const PRE_OWNERSHIP_ERAS: readonly EraId[] = ["2014-nesting", "pre-2022"];

// ---- Kernels and platforms --------------------------------------------------------------------

export interface Lab {
  k: Kernel;
  dev(id: string): Device;
  group(id: string): Group;
}

/** A kernel in `era` with the given platform probed (every group on its default domain). */
export function lab(era: EraId, spec: { instances: InstanceSpec[]; devices: DeviceSpec[] }, opts: LabOptions = {}): Lab {
  const k = new Kernel({ era, drivers, ...opts });
  buildPlatform(k, spec);
  return {
    k,
    dev(id) {
      const d = k.devices.get(id);
      if (!d) throw new Error(`fixture: no device ${id}`);
      return d;
    },
    group(id) {
      const g = k.groups.get(id);
      if (!g) throw new Error(`fixture: no group ${id}`);
      return g;
    },
  };
}

/** One IOMMU instance of `driver` with singleton-group devices behind it. */
export function singles(era: EraId, driver: "arm-smmu-v3" | "intel-vtd", ids: string[], devProps: Record<string, Partial<DeviceSpec>> = {}, opts: LabOptions = {}): Lab {
  return lab(era, { instances: [{ id: "iommu0", driver }], devices: ids.map((id) => ({ id, instance: "iommu0", ...(devProps[id] ?? {}) })) }, opts);
}

/** One IOMMU instance with one multi-device group "g" whose devices are `ids`. */
export function oneGroup(era: EraId, driver: "arm-smmu-v3" | "intel-vtd", ids: string[], devSpec: Record<string, Partial<DeviceSpec>> = {}, opts: LabOptions = {}): Lab {
  return lab(era, { instances: [{ id: "iommu0", driver }], devices: ids.map((id) => ({ id, instance: "iommu0", group: "g", ...(devSpec[id] ?? {}) })) }, opts);
}

/** Two SMMUv3 instances: a and c behind smmu0, b behind smmu1; each device in its own group. */
export function twoSmmus(era: EraId, opts: LabOptions = {}): Lab {
  return lab(
    era,
    {
      instances: [{ id: "smmu0", driver: "arm-smmu-v3" }, { id: "smmu1", driver: "arm-smmu-v3" }],
      devices: [{ id: "a", instance: "smmu0" }, { id: "b", instance: "smmu1" }, { id: "c", instance: "smmu0" }],
    },
    opts,
  );
}

/** A machine with both drivers: "a" behind an SMMUv3, "v" behind a DMAR unit (the K-3 fixture). */
export function mixed(era: EraId, extra: DeviceSpec[] = []): Lab {
  return lab(era, {
    instances: [{ id: "smmu0", driver: "arm-smmu-v3" }, { id: "dmar0", driver: "intel-vtd" }, { id: "smmu1", driver: "arm-smmu-v3" }],
    devices: [{ id: "a", instance: "smmu0" }, { id: "v", instance: "dmar0" }, ...extra],
  });
}

/**
 * The Intel integrated-graphics case (fact sheet B.1): the iGPU sits behind a second DMAR unit
 * that cannot force snooping. nic and nvme are behind the snooping unit.
 */
export function igpuPlatform(era: EraId): Lab {
  return lab(era, {
    instances: [{ id: "dmar0", driver: "intel-vtd" }, { id: "dmar1", driver: "intel-vtd", props: { snoopControl: false } }],
    devices: [{ id: "nic", instance: "dmar0" }, { id: "igpu", instance: "dmar1" }, { id: "nvme", instance: "dmar0" }],
  });
}

/** Allocate a domain for `dev` (or on its bus in older eras); fails the test on an errno. */
export function alloc(k: Kernel, dev: Device, props: Props = {}, extra: Omit<DomainAllocRequest, "dev" | "props"> = {}): Domain {
  const d = domainAlloc(k, { dev, props, ...extra });
  if (typeof d === "number") throw new Error(`fixture: domain allocation for ${dev.id} failed with ${errnoName(d)}`);
  return d;
}

// ---- Observing one request ----------------------------------------------------------------------

/** What happened in the kernel (trace and log) after a point in time. */
export class Mark {
  private readonly t: number;
  private readonly l: number;
  constructor(private readonly k: Kernel) {
    this.t = k.trace ? k.trace.length : 0;
    this.l = k.log.length;
  }
  events(): TraceEvent[] {
    return this.k.trace ? this.k.trace.slice(this.t) : [];
  }
  /** Kernel function names called since the mark, in order. */
  fns(): string[] {
    return this.events().map((e) => e.fn);
  }
  /** Events of function `fn`, optionally only those about device `dev`. */
  calls(fn: string, dev?: string): TraceEvent[] {
    return this.events().filter((e) => e.fn === fn && (dev === undefined || e.args["dev"] === dev));
  }
  called(fn: string, dev?: string): boolean {
    return this.calls(fn, dev).length > 0;
  }
  /** Index (among events since the mark) of the first call of `fn` [for `dev`]; -1 if none. */
  indexOf(fn: string, dev?: string): number {
    return this.events().findIndex((e) => e.fn === fn && (dev === undefined || e.args["dev"] === dev));
  }
  /** Log lines printed since the mark. */
  lines(): LogLine[] {
    return this.k.log.slice(this.l);
  }
  /** Log lines since the mark as "level:text". */
  log(): string[] {
    return this.k.log.slice(this.l).map((x) => `${x.level}:${x.text}`);
  }
  levels(): LogLevel[] {
    return this.k.log.slice(this.l).map((x) => x.level);
  }
}

export function mark(k: Kernel): Mark {
  return new Mark(k);
}

// ---- Assertions ---------------------------------------------------------------------------------

/** The return value is this errno name ("0" for success). */
export function isErrno(ret: number, name: string, what: string): void {
  assert.is(errnoName(ret), name, `${what}: expected ${name}, got ${errnoName(ret)}`);
}

/** Identity of a domain for messages. */
export function did(d: Domain | null | undefined): string {
  return d ? d.id : "NULL";
}

/** `dev.hwDomain` is exactly `want`. */
export function hwIs(dev: Device, want: Domain | null, what: string): void {
  assert.ok(dev.hwDomain === want, `${what}: ${dev.id} hardware is on ${did(dev.hwDomain)}, expected ${did(want)}`);
}

/** `g.domain` is exactly `want`. */
export function groupIs(g: Group, want: Domain | null, what: string): void {
  assert.ok(g.domain === want, `${what}: group ${g.id} domain is ${did(g.domain)}, expected ${did(want)}`);
}

/** Run `fn` and require it to throw an error with this class name. */
export function throwsNamed(fn: () => unknown, name: string, what: string): void {
  try {
    fn();
  } catch (e) {
    assert.is((e as Error).name, name, `${what}: threw ${(e as Error).name}: ${(e as Error).message}`);
    return;
  }
  assert.unreachable(`${what}: expected ${name} to be thrown`);
}
