/**
 * Differential checks over generated cases: the student's function and the library's reference
 * run side by side on many seeded situations (fast-check), and the smallest case where they
 * differ is reported in kernel terms with the seed, so that the run can be repeated. The checks
 * follow the library: when the model changes, the expected behaviour changes with it.
 *
 * The seed is fixed (deterministic output); IOMMU_LAB_SEED (or `npm run check -- --seed N`)
 * picks another one.
 */
import fc from "fast-check";
import { IommufdCtx, Ioas, iommufdDeviceAttachIoas } from "../../lib/consumers/iommufd.ts";
import { VfioContainer, vfioType1AttachGroup } from "../../lib/consumers/vfio-type1.ts";
import type { CheckStep } from "../../lib/driver.ts";
import { ERA_IDS, type EraId } from "../../lib/eras.ts";
import { formatLine } from "../../lib/log.ts";
import { Kernel } from "../../lib/model.ts";
import { buildPlatform } from "../../lib/platform.ts";
import { expectFields, Mismatch, patchChecks, registeredCheck, registeredDriver } from "./harness.ts";
import { drivers } from "../../hardware/index.ts";
import type { DriverSet } from "../../lib/model.ts";

export const DEFAULT_SEED = 18;

export function checkSeed(): number {
  const v = Number(process.env["IOMMU_LAB_SEED"]);
  return Number.isInteger(v) ? v : DEFAULT_SEED;
}

export interface DifferentialOptions {
  /** Generated cases (default 60: the whole track stays under the checker's time budget). */
  runs?: number;
  why?: string;
}

/**
 * Run `compare` (which throws a Mismatch when the student's code and the library differ) on
 * generated cases; on a difference, shrink to the smallest case and report it as `describe` says.
 * An exception from the student's code is re-thrown as it is (its line is the better news).
 */
export function differential<T>(arb: fc.Arbitrary<T>, compare: (c: T) => void, describe: (c: T) => string, opts: DifferentialOptions = {}): void {
  const seed = checkSeed();
  const runs = opts.runs ?? 60;
  const r = fc.check(fc.property(arb, (c) => compare(c)), { seed, numRuns: runs, endOnFailure: false });
  if (!r.failed || r.counterexample === null) return;
  const [smallest] = r.counterexample;
  try {
    compare(smallest);
  } catch (e) {
    if (!(e instanceof Mismatch)) throw e;
    throw new Mismatch(e.items, e.why ?? opts.why, `the smallest generated case that differs (seed ${seed}; npm run check -- --seed ${seed} repeats it):\n  ${describe(smallest)}`);
  }
  throw new Error(`internal: the generated case ${describe(smallest)} failed once and then passed (does the check depend on state?)`);
}

export { fc };

// ---- Generated fleets for driver-data exercises ------------------------------------------------

interface FleetCase {
  era: EraId;
  consumer: "vfio-type1" | "iommufd";
  /** Per instance: the index of a check whose recipe gives its props (its `inst` or `other`), or null for the defaults. */
  instances: Array<number | null>;
  /** In attach order: the instance, and the recipe whose device props it takes (its `first` or `dev`). */
  devices: Array<{ inst: number; recipe: number | null; asDut: boolean }>;
}

/**
 * Driver rows checked on generated fleets: 1-3 instances of the driver and up to 4 devices, their
 * properties drawn from the checks' own recipes (so that the checks fire) or left at the
 * defaults, attached one by one through VFIO type1 or iommufd in every era where the driver
 * exists; the driver with the student's rows against the registered one, outcome by outcome.
 */
export function compareFleets(driverId: string, checkIds: readonly string[], changes: Readonly<Record<string, Partial<CheckStep>>>, opts: { eras?: readonly EraId[]; variants?: readonly string[]; runs?: number; why?: string } = {}): void {
  const driver = registeredDriver(driverId);
  const eras = (opts.eras ?? ERA_IDS).filter((e) => driver.exists.includes(e));
  const trips = checkIds.map((id) => registeredCheck(driverId, id).trip ?? {});
  const recipe = fc.option(fc.integer({ min: 0, max: trips.length - 1 }), { freq: 3 });
  const arb: fc.Arbitrary<FleetCase> = fc.integer({ min: 1, max: 3 }).chain((n) =>
    fc.record({
      era: fc.constantFrom(...eras),
      consumer: fc.constantFrom<FleetCase["consumer"]>("vfio-type1", "iommufd"),
      instances: fc.array(recipe, { minLength: n, maxLength: n }),
      devices: fc.array(fc.record({ inst: fc.integer({ min: 0, max: n - 1 }), recipe, asDut: fc.boolean() }), { minLength: 1, maxLength: 4 }),
    }),
  );
  const variants = opts.variants ?? [];
  const patched = patchChecks(driverId, changes);
  const run = (c: FleetCase, set: DriverSet): Record<string, string> => {
    const k = new Kernel({ era: c.era, drivers: set, variants, trace: false });
    buildPlatform(k, {
      instances: c.instances.map((r, i) => ({ id: `i${i}`, driver: driverId, props: r === null ? {} : (i > 0 ? trips[r]!.other : undefined) ?? trips[r]!.inst ?? {} })),
      devices: c.devices.map((d, j) => ({ id: `d${j}`, instance: `i${d.inst}`, props: d.recipe === null ? {} : (d.asDut ? trips[d.recipe]!.dev : trips[d.recipe]!.first) ?? {} })),
    });
    const out: Record<string, string> = {};
    const useIommufd = c.consumer === "iommufd" && k.features.iommufd;
    const container = new VfioContainer("c0", "v2");
    const ctx = new IommufdCtx();
    const ioas = new Ioas("ioas0");
    c.devices.forEach((_, j) => {
      const dev = k.devices.get(`d${j}`)!;
      const o = useIommufd ? iommufdDeviceAttachIoas(k, ctx, ioas, dev) : vfioType1AttachGroup(k, container, dev.group!);
      out[`${useIommufd ? "IOMMU_DEVICE_ATTACH" : "VFIO_GROUP_SET_CONTAINER"} of d${j}`] = `${o.outcome} (${o.errno}) on ${o.domain ?? "no domain"}, log: ${o.log.map(formatLine).join(" | ") || "none"}`;
    });
    return out;
  };
  const describe = (c: FleetCase) =>
    `${c.era}${variants.length ? ` [${variants.join(", ")}]` : ""}, ${c.consumer === "iommufd" ? "iommufd" : "VFIO type1"}; ${c.instances.map((r, i) => `${driverId} i${i}${r === null ? "" : ` (as in the recipe of "${checkIds[r]}")`}`).join(", ")}; ` +
    c.devices.map((d, j) => `d${j} behind i${d.inst}${d.recipe === null ? "" : ` (the ${d.asDut ? "device under test" : "first device"} of "${checkIds[d.recipe]}")`}`).join(", ");
  differential(arb, (c) => expectFields(run(c, patched), run(c, drivers), "the fleet", opts.why), describe, { runs: opts.runs ?? 25 });
}
