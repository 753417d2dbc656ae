/**
 * The iommu-lab command run in the test's own process, its output caught: the code
 * bin/iommu-lab.cjs runs (the bundle dist/iommu-lab.cjs when it is current, else the sources),
 * without the ~0.2 s of starting a process per call. Tests about the process itself (exit status,
 * streams, a fresh process per run) still spawn bin/iommu-lab.cjs.
 */
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
