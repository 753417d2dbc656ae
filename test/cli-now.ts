/**
 * The iommu-lab command run in the test's own process, its output caught: the code
 * bin/iommu-lab.cjs runs (the bundle dist/iommu-lab.cjs when it is current, else the sources),
 * without the ~0.2 s of starting a process per call. Tests about the process itself (exit status,
 * streams, a fresh process per run) still spawn bin/iommu-lab.cjs.
 */
import { spawnSync } from "node:child_process";
import * as path from "node:path";

const root = path.resolve(__dirname, "..");
type Cli = (argv: string[]) => number;
let loaded: Cli | undefined;

function cliFunction(): Cli {
  if (!loaded) {
    const { isCurrent } = require(path.join(root, "scripts/build.cjs")) as { isCurrent(): boolean };
    const bundle = process.env["IOMMU_LAB_SOURCES"] !== "1" && isCurrent();
    loaded = (require(path.join(root, bundle ? "dist/iommu-lab.cjs" : "tools/cli/main.ts")) as { cli: Cli }).cli;
  }
  return loaded;
}

/**
 * From now on what this process writes to stdout and stderr goes to `out` and `err` instead,
 * until `restore()` (call it in a `finally`).
 */
export function catchOutput(): { out: string; err: string; restore(): void } {
  const streams = [process.stdout, process.stderr] as const;
  const writes = streams.map((s) => s.write);
  const caught = {
    out: "",
    err: "",
    restore: () => streams.forEach((s, i) => (s.write = writes[i]!)),
  };
  streams.forEach((s, i) => {
    s.write = ((chunk: string | Uint8Array) => ((caught[i ? "err" : "out"] += String(chunk)), true)) as typeof s.write;
  });
  return caught;
}

/** `iommu-lab ARGS` in this process (commands other than sweep are synchronous): exit code, stdout, stderr. */
export function cliNow(args: string[], cwd = root): { code: number; out: string; err: string } {
  const cli = cliFunction();
  const caught = catchOutput();
  const dir = process.cwd();
  try {
    process.chdir(cwd);
    const code = cli(args);
    return { code, out: caught.out, err: caught.err };
  } finally {
    process.chdir(dir);
    caught.restore();
  }
}

export interface ChildCall {
  args: string[];
  /** The call's working folder (default: the child's). */
  cwd?: string;
}

/**
 * Several `iommu-lab` calls that are answered at once (refusals: exit 2 before any work) in ONE
 * fresh child process started in `cwd`, each through cliNow(): one process start (~0.15 s CPU)
 * instead of one per call. For what the test's own process must not do: read input that may
 * block (a FIFO: `timeout` stops the child), or start a sweep if a regression accepted the
 * call (the child's folders are the test's temporary ones, and it exits right after the last
 * call, so an accepted sweep never gets to write). Each call is named on the child's stderr
 * before it starts: a child stopped by the timeout says which call it was in. `heapMB` caps the
 * child's heap (V8's old space): a call that does work it should have refused runs out of memory.
 */
export function cliInChild(calls: readonly ChildCall[], opts: { cwd: string; timeout?: number; heapMB?: number }): Array<{ code: number; out: string; err: string }> {
  const script = `const fs = require("node:fs");
const { cliNow } = require(${JSON.stringify(path.join(root, "test/cli-now.ts"))});
const results = JSON.parse(process.argv[1]).map((c, i) => {
  fs.writeSync(2, "call " + i + ": iommu-lab " + c.args.join(" ") + "\\n");
  return cliNow(c.args, c.cwd ?? process.cwd());
});
fs.writeSync(1, JSON.stringify(results));
process.exit(0);`;
  const r = spawnSync(process.execPath, [...(opts.heapMB ? [`--max-old-space-size=${opts.heapMB}`] : []), "--require", path.join(root, "scripts/tsx-cjs.cjs"), "-e", script, JSON.stringify(calls)], { cwd: opts.cwd, encoding: "utf8", timeout: opts.timeout ?? 60_000 });
  if (r.status !== 0) throw new Error(`the child process of ${calls.length} iommu-lab calls ended with ${r.error ?? `exit ${r.status ?? r.signal}`}; its stderr:\n${r.stderr}`);
  return JSON.parse(r.stdout) as Array<{ code: number; out: string; err: string }>;
}
