#!/usr/bin/env node
// The project's test command (`npm test`): strict type check, then every uvu suite under test/.
// It ends with one line "N passed, N failed" (the CI convention); the type check counts as one test.
"use strict";
const { spawnSync } = require("node:child_process");
const fs = require("node:fs");
const path = require("node:path");

const root = path.resolve(__dirname, "..");
process.chdir(root);
if (!fs.existsSync("node_modules/.package-lock.json")) {
  console.log("node_modules is missing: running npm ci");
  const r = spawnSync("npm", ["ci", "--no-audit", "--no-fund"], { stdio: "inherit" });
  if (r.status !== 0) process.exit(2);
}

let passed = 0;
let failed = 0;

const tsc = spawnSync(process.execPath, ["node_modules/typescript/bin/tsc", "-p", "tsconfig.json", "--noEmit"], { encoding: "utf8" });
process.stdout.write(tsc.stdout + tsc.stderr);
if (tsc.status === 0) {
  console.log("typecheck: ok");
  passed++;
} else {
  console.log("typecheck: FAILED");
  failed++;
}

const pattern = process.argv[2]; // optional: a substring of the test file names to run
const files = fs
  .readdirSync("test", { recursive: true })
  .map(String)
  .filter((f) => f.endsWith(".test.ts") && (!pattern || f.includes(pattern)))
  .sort();
for (const f of files) {
  // One process per file: a file that crashes on load is reported, not silently skipped.
  const r = spawnSync(process.execPath, ["--import", "tsx", "node_modules/uvu/bin.js", "test", `^${f.replace(/[.]/g, "\\.")}$`, "--no-color"], {
    encoding: "utf8",
    env: { ...process.env, FORCE_COLOR: "0" },
  });
  const out = r.stdout + r.stderr;
  const total = /Total:\s+(\d+)/.exec(out);
  const ok = /Passed:\s+(\d+)/.exec(out);
  if (!total || !ok) {
    process.stdout.write(out);
    console.log(`${f}: crashed before reporting (exit ${r.status})`);
    failed++;
    continue;
  }
  const t = Number(total[1]);
  const p = Number(ok[1]);
  passed += p;
  failed += t - p;
  if (t !== p || r.status !== 0) process.stdout.write(out);
  console.log(`${f}: ${p}/${t}`);
  if (r.status !== 0 && t === p) failed++;
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
