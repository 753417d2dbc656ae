/**
 * The compressed engine's counting tables (tools/sweep/compressed.ts probeKeep, requestKeep)
 * outlive a simulated transition that left the shared state as it was, and drop only the
 * entries whose lookup read a set of tuples that changed. No driver of today reads who is
 * behind its instance during a probe, so this reading is injected from outside, into both
 * engines alike: Kernel.call is wrapped so that a probe (iommu_probe_device) or a VFIO request
 * (vfio_iommu_type1_attach_group) iterates k.devices and prints one extra line when a group of
 * two or more devices (another class) is behind the same instance, in its probed state or
 * attached by VFIO. The extra line shows in the transition's log count, so a twin counted
 * with a memo made before such a group came in gives another table than the reference.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { type Group, Kernel } from "../lib/model.ts";
import { makeFleet, resolveExperiment, runCompressed, runReference, sweepCells } from "../tools/sweep/index.ts";

/** One Intel VT-d instance (no pool: a probe or an attach to the container's domain leaves the shared state alone), groups of 1 and (one in 21) 2 devices: the first pair comes in after the singles have a memo in the table. */
function cell(devices: number, seed: number) {
  const exp = resolveExperiment({
    name: "tables",
    platform: { generate: { instances: 1, drivers: { "intel-vtd": 1 }, models: 1, groupSize: { values: [1, 2], weights: [20, 1] } } },
    devices,
    consumer: "vfio-type1",
    eras: ["mainline-2025"],
    seeds: [seed],
  });
  return { exp, cell: sweepCells(exp)[0]!, fleet: makeFleet(exp, seed) };
}

/** Is a group of 2+ devices other than `g` behind g's instance, in the state `state` asks for? */
function pairBehind(k: Kernel, g: Group, state: (other: Group) => boolean): boolean {
  const inst = g.devices[0]!.instance;
  for (const d of k.devices.values()) {
    const o = d.group;
    if (o && o !== g && d.instance === inst && o.devices.length >= 2 && state(o)) return true;
  }
  return false;
}

/** Run `f` with Kernel.call wrapped to print the extra line (see the top). */
function withInjectedReads<T>(f: () => T): T {
  const call = Kernel.prototype.call;
  Kernel.prototype.call = function (this: Kernel, fn, args, body) {
    const g = typeof args.group === "string" ? this.groups.get(args.group) : undefined;
    if (g && fn === "iommu_probe_device" && pairBehind(this, g, () => true)) this.printk("info", null, "a pair is behind this instance");
    if (g && fn === "vfio_iommu_type1_attach_group" && pairBehind(this, g, (o) => o.domain !== null && o.domain !== o.defaultDomain)) this.printk("info", null, "an attached pair is behind this instance");
    return call.call(this, fn, args, body);
  };
  try {
    return f();
  } finally {
    Kernel.prototype.call = call;
  }
}

test("counting tables: twins are counted with memos made before a group of another class came in only while those still fit", () => {
  let compared = 0;
  for (const seed of [1, 2, 3]) {
    const { exp, cell: c, fleet } = cell(400, seed);
    const ref = withInjectedReads(() => runReference(exp, fleet, c));
    for (const verify of [false, true]) {
      const cmp = withInjectedReads(() => runCompressed(exp, fleet, c, { verify }));
      assert.ok(cmp.stats.memoised > 0, "the compressed engine counted twins");
      assert.equal(cmp.rows, ref.rows, `seed ${seed}, verify ${verify}`);
      compared++;
    }
  }
  assert.is(compared, 6);
});

test("the injected reads change the table (the test above can fail)", () => {
  const { exp, cell: c, fleet } = cell(400, 1);
  assert.not.equal(withInjectedReads(() => runReference(exp, fleet, c)).rows, runReference(exp, fleet, c).rows);
});

test.run();
