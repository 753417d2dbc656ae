/**
 * With nothing watching (trace off, Kernel.call not wrapped) the core and the drivers skip
 * Kernel.call and run their bodies directly: the same returns, logs and state as with the trace
 * on, for every shipped platform's steps in every era; and a wrapper of `call` (the fuzz
 * harness's mutants, tests) still sees every kernel function.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { ERA_IDS, iommuAttachDevice, iommuDetachDevice, type Ret } from "../lib/index.ts";
import { loadScenario } from "../lib/scenario/load.ts";
import { runScenario } from "../lib/scenario/run.ts";
import { drivers } from "../hardware/index.ts";
import { alloc, singles } from "./helpers.ts";

const platforms = path.join(__dirname, "../hardware/platforms");

test("every platform's steps give the same result with the trace on and off, in every era", () => {
  let runs = 0;
  for (const f of fs.readdirSync(platforms).filter((f) => f.endsWith(".json")).sort()) {
    const s = loadScenario(path.join(platforms, f), drivers);
    for (const era of ERA_IDS) {
      let on: unknown;
      try {
        on = runScenario(s, { drivers, era, trace: true });
      } catch (e) {
        // A driver absent from the era: the same refusal without the trace.
        assert.throws(() => runScenario(s, { drivers, era, trace: false }), (e2: Error) => e2.message === (e as Error).message);
        continue;
      }
      const { trace, ...rest } = on as { trace?: unknown[] };
      assert.ok(trace && trace.length > 0, `${f} ${era}: the traced run recorded nothing`);
      assert.equal(runScenario(s, { drivers, era, trace: false }), rest, `${f} in ${era}`);
      runs++;
    }
  }
  assert.ok(runs >= 30, `only ${runs} platform runs`);
});

test("the trace-off kernel is unwatched; a wrapped call is watched and sees every kernel function", () => {
  const { k, dev } = singles("mainline-2025", "intel-vtd", ["a"], {}, { trace: false });
  assert.is(k.watched, false);
  const d = alloc(k, dev("a"));
  const seen: string[] = [];
  const call = k.call.bind(k);
  k.call = (fn, args, body): Ret => {
    seen.push(fn);
    return call(fn, args, body);
  };
  assert.is(k.watched, true);
  assert.is(iommuAttachDevice(k, d, dev("a")), 0);
  iommuDetachDevice(k, d, dev("a"));
  assert.equal(seen, [
    "iommu_attach_device",
    "__iommu_attach_group",
    "__iommu_group_set_domain_internal",
    "__iommu_device_set_domain",
    "__iommu_attach_device",
    "intel_iommu_attach_device",
    "iommu_detach_device",
    "__iommu_group_set_core_domain",
    "__iommu_group_set_domain_internal",
    "__iommu_device_set_domain",
    "__iommu_attach_device",
    "intel_iommu_attach_device",
  ]);
  assert.is(singles("mainline-2025", "intel-vtd", ["a"]).k.watched, true, "trace on");
});

test.run();
