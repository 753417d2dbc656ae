/**
 * The scenario op table (lib/scenario/ops.ts): each op's "target" text (the run's target column,
 * which `iommu-lab run` prints and --json carries), one sample step per op checked by StepSchema,
 * and each op's description naming the kernel function it models. A new op without a sample here
 * fails the first test.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { OPS, opOf } from "../lib/scenario/ops.ts";
import { StepSchema } from "../lib/scenario/schema.ts";

/** One step per op and the target it must print. */
const SAMPLES: Array<[Record<string, unknown>, string]> = [
  [{ op: "alloc-domain", id: "d0", device: "nic" }, "d0 for nic"],
  [{ op: "free-domain", domain: "d0" }, "d0"],
  [{ op: "attach-device", domain: "d0", device: "nic" }, "d0 -> nic"],
  [{ op: "detach-device", domain: "d0", device: "nic" }, "d0 -> nic"],
  [{ op: "attach-group", domain: "d0", group: "g1" }, "d0 -> g1"],
  [{ op: "detach-group", group: "g1" }, "g1"],
  [{ op: "replace-group", domain: "d0", group: "g1" }, "d0 -> g1"],
  [{ op: "claim-dma-owner", group: "g1", owner: "vfio" }, "g1 by vfio"],
  [{ op: "release-dma-owner", group: "g1" }, "g1"],
  [{ op: "attach-pasid", domain: "d0", device: "nic", pasid: 3 }, "d0 -> nic pasid 3"],
  [{ op: "replace-pasid", domain: "d0", device: "nic", pasid: 3 }, "d0 -> nic pasid 3"],
  [{ op: "detach-pasid", domain: "d0", device: "nic", pasid: 3 }, "d0 -> nic pasid 3"],
  [{ op: "pci-reset-prepare", device: "nic" }, "nic"],
  [{ op: "pci-reset-done", device: "nic" }, "nic"],
  [{ op: "deferred-attach", device: "nic" }, "nic"],
  [{ op: "vfio-attach", container: "c0", group: "g1" }, "g1 -> container c0"],
  [{ op: "vfio-attach", container: "c0", group: "g1", type: "nesting" }, "g1 -> container c0 (nesting)"],
  [{ op: "iommufd-attach", ioas: "io0", device: "nic" }, "nic -> io0"],
  [{ op: "iommufd-unbind", device: "nic" }, "nic"],
];

test("every op has a sample, in the table's order", () => {
  assert.equal([...new Set(SAMPLES.map(([s]) => s.op))], OPS.map((o) => o.name));
});

test("each op's target text", () => {
  for (const [step, want] of SAMPLES) {
    const st = StepSchema.parse(step);
    assert.is(opOf(st.op).target(st), want, String(step.op));
  }
});

test("each op's schema description names the kernel function it models", () => {
  for (const o of OPS) assert.match(o.schema.description ?? "", /^[a-z_0-9]+\(\)[^:]*: \S/, o.name);
});

test.run();
