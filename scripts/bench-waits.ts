/**
 * The waits users see, for `npm run bench` (scripts/bench.ts), each as a ratio to a baseline
 * measured in the same run (the machine may be shared, so absolute times say little):
 *   cli/node          CPU of `iommu-lab eras` over `node -e 0` (median of 9 runs each)
 *   import/empty-cell a notebook's import cell over an empty cell, in a fresh tslab kernel, for the
 *                     compiled library (dist/lib; tslab cannot compile the sources, whose imports
 *                     name their .ts files); median of 9 kernels (5 left it moving by a third from
 *                     run to run on a shared machine), the kernel's CPU beside the wall time
 *                     (steadier on a shared machine). The patched tslab keeps V8 code caches
 *                     on disk (TypeScript, the project's modules) that the first kernel writes, as
 *                     a user's first kernel does; TSLAB_CODE_CACHE=0 in the environment turns them off
 *   attach/minimal    one attach + detach through core and driver (trace off) over a hand-written
 *                     function doing the same checks (core and intel-vtd, attach and the detach's
 *                     re-attach of the default domain) on plain objects; the library as users run
 *                     it, compiled (dist/: notebooks and the command line load it), not through
 *                     tsx's per-import getters
 *   loader/linear     the scenario loader on 60,000 devices over 4x its time on 15,000: about 1
 *                     while it is linear (test/hostile-input.test.ts only checks the file loads)
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { drivers } from "../hardware/index.ts";
import { parseScenario } from "../lib/scenario/load.ts";

const root = path.resolve(__dirname, "..");

export interface Ratio {
  name: string;
  ratio: number;
  detail: string;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1]!;
}

/** CPU (user + system, µs) of a fresh Node process, from its start to its exit. */
function cpuOf(args: string[]): number {
  const r = spawnSync(process.execPath, ["-r", path.join(__dirname, "cpu-at-exit.cjs"), ...args], { cwd: root, encoding: "utf8" });
  const m = /cpu-us: (\d+)\s*$/.exec(r.stderr);
  if (r.status !== 0 || !m) throw new Error(`${args.join(" ")} failed: ${r.stderr}`);
  return Number(m[1]);
}

