/**
 * The sweep engine through its public API (tools/sweep, what notebooks import): the seeded fleet
 * generator is deterministic (same seed, byte-identical fleet and sweep JSON; another seed,
 * another fleet), property choices follow each driver's documented properties, worker threads
 * change nothing in the output, and the example experiments are valid.
 */
import { drivers } from "../hardware/index.ts";
import * as fs from "node:fs";
import * as path from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { ERA_IDS } from "../lib/eras.ts";
import { propDefault } from "../lib/props.ts";
import { runCell } from "../tools/sweep/cells.ts";
import { defaultDist, fleetJson, loadExperiment, makeFleet, resolveExperiment, runReference, runCompressed, runSweep, sweepCells, sweepCsv, SweepLimitError } from "../tools/sweep/index.ts";

const generated = {
  name: "determinism",
  platform: { generate: { instances: 6, drivers: { "intel-vtd": 2, "arm-smmu-v3": 2, "rockchip-iommu": 1 }, requireDirect: 0.05 } },
  devices: 400,
  consumer: ["vfio-type1", "iommufd"],
  eras: ["einval-6.2", "mainline-2025"],
  seeds: [7],
};

test("same seed: byte-identical fleet JSON; another seed: another fleet", () => {
  const exp = resolveExperiment(generated);
  const a = fleetJson(makeFleet(exp, 7));
  assert.is(a, fleetJson(makeFleet(resolveExperiment(generated), 7)));
  assert.is.not(a, fleetJson(makeFleet(exp, 8)));
  const f = JSON.parse(a) as { instances: Array<{ driver: string }>; devices: Array<{ group: string }> };
  assert.is(f.devices.length, 400);
  assert.equal([...new Set(f.instances.map((i) => i.driver))].sort(), ["arm-smmu-v3", "intel-vtd", "rockchip-iommu"]);
  assert.ok(new Set(f.devices.map((d) => d.group)).size < 400, "some groups have several devices");
});

test("same seed: byte-identical sweep JSON and CSV, in-process and on two workers", async () => {
  const one = await runSweep(generated, { workers: 1 });
  const again = await runSweep(generated, { workers: 1 });
  const two = await runSweep(generated, { workers: 2 });
  assert.is(JSON.stringify(one), JSON.stringify(again));
  assert.is(JSON.stringify(two), JSON.stringify(one));
  assert.is(sweepCsv(two.rows), sweepCsv(one.rows));
  const other = await runSweep({ ...generated, seeds: [8] }, { workers: 1 });
  assert.is.not(JSON.stringify(other.rows), JSON.stringify(one.rows.map((r) => ({ ...r, seed: 8 }))));
});

test("rows: every device is counted once per phase, and attach counts add up per cell", async () => {
  const r = await runSweep(generated);
  for (const cell of sweepCells(resolveExperiment(generated))) {
    const rows = r.rows.filter((x) => x.consumer === cell.consumer && x.era === cell.era && x.seed === cell.seed);
    for (const phase of ["probe", "attach"] as const) assert.is(rows.filter((x) => x.phase === phase).reduce((n, x) => n + x.devices, 0), 400, `${cell.era} ${phase}`);
  }
  assert.ok(r.rows.some((x) => x.outcome === "attached-existing"));
  assert.ok(r.rows.every((x) => (x.outcome === "hard-failure" || x.outcome === "soft-failure" ? x.errno !== "" : x.errno === "")));
});

test("default property mixes come from each driver's documented properties (new drivers need no code)", () => {
  for (const d of drivers.list) {
    for (const [name, schema] of [...Object.entries(d.instanceProps), ...Object.entries(d.deviceProps)]) {
      const doc = { name, default: propDefault(schema) };
      const dist = defaultDist(name, schema);
      assert.ok(dist.values.includes(doc.default), `${d.id}.${doc.name} keeps its default`);
      assert.ok(dist.values.every((v) => typeof v === typeof doc.default), `${d.id}.${doc.name} keeps its type`);
      assert.is(dist.weights.length, dist.values.length);
    }
  }
  // For each era, a generated fleet of every registered driver of that era builds and probes.
  for (const era of ERA_IDS) {
    const ids = drivers.list.filter((d) => d.exists.includes(era)).map((d) => d.id);
    const exp = resolveExperiment({ name: "all", platform: { generate: { instances: ids.length, drivers: Object.fromEntries(ids.map((id) => [id, 1])) } }, devices: 200, consumer: "direct", eras: [era] });
    const fleet = makeFleet(exp, 1);
    assert.is(new Set(fleet.instances.map((i) => i.driver)).size, ids.length, era);
    assert.ok(runReference(exp, fleet, sweepCells(exp)[0]!).rows.length > 0, era);
  }
});

