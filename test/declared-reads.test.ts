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
 * Play every recipe of `drivers` with every step's condition and effect wrapped (in place,
 * undone at the end) so that the observer knows which step is running.
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
  const undo: Array<() => void> = [];
  const wrapped = new Set<Step>();
  try {
    for (const d of drivers) {
      for (const [, steps] of stepLists(d)) {
        for (const s of steps) {
          if (wrapped.has(s)) continue;
          wrapped.add(s);
          const inside = <A extends unknown[], R>(f: (...a: A) => R) => (...a: A): R => {
            const saved = running;
            running = { driver: d.id, step: s };
            try {
              return f(...a);
            } finally {
              running = saved;
            }
          };
          if (s.kind === "check") {
            const when = s.when;
            s.when = inside(when);
            undo.push(() => (s.when = when));
          } else {
            const run = s.run;
            s.run = inside(run);
            undo.push(() => (s.run = run));
          }
        }
      }
    }
    for (const d of drivers) {
      for (const [op, steps] of stepLists(d)) {
        for (const s of steps) {
          if (s.kind !== "check" || !s.trip) continue;
          for (const era of d.exists) {
            try {
              runTrip(d, s.trip, op, era, [], new DriverSet(drivers), observer);
            } catch (e) {
              if (!(e instanceof EraUnavailableError)) throw e;
            }
          }
        }
      }
    }
  } finally {
    for (const u of undo) u();
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
  const step = omap.attach.find((s) => s.id === "domain-attached")!;
  const reads = step.reads;
  assert.ok(reads?.includes("users"));
  step.reads = undefined;
  try {
    const seen = playAll([omap]);
    assert.ok(seen.undeclared.some((u) => u.startsWith("omap-iommu/domain-attached: devicesOn")), seen.undeclared.join("\n"));
  } finally {
    step.reads = reads;
  }
});

test.run();
