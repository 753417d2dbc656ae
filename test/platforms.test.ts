/**
 * Every preset in hardware/platforms/ (the folder is listed when the tests run): it loads, and
 * in every era where all its drivers exist it runs twice to the byte-identical result without
 * an exception; in an era where one of its drivers does not exist, runScenario refuses with a
 * LabArgumentError naming that driver and the era.
 */
import { drivers } from "../hardware/index.ts";
import * as fs from "node:fs";
import * as path from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { ERA_IDS, LabArgumentError } from "../lib/index.ts";
import { loadScenario } from "../lib/scenario/load.ts";
import { runScenario } from "../lib/scenario/run.ts";

const DIR = path.join(__dirname, "..", "hardware", "platforms");
const presets = fs
  .readdirSync(DIR)
  .filter((f) => f.endsWith(".json"))
  .sort();

test("hardware/platforms holds at least one preset", () => {
  assert.ok(presets.length > 0);
});

for (const file of presets) {
  const where = path.join(DIR, file);
  test(`${file}: loads and every instance names a registered driver`, () => {
    const s = loadScenario(where, drivers);
    for (const i of s.instances) assert.ok(drivers.get(i.driver), `${file}: driver ${i.driver}`);
  });

  for (const era of ERA_IDS) {
    test(`${file} in ${era}`, () => {
      const s = loadScenario(where, drivers);
      const missing = s.instances.map((i) => drivers.get(i.driver)!).find((d) => !d.exists.includes(era));
      if (!missing) {
        const a = JSON.stringify(runScenario(s, { drivers, era }));
        const b = JSON.stringify(runScenario(s, { drivers, era }));
        assert.is(a, b, `${file} ${era}: two runs differ`);
        return;
      }
      let err: unknown = null;
      try {
        runScenario(s, { drivers, era });
      } catch (e) {
        err = e;
      }
      assert.ok(err instanceof LabArgumentError, `${file} ${era}: expected a LabArgumentError, got ${String(err)}`);
      const msg = (err as Error).message;
      assert.ok(msg.includes(missing.id), `${file} ${era}: message should name ${missing.id}: ${msg}`);
      assert.ok(msg.includes(era), `${file} ${era}: message should name the era: ${msg}`);
    });
  }
}

test.run();
