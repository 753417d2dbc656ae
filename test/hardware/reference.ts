/**
 * Checking a driver against the fact sheet's rows, through the core. Each expectation is
 * written by hand from the reference (section D), never copied from the driver's data:
 *   "ENXIO/err"  errno ENXIO with one dev_err line, device not attached
 *   "EINVAL"     silent EINVAL, not attached
 *   "EINVAL/WARN" EINVAL under WARN_ON (a splat, no other line)
 *   "0!"         returned 0 but the device was NOT attached (fake success)
 *   "-"          the check does not exist in that era
 *   "absent"     the driver does not exist in that era
 */
import { drivers } from "../../hardware/index.ts";
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { CheckStep } from "../../lib/driver.ts";
import type { EraId } from "../../lib/eras.ts";
import { cellText, runTrip, type TripOp } from "../../lib/matrix.ts";
import { lookupRows } from "../../lib/driver.ts";

export type Expect = Partial<Record<EraId, string>>;

function findCheck(driverId: string, op: TripOp, id: string): CheckStep {
  const d = drivers.get(driverId);
  if (!d) throw new Error(`no driver ${driverId}`);
  const steps = op === "pasid" ? d.setDevPasid : [...d.attach, ...(d.staticAttach ?? [])];
  const c = steps.find((s): s is CheckStep => s.kind === "check" && s.id === id);
  if (!c) throw new Error(`${driverId}: no ${op} check "${id}"`);
  return c;
}

/** One uvu test per (check, era): the recipe is played through the core and compared with `want`. */
export function referenceRows(driverId: string, rows: Record<string, Expect>, opts: { op?: TripOp; variants?: string[] } = {}): void {
  const op = opts.op ?? "attach";
  for (const [checkId, eras] of Object.entries(rows)) {
    for (const [era, want] of Object.entries(eras) as Array<[EraId, string]>) {
      const name = `${driverId} ${op === "pasid" ? "set_dev_pasid " : ""}${checkId} in ${era}${opts.variants ? ` [${opts.variants.join(",")}]` : ""}: ${want}`;
      test(name, () => {
        const d = drivers.get(driverId)!;
        if (want === "absent") {
          assert.not.ok(d.exists.includes(era), `${driverId} should not exist in ${era}`);
          return;
        }
        assert.ok(d.exists.includes(era), `${driverId} should exist in ${era}`);
        const c = findCheck(driverId, op, checkId);
        if (want === "-") {
          const v = op === "pasid" && !d.pasidEras.includes(era) ? null : lookupRows(c.rows, era);
          assert.ok(v === null || v === undefined, `check ${checkId} should be absent in ${era}`);
          return;
        }
        assert.ok(c.trip, `check ${checkId} has no trip recipe`);
        const got = runTrip(d, c.trip!, op, era, opts.variants ?? []);
        assert.is(cellText(got), want);
      });
    }
  }
}

export { test };
