/**
 * Declared reads (CheckStep.reads / EffectStep.reads): every check's trip recipe (lib/matrix.ts)
 * is played in every era of its driver with an observer of the kernel's event stream; a read of
 * kernel state made while a step's condition or effect runs must be one the step declares.
 * A mutant (a declaration removed) must be caught.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { drivers } from "../hardware/index.ts";
import { type DriverModel, readOf, type Step } from "../lib/driver.ts";
import { runTrip, type TripOp } from "../lib/matrix.ts";
import { DriverSet, EraUnavailableError, type KernelObserver } from "../lib/model.ts";

/** The steps of a driver with the op their trip recipes use (a step shared by two lists is played under both). */
function stepLists(d: DriverModel): Array<[TripOp, readonly Step[]]> {
  return [
    ["attach", d.attach],
    ["attach", d.staticAttach ?? []],
    ["pasid", d.setDevPasid],
  ];
}

interface Seen {
  undeclared: string[];
  /** Reads made inside steps, declared or not ("driver/step: read"). */
  reads: Set<string>;
}

/**
 * Play every recipe of `drivers` on copies of them whose steps' conditions and effects are
 * wrapped, so that the observer knows which step is running (new step objects in new drivers in
 * a new DriverSet: step lists are never changed in place, and kernels cache their plans by list).
 */
function playAll(drivers: readonly DriverModel[]): Seen {
  const seen: Seen = { undeclared: [], reads: new Set() };
  let running: { driver: string; step: Step } | null = null;
  const observer: KernelObserver = {
    enter() {},
    exit() {},
    log() {},
    change() {},
    read(what) {
      if (!running) return; // the core's own reads
      const r = readOf(what);
      const name = `${running.driver}/${running.step.id}: ${what}`;
      seen.reads.add(name);
      if (r === null || !running.step.reads?.includes(r)) seen.undeclared.push(`${name} (declared: ${running.step.reads?.join(", ") || "none"})`);
    },
  };
  const wrapStep = (d: DriverModel, s: Step): Step => {
    const inside = <A extends unknown[], R>(f: (...a: A) => R) => (...a: A): R => {
      const saved = running;
      running = { driver: d.id, step: s };
      try {
        return f(...a);
      } finally {
        running = saved;
      }
    };
    return s.kind === "check" ? { ...s, when: inside(s.when) } : { ...s, run: inside(s.run) };
  };
  const wrapped = drivers.map((d): DriverModel => {
    const w = (steps: readonly Step[]) => steps.map((s) => wrapStep(d, s));
    return { ...d, attach: w(d.attach), setDevPasid: w(d.setDevPasid), ...(d.staticAttach ? { staticAttach: w(d.staticAttach) } : {}) };
  });
  const set = new DriverSet(wrapped);
  for (const d of wrapped) {
    for (const [op, steps] of stepLists(d)) {
      for (const s of steps) {
        if (s.kind !== "check" || !s.trip) continue;
        for (const era of d.exists) {
          try {
            runTrip(d, s.trip, op, era, [], set, observer);
          } catch (e) {
            if (!(e instanceof EraUnavailableError)) throw e;
          }
        }
      }
    }
  }
  return seen;
}

test("every read of kernel state a check or effect makes on its trip recipe is declared", () => {
  const seen = playAll(drivers.list);
  assert.equal([...new Set(seen.undeclared)], []);
  // Not vacuous: the recipes reach the reads of users, pools and instance hardware.
  const all = [...seen.reads].join("\n");
  for (const what of ["devicesOn", "domainsFinalisedTo", "domainsBehind"]) assert.ok(all.includes(what), `no step read ${what}:\n${all}`);
});

test("mutant: a declaration removed is caught", () => {
  const omap = drivers.get("omap-iommu")!;
  assert.ok(omap.attach.find((s) => s.id === "domain-attached")?.reads?.includes("users"));
  const mutant: DriverModel = { ...omap, attach: omap.attach.map((s) => (s.id === "domain-attached" ? { ...s, reads: undefined } : s)) };
  const seen = playAll([mutant]);
  assert.ok(seen.undeclared.some((u) => u.startsWith("omap-iommu/domain-attached: devicesOn")), seen.undeclared.join("\n"));
});

test.run();
