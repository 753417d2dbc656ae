/**
 * The waits users see, for `npm run bench` (scripts/bench.ts), each as a ratio to a baseline
 * measured in the same run (the machine may be shared, so absolute times say little):
 *   cli/node          CPU of `iommu-lab eras` over `node -e 0` (median of 9 runs each)
 *   import/empty-cell a notebook's import cell over an empty cell, in a fresh tslab kernel, for the
 *                     compiled library (dist/lib; tslab cannot compile the sources, whose imports
 *                     name their .ts files)
 *   attach/minimal    one attach + detach through core and driver (trace off) over a hand-written
 *                     function doing the same checks on plain objects
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { domainAlloc, iommuAttachDevice, iommuDetachDevice } from "../lib/index.ts";
import { lab } from "../test/helpers.ts";

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
export function importOverEmptyCell(runs = 3): Ratio[] | null {
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
        (c.importCpuMs !== undefined && c.emptyCpuMs ? `; the kernel's CPU ${c.importCpuMs} ms over ${c.emptyCpuMs} ms (x${(c.importCpuMs / c.emptyCpuMs).toFixed(1)}, 10 ms ticks)` : ""),
    },
  ];
}

// ---- attach + detach against a minimal function ------------------------------------------------

interface MiniDomain {
  instance: number;
  addressWidth: number;
  users: number;
}
interface MiniGroup {
  devices: MiniDevice[];
  domain: MiniDomain;
  defaultDomain: MiniDomain;
}
interface MiniDevice {
  instance: number;
  addressWidth: number;
  group: MiniGroup | null;
}

/** iommu_attach_device's checks, by hand: group, singleton, same domain, same instance, width. */
function miniAttach(domain: MiniDomain, dev: MiniDevice): number {
  const g = dev.group;
  if (!g) return -19;
  if (g.devices.length !== 1) return -22;
  if (g.domain === domain) return 0;
  if (domain.instance !== dev.instance || domain.addressWidth > dev.addressWidth) return -22;
  g.domain.users--;
  g.domain = domain;
  domain.users++;
  return 0;
}

/** iommu_detach_device: only from the group's current domain, back to the default domain. */
function miniDetach(domain: MiniDomain, dev: MiniDevice): void {
  const g = dev.group;
  if (!g || g.domain !== domain || g.devices.length !== 1) return;
  domain.users--;
  g.domain = g.defaultDomain;
  g.defaultDomain.users++;
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
  const { k, dev } = lab("mainline-2025", { instances: [{ id: "dmar0", driver: "intel-vtd" }], devices: [{ id: "d1", instance: "dmar0" }] }, { trace: false });
  const d1 = dev("d1");
  const domain = domainAlloc(k, { dev: d1, type: "unmanaged" });
  if (typeof domain === "number") throw new Error("domain allocation failed");
  const logBefore = k.log.length;
  const lib = perPair(20_000, () => {
    const r = iommuAttachDevice(k, domain, d1);
    iommuDetachDevice(k, domain, d1);
    return r === 0 ? 0 : 1;
  });
  if (k.log.length !== logBefore) throw new Error("the attach loop logged: not the quiet path");

  const def: MiniDomain = { instance: 0, addressWidth: 48, users: 0 };
  const group: MiniGroup = { devices: [], domain: def, defaultDomain: def };
  const md: MiniDevice = { instance: 0, addressWidth: 48, group };
  group.devices.push(md);
  const mdom: MiniDomain = { instance: 0, addressWidth: 48, users: 0 };
  const mini = perPair(1_000_000, () => {
    const r = miniAttach(mdom, md);
    miniDetach(mdom, md);
    return r === 0 ? 0 : 1;
  });
  return { name: "attach/minimal", ratio: lib / mini, detail: `attach + detach ${lib.toFixed(2)} us through core and intel-vtd (mainline-2025, trace off), ${(mini * 1000).toFixed(1)} ns by hand; median of 7` };
}