test("pinned distributions are honoured", () => {
  const exp = resolveExperiment({
    name: "pinned",
    platform: { generate: { instances: 3, drivers: { "arm-smmu-v3": 1 }, models: 0, deviceProps: { "arm-smmu-v3": { ssidBits: { values: [5, 20], weights: [1, 3] }, canwbs: true } }, instanceProps: { "arm-smmu-v3": { sva: true } } } },
    devices: 2000,
    consumer: "direct",
  });
  const f = JSON.parse(fleetJson(makeFleet(exp, 3))) as { instances: Array<{ props: { sva: boolean } }>; devices: Array<{ props: { ssidBits: number; canwbs: boolean } }> };
  assert.ok(f.instances.every((i) => i.props.sva));
  assert.ok(f.devices.every((d) => d.props.canwbs && (d.props.ssidBits === 5 || d.props.ssidBits === 20)));
  const share = f.devices.filter((d) => d.props.ssidBits === 20).length / f.devices.length;
  assert.ok(share > 0.7 && share < 0.8, `ssidBits 20 share ${share}`);
});

test("singleton-group drivers get one device per group whatever groupSize says", () => {
  const single = drivers.list.filter((d) => d.singletonGroups);
  for (const d of single) {
    const exp = resolveExperiment({ name: "s", platform: { generate: { instances: 2, drivers: { [d.id]: 1 }, groupSize: 4 } }, devices: 50, consumer: "direct" });
    assert.is(makeFleet(exp, 1).classOf.length, 50, d.id);
  }
});

test("the domain-list limit stops both engines the same way", () => {
  // VFIO type1 before v5.19: from v5.19 VFIO and iommufd refuse OMAP devices (no
  // IOMMU_CAP_CACHE_COHERENCY, e8ae0e140c05), so no domain would be allocated at all.
  const exp = resolveExperiment({ name: "omap", platform: { generate: { instances: 2, drivers: { "omap-iommu": 1 } } }, devices: 60, consumer: "vfio-type1", eras: ["pre-2022"], limits: { domainsPerContext: 5 } });
  const cell = sweepCells(exp)[0]!;
  const fleet = makeFleet(exp, 1);
  assert.throws(() => runReference(exp, fleet, cell), (e: unknown) => e instanceof SweepLimitError);
  assert.throws(() => runCompressed(exp, fleet, cell), (e: unknown) => e instanceof SweepLimitError);
  // With one context per group pair it runs, and omap's one-device domains show as new domains.
  const ok = resolveExperiment({ name: "omap", platform: { generate: { instances: 2, drivers: { "omap-iommu": 1 } } }, devices: 60, consumer: "vfio-type1", eras: ["pre-2022"], contextSize: 2 });
  const r = runCompressed(ok, makeFleet(ok, 1), sweepCells(ok)[0]!);
  assert.ok(r.rows.some((x) => x.outcome === "attached-new"));
});

const examples = fs.readdirSync(path.join(__dirname, "../experiments")).filter((f) => f.endsWith(".json"));

test("the example experiments are valid (and there are some)", () => {
  assert.ok(examples.length >= 3);
  for (const f of examples) loadExperiment(path.join(__dirname, "../experiments", f));
});

test("driver code that scans every domain is refused by the compressed engine, with the reason; the reference engine runs it", () => {
  const rk = drivers.list.find((d) => d.id === "rockchip-iommu")!;
  const alloc = rk.allocDomain;
  // What if rk_iommu_domain_alloc() looked at every live domain (k.domains), not at a pool?
  rk.allocDomain = (c) => {
    for (const d of c.k.domains.values()) void d;
    return alloc(c);
  };
  try {
    const exp = resolveExperiment({ name: "scan", platform: { generate: { instances: 2, drivers: { "rockchip-iommu": 1 } } }, devices: 30, consumer: "vfio-type1", eras: ["mainline-2025"] });
    const cell = sweepCells(exp)[0]!;
    const fleet = makeFleet(exp, cell.seed);
    assert.throws(() => runCompressed(exp, fleet, cell), /code under iommu_(paging_)?domain_alloc iterated every domain \(k\.domains\).*reference engine/);
    assert.ok(runReference(exp, fleet, cell).rows.length > 0);
  } finally {
    rk.allocDomain = alloc;
  }
});

test("where grouping does not pay a cell runs device by device, decided from counts (same rows, same choice every run)", () => {
  // Direct attach with one group per context: every request allocates a domain, so no twin can be counted.
  const exp = resolveExperiment({ name: "pays", platform: { preset: "spreadtrum-soc" }, devices: 2000, consumer: ["direct", "vfio-type1"], eras: ["mainline-2025"], contextSize: 1 });
  const fleet = makeFleet(exp, 1);
  const [direct, vfio] = sweepCells(exp);
  const a = runCell(exp, fleet, direct!, "compressed", {});
  assert.is(a.stats.engine, "reference", JSON.stringify(a.stats));
  assert.equal(a.rows, runReference(exp, fleet, direct!).rows);
  assert.equal(runCell(exp, fleet, direct!, "compressed", {}).stats, a.stats);
  // The compressed engine alone runs it too, simulating most transitions: that is what does not pay.
  const alone = runCompressed(exp, fleet, direct!);
  assert.equal(alone.rows, a.rows);
  assert.ok(alone.stats.simulated * 8 > 2 * alone.stats.groups, JSON.stringify(alone.stats));
  // VFIO refuses sprd's groups before any attach from v5.19 on: nothing changes, so grouping pays.
  const b = runCell(exp, fleet, vfio!, "compressed", {});
  assert.is(b.stats.engine, "compressed", JSON.stringify(b.stats));
  assert.ok(b.stats.simulated < 100, JSON.stringify(b.stats));
});

test.run();
