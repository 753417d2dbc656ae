/**
 * The compressed engine (equivalence classes, one representative per class, counted many
 * times) must give exactly the table of the reference engine, which runs every device of the
 * fleet through the library. Compared on small fleets of every registered driver (each mixed
 * with a second one), every platform preset, all three consumers, every era the drivers exist
 * in, every variant, one context and several, and several seeds, with the compressed engine's
 * own assumption checks on (`verify`).
 */
import { drivers } from "../hardware/index.ts";
import { driverVariants } from "../lib/model.ts";
import * as fs from "node:fs";
import * as path from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { ERA_IDS, type EraId } from "../lib/eras.ts";
import { Kernel } from "../lib/model.ts";
import { buildPlatform } from "../lib/platform.ts";
import { FleetCache } from "../tools/sweep/cells.ts";
import { countOwnAbove } from "../tools/sweep/compressed.ts";
import { fleetPlatform, groupDevices, makeFleet, resolveExperiment, runCompressed, runReference, sweepCells, SweepLimitError, type Experiment } from "../tools/sweep/index.ts";

function outcome(f: () => unknown): string {
  try {
    return JSON.stringify((f() as { rows: unknown }).rows);
  } catch (e) {
    if (e instanceof SweepLimitError) return `limit: ${e.message}`;
    throw e;
  }
}

/**
 * Every cell of the experiment, both engines; returns the cells that differ. The compressed
 * engine checks its assumptions as it goes (verify) on the first seed; that check recounts
 * every domain after every transition, so the other seeds run without it. One fleet per seed
 * for every cell, as the sweep makes it (FleetCache): both engines only read it.
 */
function compare(exp: Experiment, fleets = new FleetCache(exp)): string[] {
  const bad: string[] = [];
  for (const cell of sweepCells(exp)) {
    const fleet = fleets.get(cell.seed);
    const ref = outcome(() => runReference(exp, fleet, cell));
    const cmp = outcome(() => runCompressed(exp, fleet, cell, { verify: cell.seed === exp.seeds[0] }));
    if (ref !== cmp) bad.push(`${exp.name} ${cell.consumer} ${cell.era} ${cell.variants.join("+") || "baseline"} seed ${cell.seed}:\n  reference  ${ref.slice(0, 600)}\n  compressed ${cmp.slice(0, 600)}`);
  }
  return bad;
}

const eraOf = (ids: string[]): EraId[] => ERA_IDS.filter((e) => ids.every((id) => drivers.list.find((d) => d.id === id)!.exists.includes(e)));

drivers.list.forEach((d, i) => {
  // A partner driver that shares at least one era, so fleets mix drivers (foreign domains, ops checks).
  const partner = drivers.list.slice(i + 1).concat(drivers.list.slice(0, i)).find((p) => eraOf([d.id, p.id]).length > 0)!;
  const eras = eraOf([d.id, partner.id]);
  const variants: string[][] = [[]];
  for (const x of [d, partner]) for (const v of driverVariants(x)) variants.push([`${x.id}:${v}`]);
  for (const contextSize of [0, 3]) {
    test(`${d.id} (+ ${partner.id}), ${contextSize ? `${contextSize} groups per context` : "one context"}: compressed == reference in ${eras.join(", ")}`, () => {
      const exp = resolveExperiment({
        name: `${d.id}+${partner.id}`,
        platform: {
          generate: {
            instances: 4,
            drivers: { [d.id]: 3, [partner.id]: 1 },
            models: 3,
            requireDirect: 0.04,
            attachDeferred: 0.04,
          },
        },
        devices: 70 + 5 * i,
        consumer: ["vfio-type1", "iommufd", "direct"],
        eras,
        variants,
        seeds: contextSize ? [i + 1] : [i + 1, i + 100],
        contextSize,
        limits: { domainsPerContext: 40 },
      });
      assert.equal(compare(exp), []);
    });
  }
});

