/**
 * The matrix is computed by running every check's trip recipe through the core. Every check
 * that exists in some era must have a recipe, and what the model produces must be what the
 * driver's data declares (errno, printk levels, not attached) in every era.
 */
import { drivers } from "../hardware/index.ts";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { cellText, computeMatrix } from "../lib/matrix.ts";

const rows = computeMatrix(drivers);

test("every check that exists in some era has a trip recipe", () => {
  const missing = rows.filter((r) => r.declared && !r.observed && r.note === "no trip recipe").map((r) => `${r.driver} ${r.op} ${r.check}`);
  assert.equal([...new Set(missing)], []);
});

for (const d of drivers.list) {
  test(`${d.id}: observed errno, log levels and attach state match the driver data in every era`, () => {
    const mine = rows.filter((r) => r.driver === d.id && r.declared);
    assert.ok(mine.length > 0);
    const bad = mine.filter((r) => !r.agrees).map((r) => `${r.op} ${r.check} ${r.era}: declared ${cellText(r.declared)}, observed ${cellText(r.observed)} ${r.note ?? ""}`);
    assert.equal(bad, []);
  });
}

test("cells that differ between eras really differ when run (arm-smmu-v3 mismatch)", () => {
  const cell = (era: string) => cellText(rows.find((r) => r.driver === "arm-smmu-v3" && r.check === "smmu-mismatch" && r.era === era)!.observed);
  assert.is(cell("pre-2022"), "ENXIO/err");
  assert.is(cell("emediumtype-2022"), "EMEDIUMTYPE"); // v6: the print deleted
  assert.is(cell("einval-6.2"), "EINVAL/dbg");
  assert.is(cell("mainline-2025"), "EINVAL");
});

test.run();
