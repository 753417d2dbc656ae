/**
 * The command line under Deno (deno.json's task and tools/cli/entry.ts): it answers, loads
 * command modules lazily there too, and passes Deno's own permission message through instead of
 * a bare "cannot read the file"; `deno check` passes without sloppy imports. Runs the Deno binary of the optional npm package; without it
 * the test says so and checks nothing else.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";

const root = path.resolve(__dirname, "..");
const deno = (require("../scripts/deno-path.cjs") as { denoBinary(): string | null }).denoBinary() ?? "deno";
const env = { ...process.env, DENO_NO_UPDATE_CHECK: "1", NO_COLOR: "1" };
const run = (...args: string[]) => spawnSync(deno, args, { cwd: root, encoding: "utf8", env });

test("under Deno: the iommu-lab task runs commands; a file outside the allowed paths gets Deno's message", () => {
  if (!fs.existsSync(deno)) {
    console.log(`  (no Deno binary at ${path.relative(root, deno)}: skipped)`);
    return;
  }
  const pkg = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")) as { version: string };
  const v = run("task", "--quiet", "iommu-lab", "--version");
  assert.is(v.status, 0, v.stderr);
  assert.is(v.stdout, `${pkg.version}\n`);
  const r = run("task", "--quiet", "iommu-lab", "run", "hardware/platforms/arm-server-2x-smmuv3.json", "--variant", "arm-smmu-v3:regression-48e7b8e284e5");
  assert.is(r.status, 0, r.stderr);
  assert.match(r.stdout, /summary: 11 steps/);
  assert.match(r.stderr, /warning: variant arm-smmu-v3:regression-48e7b8e284e5 changes nothing in era einval-6\.2/);
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "iommu-lab-deno-")), "s.json");
  fs.writeFileSync(file, "{}");
  const denied = run("run", "--allow-read=lib,hardware,tools,node_modules,package.json", "--allow-env", "tools/cli/entry.ts", "run", file);
  assert.is(denied.status, 2, denied.stderr);
  assert.is(denied.stderr, `iommu-lab: ${file}: cannot read the file (Requires read access to "${file}", run again with the --allow-read flag)\n`);
});

test("under Deno without sloppy imports: deno check resolves and type-checks the library, the command line and the sweep worker", () => {
  if (!fs.existsSync(deno)) {
    console.log(`  (no Deno binary at ${path.relative(root, deno)}: skipped)`);
    return;
  }
  assert.not.ok("unstable" in (JSON.parse(fs.readFileSync(path.join(root, "deno.json"), "utf8")) as object), "deno.json enables no unstable feature");
  const r = run("check", "--quiet", "lib/index.ts", "tools/cli/entry.ts", "tools/sweep/worker-main.ts");
  assert.is(r.status, 0, r.stderr);
  assert.is(r.stderr, "");
});

test.run();
