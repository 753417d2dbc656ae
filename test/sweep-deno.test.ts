/**
 * Sweeps under Deno (the notebooks' second kernel): worker threads need Node (they load the
 * library through tsx), so an explicit `workers: 2` is refused with the reason and the sweep
 * runs in Deno's own thread. Runs the Deno binary of the optional npm package; without it
 * the test says so and checks nothing else.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";

const root = path.resolve(__dirname, "..");
const deno = path.join(root, "node_modules/@deno/linux-x64-glibc/deno");

const script = `
import { runSweep } from "./lib/sweep/index.ts";
const exp = { name: "deno", platform: { generate: { instances: 3, drivers: { "intel-vtd": 1, "arm-smmu": 1 } } }, devices: 300, consumer: ["vfio-type1", "iommufd"], eras: ["mainline-2025"] };
try {
  await runSweep(exp, { workers: 2 });
  console.log("workers 2: ran");
} catch (e) {
  console.log("workers 2: " + (e as Error).name + ": " + (e as Error).message);
}
const r = await runSweep(exp);
console.log("default: " + r.rows.reduce((n, x) => n + x.devices, 0) + " device outcomes");
`;

test("under Deno: workers > 1 is refused with the reason, the default runs in one thread", () => {
  if (!fs.existsSync(deno)) {
    console.log(`  (no Deno binary at ${path.relative(root, deno)}: skipped)`);
    return;
  }
  const r = spawnSync(deno, ["eval", "--quiet", "--unstable-sloppy-imports", "--ext=ts", script], { cwd: root, encoding: "utf8", env: { ...process.env, DENO_NO_UPDATE_CHECK: "1" } });
  assert.is(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split("\n");
  assert.equal(lines, [
    "workers 2: LabArgumentError: runSweep: workers: 2 needs Node's worker threads; under Deno use workers: 1 (or leave it out)",
    // Probes and requests of 300 devices, both consumers.
    "default: 1200 device outcomes",
  ]);
});

test.run();
