/**
 * The driver x era x condition matrix, computed by running the model: for every check of
 * every driver, in every era the driver exists in, its trip recipe is played through the core
 * and the observed errno, printk levels and attach state are recorded next to what the
 * driver's data declares. `iommu-lab matrix` prints it; tests require the two to agree.
 */
import { __iommuAttachDevice } from "./core/set-domain.ts";
import { iommuAttachDevice } from "./core/attach.ts";
import { domainAlloc, staticDomain } from "./core/domain.ts";
import { iommuAttachDevicePasid } from "./core/pasid.ts";
import { type CheckStep, type DriverModel, lookupRows, type Trip, type Verdict } from "./driver.ts";
import { errnoName } from "./errno.ts";
import { ERA_IDS, type EraId } from "./eras.ts";
import type { LogLevel } from "./log.ts";
import { type Domain, DriverSet, EraUnavailableError, Kernel, type KernelObserver } from "./model.ts";
import { buildPlatform, type DeviceSpec } from "./platform.ts";

export type TripOp = "attach" | "pasid";

/** The PASID a PASID recipe attaches, and the device's max_pasids. */
export const TRIP_PASID = 1;
const TRIP_MAX_PASIDS = 16;

export interface Observed {
  /** "0" or the errno name, or "setup:<errno>" when the recipe's set-up failed. */
  errno: string;
  levels: LogLevel[];
  /** The device under test's hardware ends on the domain (RID or PASID). */
  attached: boolean;
}

/**
 * Play one check's recipe in one era through the core. The kernel runs `driver` in place of its
 * namesake in `drivers` (default: no other driver; a variant of another driver is then unknown);
 * `observer`: a subscriber of the kernel's events, for tests.
 */
export function runTrip(driver: DriverModel, trip: Trip, op: TripOp, era: EraId, variants: readonly string[] = [], drivers?: DriverSet, observer?: KernelObserver): Observed {
  const k = new Kernel({ era, drivers: drivers ? drivers.with(driver) : new DriverSet([driver]), variants, trace: false, ...(observer ? { observer } : {}) });
  const dut: DeviceSpec = { id: "dut", props: trip.dev ?? {}, maxPasids: op === "pasid" ? TRIP_MAX_PASIDS : 0 };
  if (!trip.noIommu) dut.instance = trip.other ? "i1" : "i0";
  buildPlatform(k, {
    instances: [
      { id: "i0", driver: driver.id, props: trip.inst ?? {} },
      ...(trip.other ? [{ id: "i1", driver: driver.id, props: trip.other }] : []),
    ],
    devices: [{ id: "first", instance: "i0", props: trip.first ?? {}, maxPasids: op === "pasid" ? TRIP_MAX_PASIDS : 0 }, dut],
  });
  const first = k.devices.get("first")!;
  const dev = k.devices.get("dut")!;
  const setup = (ret: number): Observed => ({ errno: `setup:${errnoName(ret)}`, levels: [], attached: false });
  // Static identity/blocked domains come from the driver in eras that have them.
  const isStatic = (trip.domainType === "identity" || trip.domainType === "blocked") && k.features.staticCoreDomains;
  const d = isStatic ? staticDomain(k, driver, trip.domainType as "identity" | "blocked") : domainAlloc(k, { dev: first, ...(trip.domainType ? { type: trip.domainType } : {}), props: trip.domain ?? {} });
  if (typeof d === "number") return setup(d);
  const domain: Domain = d;
  if (trip.firstAttach ?? op === "attach") {
    const r = iommuAttachDevice(k, domain, first);
    if (r) return setup(r);
  }
  trip.before?.(k, { domain, first, dut: dev });
  const from = k.log.length;
  let ret: number;
  if (op === "pasid") ret = iommuAttachDevicePasid(k, domain, dev, TRIP_PASID);
  else if (trip.noIommu) ret = __iommuAttachDevice(k, domain, dev, null);
  else ret = iommuAttachDevice(k, domain, dev);
  return {
    errno: errnoName(ret),
    levels: k.log.slice(from).map((l) => l.level),
    attached: op === "pasid" ? dev.hwPasid.get(TRIP_PASID) === domain : dev.hwDomain === domain,
  };
}

/** What a verdict predicts the recipe shows. */
export function expected(v: Verdict): Observed {
  return {
    errno: v.errno === 0 ? "0" : v.errno,
    levels: [...(v.warn ? (["WARN"] as LogLevel[]) : []), ...(v.log ? [v.log.level] : [])],
    attached: false,
  };
}

export function agrees(o: Observed, e: Observed): boolean {
  return o.errno === e.errno && o.attached === e.attached && o.levels.join() === e.levels.join();
}

export interface MatrixRow {
  driver: string;
  op: TripOp;
  check: string;
  kernel: string;
  era: EraId;
  /** null: the check does not exist in this era. */
  declared: Observed | null;
  /** null: no recipe, or the check does not exist in this era. */
  observed: Observed | null;
  agrees: boolean | null;
  note?: string;
  /** Where the check's behaviour comes from (commit, tag, Message-ID or seed; "" when the row has none). */
  source: string;
}

function rowsFor(driver: DriverModel, op: TripOp, check: CheckStep, drivers: DriverSet): MatrixRow[] {
  const out: MatrixRow[] = [];
  for (const era of ERA_IDS) {
    if (!driver.exists.includes(era)) continue;
    // set_dev_pasid rows exist only where the driver has the op.
    const v = op === "pasid" && !driver.pasidEras.includes(era) ? null : (lookupRows(check.rows, era) ?? null);
    let observed: Observed | null = null;
    let note: string | undefined;
    if (v && check.trip) {
      try {
        observed = runTrip(driver, check.trip, op, era, [], drivers);
      } catch (e) {
        if (!(e instanceof EraUnavailableError)) throw e;
        note = e.message;
      }
    } else if (v) note = "no trip recipe";
    const declared = v ? expected(v) : null;
    out.push({
      driver: driver.id,
      op,
      check: check.id,
      kernel: check.kernel,
      era,
      declared,
      observed,
      agrees: declared && observed ? agrees(observed, declared) : null,
      ...(note ? { note } : {}),
      source: check.source ?? "",
    });
  }
  return out;
}

/** The matrix of the drivers given: a DriverSet (hardware/index.ts `drivers`) or some of its drivers. */
export function computeMatrix(drivers: DriverSet | readonly DriverModel[]): MatrixRow[] {
  const set = drivers instanceof DriverSet ? drivers : new DriverSet(drivers);
  const out: MatrixRow[] = [];
  for (const d of set) {
    for (const s of d.attach) if (s.kind === "check") out.push(...rowsFor(d, "attach", s, set));
    for (const s of d.staticAttach ?? []) if (s.kind === "check") out.push(...rowsFor(d, "attach", s, set));
    // set_dev_pasid steps that are shared with attach_dev (e.g. VT-d's paging_domain_compatible) are listed under both.
    for (const s of d.setDevPasid) if (s.kind === "check") out.push(...rowsFor(d, "pasid", s, set));
  }
  return out;
}

/** A cell as text: "EINVAL", "ENXIO/err", "0!" (fake success), "-" (absent). */
export function cellText(o: Observed | null): string {
  if (!o) return "-";
  return `${o.errno}${o.errno === "0" && !o.attached ? "!" : ""}${o.levels.length ? "/" + o.levels.join("+") : ""}`;
}
