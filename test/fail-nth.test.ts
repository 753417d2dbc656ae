/**
 * E-33 (basic_fail_nth.* in tools/testing/selftests/iommu/iommufd_fail_nth.c): every preset
 * under hardware/platforms, in every era where its drivers exist, with the n-th allocation
 * failing for n = 1, 2, ... until a run completes; failures surface as the era's documented
 * errno and leave no leaked domain and no half-attached group.
 */
import { drivers } from "../hardware/index.ts";
import * as fs from "node:fs";
import * as path from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { ERA_IDS } from "../lib/eras.ts";
import { failNth } from "../tools/reliability/fail-nth.ts";
import { loadScenario } from "../lib/scenario/load.ts";
import { ScenarioRun } from "../lib/scenario/run.ts";

const dir = path.join(__dirname, "../hardware/platforms");
const presets = fs.readdirSync(dir).filter((f) => f.endsWith(".json")).sort();

for (const f of presets) {
  const s = loadScenario(path.join(dir, f), drivers);
  const eras = ERA_IDS.filter((e) => s.instances.every((i) => drivers.get(i.driver)?.exists.includes(e)));
  test(`basic_fail_nth ${f}: every allocation failure is clean (${eras.join(", ")})`, () => {
    assert.ok(eras.length > 0);
    for (const era of eras) {
      const r = failNth(s, era);
      assert.equal(r.problems, [], `${era}`);
      // One injected run per allocation the clean run makes: the loop reached every one of them.
      const clean = new ScenarioRun(s, { drivers, era });
      const from = clean.k.allocations;
      clean.runAll();
      assert.is(r.runs, clean.k.allocations - from, `${era}: injected runs`);
      assert.ok(r.runs > 0, `${era}: the scenario allocates nothing, so nothing was injected`);
    }
  });
}

test.run();