const presets = fs
  .readdirSync(path.join(__dirname, "../hardware/platforms"))
  .filter((f) => f.endsWith(".json"))
  .map((f) => f.replace(/\.json$/, ""));

for (const preset of presets) {
  test(`preset ${preset}: compressed == reference (3 consumers, every era, listed and shuffled by 2 seeds)`, () => {
    for (const order of ["shuffled", "listed"] as const) {
      const exp = resolveExperiment({ name: preset, platform: { preset, order }, devices: 120, consumer: ["vfio-type1", "iommufd", "direct"], seeds: order === "listed" ? [1] : [2, 3], limits: { domainsPerContext: 60 } });
      assert.equal(compare(exp), []);
    }
  });
}

test("a mid-sized fleet converges: far fewer groups materialised than in the fleet, at most 1 transition in 30 run through the library, same table", () => {
  const exp = resolveExperiment({
    name: "mid",
    platform: { generate: { instances: 6, drivers: { "intel-vtd": 2, "arm-smmu": 1, "rockchip-iommu": 1 } } },
    devices: 3000,
    consumer: ["vfio-type1", "iommufd"],
    eras: ["pre-2022", "mainline-2025"],
    seeds: [5],
  });
  const fleets = new FleetCache(exp);
  assert.equal(compare(exp, fleets), []);
  for (const cell of sweepCells(exp)) {
    const r = runCompressed(exp, fleets.get(cell.seed), cell);
    assert.ok(r.stats.materialised * 5 < r.stats.groups, JSON.stringify(r.stats));
    // Each group makes two transitions (probe, request); a class's first ones are remembered too.
    assert.ok(r.stats.simulated * 30 < 2 * r.stats.groups, JSON.stringify(r.stats));
  }
});

test("a fleet too large for the module's counting tables counts over tables of its own: same rows and stats", () => {
  const exp = resolveExperiment({
    name: "own tables",
    platform: { generate: { instances: 6, drivers: { "intel-vtd": 2, "arm-smmu": 1, "rockchip-iommu": 1 } } },
    devices: 3000,
    consumer: ["vfio-type1", "iommufd", "direct"],
    contextSize: 40,
    eras: ["mainline-2025"],
    seeds: [7],
  });
  const fleets = new FleetCache(exp);
  const shared = sweepCells(exp).map((cell) => runCompressed(exp, fleets.get(cell.seed), cell));
  const was = countOwnAbove(100);
  try {
    sweepCells(exp).forEach((cell, i) => assert.equal(runCompressed(exp, fleets.get(cell.seed), cell, { verify: true }), shared[i]));
  } finally {
    countOwnAbove(was);
  }
});

test("probing group by group (what both engines do) leaves the same kernel as one buildPlatform of the whole fleet", () => {
  for (const era of ["pre-2022", "mainline-2025"] as const) {
    const exp = resolveExperiment({
      name: "probe",
      platform: { generate: { instances: 5, drivers: Object.fromEntries(drivers.list.filter((d) => d.exists.includes(era)).map((d) => [d.id, 1])), attachDeferred: 0.1 } },
      devices: 150,
      consumer: "direct",
      eras: [era],
    });
    const fleet = makeFleet(exp, 3);
    const state = (k: Kernel) => ({
      log: k.log.map((l) => `${l.level}:${l.text}`).sort(),
      groups: [...k.groups.values()].map((g) => `${g.id}:${g.domain?.id}:${g.defaultDomain?.id}:${g.devices.map((x) => x.hwDomain?.id).join(",")}`).sort(),
    });
    const once = new Kernel({ era, drivers, trace: false });
    buildPlatform(once, fleetPlatform(fleet));
    const byGroup = new Kernel({ era, drivers, trace: false });
    buildPlatform(byGroup, { instances: fleet.instances, devices: [] });
    for (let j = 0; j < fleet.classOf.length; j++) buildPlatform(byGroup, { instances: [], devices: groupDevices(fleet, j) });
    assert.equal(state(byGroup), state(once), era);
  }
});

test.run();
