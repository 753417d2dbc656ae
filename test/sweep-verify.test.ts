/**
 * The compressed engine's `verify` must catch a transition that changes another group
 * (assumption 1), whether the change goes through a setter the event stream reports or is a
 * field written directly, and wherever it falls between verify's full checks. The violation is
 * injected from outside: Kernel.call is wrapped so that the n-th __iommu_attach_group (a probe's
 * or a request's) also changes some other probed group; the engine itself is unchanged.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { type Group, Kernel } from "../lib/model.ts";
import { makeFleet, resolveExperiment, runCompressed, sweepCells } from "../tools/sweep/index.ts";

type Effect = (k: Kernel, other: Group) => void;

const effects: Record<string, Effect> = {
  // A field written without a setter (what lib/core writes for wedged/fakeAttach).
  "a device field written directly": (_k, g) => (g.devices[0]!.wedged = !g.devices[0]!.wedged),
  "a device's props changed in place": (_k, g) => ((g.devices[0]!.props as Record<string, unknown>).injected = 1),
  // Through the setter: the event stream names the group.
  "another device's hardware domain (setter)": (k, g) => k.setHwDomain(g.devices[0]!, null),
};

/** A 60-device cell on two instances (Intel VT-d, SMMUv3), VFIO, mainline. */
function smallCell() {
  const exp = resolveExperiment({
    name: "violation",
    platform: { generate: { instances: 2, drivers: { "intel-vtd": 1, "arm-smmu-v3": 1 }, models: 2 } },
    devices: 60,
    consumer: "vfio-type1",
    eras: ["mainline-2025"],
    seeds: [1],
  });
  return { exp, cell: sweepCells(exp)[0]! };
}

/** Run the cell with `effect` applied once, on the n-th __iommu_attach_group that finds another group; the error, or "". */
function runWith(effect: Effect | null, n: number, verify: boolean): string {
  const { exp, cell } = smallCell();
  const call = Kernel.prototype.call;
  let seen = 0;
  let injected = false;
  Kernel.prototype.call = function (this: Kernel, fn, args, body) {
    const ret = call.call(this, fn, args, body);
    if (effect && !injected && fn === "__iommu_attach_group") {
      const other = [...this.groups.values()].find((g) => g.id !== args.group && g.defaultDomain && g.devices[0]!.hwDomain);
      if (other && ++seen === n) {
        injected = true;
        effect(this, other);
      }
    }
    return ret;
  };
  let error = "";
  try {
    runCompressed(exp, makeFleet(exp, cell.seed), cell, { verify });
  } catch (e) {
    error = (e as Error).message;
  } finally {
    Kernel.prototype.call = call;
  }
  return effect && !injected ? `not injected at attach ${n}; ${error}` : error;
}

test("without an injected change, verify passes", () => {
  assert.is(runWith(null, 1, true), "");
});

for (const [name, effect] of Object.entries(effects)) {
  test(`verify throws when a request changes another group: ${name}`, () => {
    // Every position relative to verify's periodic full check (VERIFY_EVERY), and later ones.
    for (const n of [1, 2, 3, 4, 5, 6]) {
      const got = runWith(effect, n, true);
      assert.match(got, /^sweep: compression assumption violated/, `injected at attach ${n}: ${got.slice(0, 300)}`);
    }
    // The throw is verify's: the same run without it goes through (the change goes unseen).
    assert.is(runWith(effect, 3, false), "");
  });
}

test("verify refuses a kernel function that names a domain by an argument the engine does not read", () => {
  // The engine reads domain and hwpt ids only from the arguments domain, old and hwpt (tools/sweep/watch.ts).
  const { exp, cell } = smallCell();
  const call = Kernel.prototype.call;
  Kernel.prototype.call = function (this: Kernel, fn, args, body) {
    if (fn !== "__iommu_attach_group") return call.call(this, fn, args, body);
    const { domain, ...rest } = args;
    return call.call(this, fn, { ...rest, target: domain! }, body);
  };
  const run = (verify: boolean) => {
    try {
      runCompressed(exp, makeFleet(exp, cell.seed), cell, { verify });
      return "";
    } catch (e) {
      return (e as Error).message;
    } finally {
      Kernel.prototype.call = call;
    }
  };
  assert.match(run(true), /^sweep: __iommu_attach_group names \S+ by its argument "target"/);
});

test.run();