/** dist/ as users get it from the set-up (a no-op when current). */
function build(): void {
  const r = spawnSync(process.execPath, [path.join(__dirname, "build.cjs"), "--quiet"], { cwd: root, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`build failed: ${r.stderr}`);
}

export function cliOverNode(): Ratio {
  build();
  const node: number[] = [];
  const cli: number[] = [];
  for (let i = 0; i < 9; i++) {
    node.push(cpuOf(["-e", "0"]));
    cli.push(cpuOf([path.join(root, "bin/iommu-lab.cjs"), "eras"]));
  }
  const n = median(node);
  const c = median(cli);
  return { name: "cli/node", ratio: c / n, detail: `iommu-lab eras ${(c / 1000).toFixed(0)} ms CPU (bundle dist/iommu-lab.cjs), node -e 0 ${(n / 1000).toFixed(0)} ms; median of 9` };
}

/** Runs scripts/bench_notebook.py under Debian's Python with the project's kernelspec; null without Jupyter. */
export function importOverEmptyCell(runs = 9): Ratio[] | null {
  const py = "/usr/bin/python3";
  const spec = path.join(root, ".jupyter/share/jupyter/kernels/tslab/kernel.json");
  if (!fs.existsSync(py) || !fs.existsSync(spec)) return null;
  build();
  const jupyter = path.join(root, ".jupyter");
  const env = {
    ...process.env,
    JUPYTER_PATH: path.join(jupyter, "share/jupyter"),
    JUPYTER_DATA_DIR: path.join(jupyter, "data"),
    JUPYTER_CONFIG_DIR: path.join(jupyter, "config"),
    JUPYTER_RUNTIME_DIR: path.join(jupyter, "runtime"),
    PYDEVD_DISABLE_FILE_VALIDATION: "1",
  };
  const r = spawnSync(py, [path.join(__dirname, "bench_notebook.py"), root, String(runs)], { cwd: root, encoding: "utf8", env });
  if (r.status !== 0) throw new Error(`bench_notebook.py failed: ${r.stderr}`);
  type Cells = { emptyMs: number; importMs: number; emptyCpuMs?: number; importCpuMs?: number; errors: string[] };
  const j = JSON.parse(r.stdout.trim().split("\n").pop()!) as Record<string, Cells>;
  const c = j["dist/lib"]!;
  if (c.errors.length) throw new Error(`the import cell from ../dist/lib failed: ${c.errors.join("\n")}`);
  return [
    {
      name: "import/empty-cell",
      ratio: c.importMs / c.emptyMs,
      detail:
        `notebook 00's import cell from ../dist/lib: ${c.importMs.toFixed(0)} ms, empty cell ${c.emptyMs.toFixed(0)} ms (tslab, fresh kernel, median of ${runs})` +
        (c.importCpuMs !== undefined && c.emptyCpuMs ? `; the kernel's CPU ${c.importCpuMs.toFixed(0)} ms over ${c.emptyCpuMs.toFixed(0)} ms (x${(c.importCpuMs / c.emptyCpuMs).toFixed(1)})` : ""),
    },
  ];
}

// ---- attach + detach against a minimal function ------------------------------------------------

/** An Intel VT-d unit's capabilities as plain fields (the library's instanceProps of hardware/intel-vtd.ts). */
interface MiniUnit {
  scalableMode: boolean;
  firstStage: boolean;
  secondStage: boolean;
  superpage2M: boolean;
  superpage1G: boolean;
  dirtyTracking: boolean;
  nesting: boolean;
  snoopControl: boolean;
  coherent: boolean;
  addressWidth: number;
}
interface MiniDomain {
  owner: string;
  unit: MiniUnit | null;
  blocked: boolean;
  firstStage: boolean;
  addressWidth: number;
  superpage2M: boolean;
  superpage1G: boolean;
  dirtyTracking: boolean;
  nestParent: boolean;
  forceSnooping: boolean;
  iommuCoherency: boolean;
  users: number;
}
interface MiniGroup {
  devices: MiniDevice[];
  domain: MiniDomain;
  defaultDomain: MiniDomain;
  blockingDomain: MiniDomain | null;
  owner: string | null;
  resettingDomain: MiniDomain | null;
}
interface MiniDevice {
  driver: string;
  unit: MiniUnit | null;
  group: MiniGroup | null;
  requireDirect: boolean;
  attachDeferred: boolean;
  hwDomain: MiniDomain | null;
}

/**
 * intel_iommu_attach_device()'s checks in mainline-2025 (paging_domain_compatible(), the
 * library's hardware/intel-vtd.ts rows), by hand.
 */
function miniDriverAttach(d: MiniDomain, dev: MiniDevice): number {
  const u = dev.unit;
  if (!u) return -19;
  if (d.firstStage) {
    if (!u.scalableMode || !u.firstStage) return -22;
    if (d.superpage1G && !u.superpage1G) return -22;
  } else {
    if (d.dirtyTracking && !u.dirtyTracking) return -22;
    if (d.nestParent && !u.nesting) return -22;
    if (!u.secondStage) return -22;
    if ((d.superpage2M && !u.superpage2M) || (d.superpage1G && !u.superpage1G)) return -22;
  }
  if (d.forceSnooping && !u.snoopControl) return -22;
  if (d.iommuCoherency && !u.coherent) return -22;
  if (d.addressWidth > u.addressWidth) return -22;
  return 0;
}

/**
 * The mainline-2025 group walk for a singleton group (__iommu_group_set_domain_internal ->
 * __iommu_device_set_domain -> attach_dev), by hand: same domain, reset window, require_direct,
 * deferred attach, the driver's checks, then hardware and group->domain.
 */
function miniSetDomain(g: MiniGroup, dev: MiniDevice, d: MiniDomain): number {
  if (g.domain === d) return 0;
  if (g.resettingDomain) return -16;
  if (dev.requireDirect && (d.blocked || d === g.blockingDomain)) return -22;
  if (dev.attachDeferred) {
    if (d === g.defaultDomain) return 0;
    dev.attachDeferred = false;
  }
  const ret = miniDriverAttach(d, dev);
  if (ret) return ret;
  if (dev.hwDomain) dev.hwDomain.users--;
  dev.hwDomain = d;
  d.users++;
  g.domain = d;
  return 0;
}

/** iommu_attach_device's checks, by hand: group, singleton, EBUSY, owner, then the group walk. */
function miniAttach(domain: MiniDomain, dev: MiniDevice): number {
  const g = dev.group;
  if (!g) return -19;
  if (g.devices.length !== 1) return -22;
  if (g.domain !== g.defaultDomain && g.domain !== g.blockingDomain) return -16;
  if (!dev.unit || domain.owner !== dev.driver) return -22;
  return miniSetDomain(g, dev, domain);
}

/** iommu_detach_device: only from the group's current domain, back to the core domain (which must succeed). */
function miniDetach(domain: MiniDomain, dev: MiniDevice): void {
  const g = dev.group;
  if (!g || g.domain !== domain || g.devices.length !== 1) return;
  const target = g.owner ? g.blockingDomain : g.defaultDomain;
  if (target && miniSetDomain(g, dev, target)) throw new Error("detach failed");
}

function perPair(n: number, pair: () => number): number {
  let bad = 0;
  for (let i = 0; i < n; i++) bad += pair(); // warm-up: let the JIT compile both paths
  const ts: number[] = [];
  for (let r = 0; r < 7; r++) {
    const t = performance.now();
    for (let i = 0; i < n; i++) bad += pair();
    ts.push(((performance.now() - t) * 1000) / n);
  }
  if (bad) throw new Error("an attach in the loop failed");
  return median(ts);
}

export function attachOverMinimal(): Ratio {
  const root = path.resolve(__dirname, "..");
  const built = spawnSync(process.execPath, [path.join(root, "scripts/build.cjs"), "--quiet"], { stdio: "inherit" });
  if (built.status !== 0) throw new Error("npm run build failed");
  type Lib = typeof import("../lib/index.ts");
  const { Kernel, buildPlatform, domainAlloc, iommuAttachDevice, iommuDetachDevice } = require(path.join(root, "dist/lib/index.js")) as Lib;
  const { drivers } = require(path.join(root, "dist/hardware/index.js")) as typeof import("../hardware/index.ts");
  const k = new Kernel({ era: "mainline-2025", drivers, trace: false });
  buildPlatform(k, { instances: [{ id: "dmar0", driver: "intel-vtd" }], devices: [{ id: "d1", instance: "dmar0" }] });
  const d1 = k.devices.get("d1")!;
  const domain = domainAlloc(k, { dev: d1, type: "unmanaged" });
  if (typeof domain === "number") throw new Error("domain allocation failed");
  const logBefore = k.log.length;
  const lib = perPair(20_000, () => {
    const r = iommuAttachDevice(k, domain, d1);
    iommuDetachDevice(k, domain, d1);
    return r === 0 ? 0 : 1;
  });
  if (k.log.length !== logBefore) throw new Error("the attach loop logged: not the quiet path");

  // The same machine: a unit with intel-vtd's default capabilities, its DMA default domain and
  // an UNMANAGED domain as intel_iommu_domain_alloc_paging() makes them (first stage).
  const unit: MiniUnit = { scalableMode: true, firstStage: true, secondStage: true, superpage2M: true, superpage1G: true, dirtyTracking: false, nesting: false, snoopControl: true, coherent: true, addressWidth: 48 };
  const paging = (): MiniDomain => ({ owner: "intel-vtd", unit, blocked: false, firstStage: true, addressWidth: 48, superpage2M: true, superpage1G: true, dirtyTracking: false, nestParent: false, forceSnooping: false, iommuCoherency: true, users: 0 });
  const def = paging();
  const group: MiniGroup = { devices: [], domain: def, defaultDomain: def, blockingDomain: null, owner: null, resettingDomain: null };
  const md: MiniDevice = { driver: "intel-vtd", unit, group, requireDirect: false, attachDeferred: false, hwDomain: def };
  group.devices.push(md);
  const mdom = paging();
  const mini = perPair(1_000_000, () => {
    const r = miniAttach(mdom, md);
    miniDetach(mdom, md);
    return r === 0 ? 0 : 1;
  });
  return { name: "attach/minimal", ratio: lib / mini, detail: `attach + detach ${lib.toFixed(2)} us through core and intel-vtd (compiled dist/, mainline-2025, trace off), ${(mini * 1000).toFixed(1)} ns by hand; median of 7` };
}

/**
 * A scenario of `n` devices behind one arm-smmu-v3 instance, each with one alloc-domain step:
 * hostile-input's large-file case, and the input of loaderLinear().
 */
export function manyDevicesScenario(n: number): string {
  const devices = Array.from({ length: n }, (_, i) => ({ id: `d${i}`, instance: "s" }));
  const steps = [{ op: "alloc-domain", id: "x", device: "d0", type: "unmanaged" }, ...devices.slice(1).map((d) => ({ op: "alloc-domain", id: `x${d.id}`, device: d.id }))];
  return JSON.stringify({ name: "many", instances: [{ id: "s", driver: "arm-smmu-v3" }], devices, steps });
}

/**
 * loader/linear: parseScenario (lib/scenario/load.ts) of a 60,000-device scenario over four
 * times that of a 15,000-device one, median of 5 each: about 1 while each step finds its device
 * in O(1), about 4 with a search through the devices per step (what the loader once did: over
 * 10 s for 60,000). A test only checks that such a file loads; how fast is measured here.
 */
export function loaderLinear(): Ratio {
  const timeOf = (text: string): number => {
    const ts: number[] = [];
    for (let i = 0; i < 6; i++) {
      const t = performance.now();
      parseScenario(text, drivers);
      if (i > 0) ts.push(performance.now() - t); // the first run warms the JIT
    }
    return median(ts);
  };
  const small = timeOf(manyDevicesScenario(15_000));
  const large = timeOf(manyDevicesScenario(60_000));
  return { name: "loader/linear", ratio: large / (4 * small), detail: `parseScenario: 60,000 devices and steps ${large.toFixed(0)} ms, 15,000 ${small.toFixed(0)} ms (x4 = ${(4 * small).toFixed(0)}); median of 5 after one warm-up` };
}
