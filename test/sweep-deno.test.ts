/**
 * Sweeps under Deno (the notebooks' second kernel): by default in Deno's own thread; an explicit
 * `workers: 2` runs Deno's node:worker_threads on tools/sweep/worker-main.ts and gives the same
 * rows. Runs the Deno binary of the optional npm package; without it the test says so and
 * checks nothing else.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";

const root = path.resolve(__dirname, "..");
const deno = (require("../scripts/deno-path.cjs") as { denoBinary(): string | null }).denoBinary() ?? "deno";

const script = `
import { runSweep } from "./tools/sweep/index.ts";
const exp = { name: "deno", platform: { generate: { instances: 3, drivers: { "intel-vtd": 1, "arm-smmu": 1 } } }, devices: 300, consumer: ["vfio-type1", "iommufd"], eras: ["mainline-2025", "einval-6.2"] };
const one = await runSweep(exp);
const two = await runSweep(exp, { workers: 2 });
console.log("default: " + one.rows.reduce((n, x) => n + x.devices, 0) + " device outcomes");
console.log("workers 2: " + (JSON.stringify(two.rows) === JSON.stringify(one.rows) ? "same rows" : "different rows"));
`;

test("under Deno: the default runs in one thread, workers: 2 in two threads with the same rows", () => {
  if (!fs.existsSync(deno)) {
    console.log(`  (no Deno binary at ${path.relative(root, deno)}: skipped)`);
    return;
  }
  const r = spawnSync(deno, ["eval", "--quiet", "--ext=ts", script], { cwd: root, encoding: "utf8", env: { ...process.env, DENO_NO_UPDATE_CHECK: "1" } });
  assert.is(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split("\n");
  assert.equal(lines, [
    // Probes and requests of 300 devices, both consumers, two eras.
    "default: 2400 device outcomes",
    "workers 2: same rows",
  ]);
});

test.run();
