#!/usr/bin/env node
// The project's test command (`npm test [-- NAME]`): strict type check, then every uvu suite under
// test/ (or those whose file name contains NAME). The suites run in one process per core
// (scripts/test-worker.cjs), each loading many files under one tsx registration; files go to
// whichever process is free, the slowest first (times of the last run, in build/test-times.json),
// and the tests of the longest files (SPLIT) are dealt out in shards, which the processes share.
// A file that crashes on load or takes its process down counts as a failure; the output of every
// failing file is shown. It ends with one line "N passed, N failed" (the CI convention); the type
// check counts as one test. Exit 1 on any failure.
"use strict";
const { spawn, spawnSync, fork } = require("node:child_process");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const { treeCpuMs } = require("./tree-cpu.cjs");
const { lastTime, shardCounts } = require("./test-shards.cjs");

const root = path.resolve(__dirname, "..");
process.chdir(root);
if (!fs.existsSync("node_modules")) {
  console.log("node_modules is missing: running npm ci");
  const r = spawnSync("npm", ["ci", "--no-audit", "--no-fund"], { stdio: "inherit" });
  if (r.status !== 0) process.exit(2);
} else if (!fs.existsSync("node_modules/.package-lock.json")) {
  // Not `npm ci` here: it would delete the folder under an install that is still running.
  console.log("node_modules is incomplete (an install still running, or one that stopped): wait for it, or run npm ci");
  process.exit(2);
}

// IOMMU_LAB_TEST_DIR: another folder of suites, without the build and the type check (the runner's own test).
const dir = process.env.IOMMU_LAB_TEST_DIR || "test";
const project = dir === "test";
const TIMES = path.join("build", "test-times.json");
const CPU = path.join("build", "test-cpu.json"); // CPU (ms) per file of the last run, child processes included
/** Which process ran which file when (ms from the start) in the last run: where the processes waited. */
const TIMELINE = path.join("build", "test-timeline.json");
const pattern = process.argv[2]; // optional: a substring of the test file names to run
const files = fs
  .readdirSync(dir, { recursive: true })
  .map((f) => String(f).split(path.sep).join("/"))
  .filter((f) => f.endsWith(".test.ts") && !f.startsWith("fixtures/") && (!pattern || f.includes(pattern)))
  .map((f) => `${dir}/${f}`)
  .sort();

let passed = 0;
let failed = 0;
const color = { ...process.env, FORCE_COLOR: "0", NO_COLOR: "1" };

/**
 * The type check runs beside the suites: it is one more process for its few seconds. Incremental:
 * what it learnt last time (build/typecheck.tsbuildinfo) spares it the files that did not change
 * and do not depend on one that did (a quarter of the CPU when nothing changed); the errors it
 * reports are the same.
 */
function typecheck() {
  return new Promise((resolve) => {
    // One thread (TypeScript 7): the suites keep the cores busy beside it, and its parallel
    // checkers cost twice the CPU for no gain in time here (a full check 4.7 -> 2.2 s CPU).
    const major = Number(JSON.parse(fs.readFileSync("node_modules/typescript/package.json", "utf8")).version.split(".")[0]);
    const args = ["-p", "tsconfig.json", "--noEmit", "--incremental", "--tsBuildInfoFile", path.join("build", "typecheck.tsbuildinfo"), ...(major >= 7 ? ["--singleThreaded"] : [])];
    const p = spawn(process.execPath, ["node_modules/typescript/bin/tsc", ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    p.stdout.on("data", (d) => (out += d));
    p.stderr.on("data", (d) => (out += d));
    p.on("close", (status) => {
      process.stdout.write(out);
      if (status === 0) passed++;
      else failed++;
      console.log(`typecheck: ${status === 0 ? "ok" : "FAILED"}`);
      resolve();
    });
  });
}

function readTimes() {
  try {
    return JSON.parse(fs.readFileSync(TIMES, "utf8"));
  } catch {
    return {};
  }
}

/**
 * Files whose tests are independent of each other and that can take long enough for the whole run
 * to wait on them, with the most shards their tests are dealt into (every k-th test each): the
 * smaller the pieces, the more evenly the processes end. A file is split only as far as the last
 * run's times say it must be (shardCounts in scripts/test-shards.cjs): each shard that runs in
 * another process loads and warms up the file's code again.
 */
const SPLIT = new Map([
  ["test/sweep-equivalence.test.ts", 4],
  ["test/exercises-isolation.test.ts", 2],
  ["test/exercises-track.test.ts", 2],
  ["test/build.test.ts", 2],
]);

/**
 * Longest a file (or shard) may run before its process is stopped and the file counted as failed:
 * a test that hangs must end the run with a failure, not keep CI waiting. Far above any file's
 * time today (under 20 s on 2 cores); IOMMU_LAB_TEST_JOB_LIMIT (seconds) changes it.
 */
const JOB_LIMIT_MS = 1000 * (Number(process.env.IOMMU_LAB_TEST_JOB_LIMIT) || 300);

/** Runs the files on `n` worker processes; resolves with each job's time (ms). */
function suites(n) {
  const last = readTimes();
  const counts = shardCounts(files, SPLIT, last, n);
  const jobs = files.flatMap((file) => {
    const shards = counts.get(file);
    return shards > 1 ? Array.from({ length: shards }, (_, shard) => ({ file, shard, shards })) : [{ file }];
  });
  const key = (j) => (j.shards ? `${j.file}#${j.shard}` : j.file);
  // Unknown times count as long: a new file starts early rather than last. A shard takes its
  // share of its file's time (the last run may have dealt the file's tests otherwise).
  const time = (j) => (lastTime(last, j.file) ?? 1e9) / (j.shards ?? 1);
  const todo = jobs.sort((a, b) => time(b) - time(a) || key(a).localeCompare(key(b)));
  const times = {};
  const cpu = {};
  const timeline = [];
  const t0 = Date.now();
  const report = (r) => {
    const bad = r.crashed || r.passed !== r.total;
    if (bad) process.stdout.write(r.out.endsWith("\n") ? r.out : `${r.out}\n`);
    if (r.crashed) {
      console.log(`${r.file}: ${r.crashed}`);
      failed++;
    } else {
      passed += r.passed;
      failed += r.total - r.passed;
      console.log(`${r.file}: ${r.passed}/${r.total}`);
    }
  };
  let workers = 0;
  const worker = () =>
    new Promise((resolve) => {
      const id = workers++;
      if (!todo.length) return resolve();
      const child = fork(path.join(__dirname, "test-worker.cjs"), [], { execArgv: ["--require", path.join(__dirname, "tsx-cjs.cjs")], env: color, stdio: ["ignore", "pipe", "pipe", "ipc"] });
      let current = null;
      let started = 0;
      let timer = null;
      let timedOut = false;
      let raw = ""; // what the process wrote past the worker's capture (children with inherited stdio, its dying words)
      let running = null; // the test the worker said it started last
      child.stdout.on("data", (d) => (raw += d));
      child.stderr.on("data", (d) => (raw += d));
      const next = () => {
        current = todo.shift() ?? null;
        if (current === null) return child.disconnect();
        raw = "";
        running = null;
        started = Date.now();
        child.send(current);
        timer = setTimeout(() => {
          timedOut = true;
          child.kill("SIGKILL");
        }, JOB_LIMIT_MS);
      };
      const name = (j) => (j.shards ? `${j.file} [tests ${j.shard + 1}/${j.shards}]` : j.file);
      child.on("message", (m) => {
        if (m.running !== undefined) {
          running = m.running;
          return;
        }
        clearTimeout(timer);
        if (!m.ready) {
          times[key(current)] = Date.now() - started;
          cpu[key(current)] = m.cpuMs;
          timeline.push({ process: id, job: key(current), start: started - t0, end: Date.now() - t0, cpuMs: m.cpuMs });
          report({ ...m, file: name(current), out: m.out + raw });
        }
        next();
      });
      child.on("exit", (code, signal) => {
        clearTimeout(timer);
        if (current !== null) {
          // The process died inside this file (or was stopped at the limit): report it, and carry on in a fresh process.
          const where = running === null ? "" : ` in test "${running}"`;
          const why = timedOut ? `it did not finish within ${JOB_LIMIT_MS / 1000} s (a hang?)${where}; its process was stopped` : `its process ended (exit ${code ?? signal})${where} before the file finished`;
          report({ file: name(current), total: 0, passed: 0, crashed: why, out: raw });
          current = null;
          void worker().then(resolve);
        } else resolve();
      });
    });
  return Promise.all(Array.from({ length: Math.max(1, Math.min(n, todo.length)) }, worker)).then(() => ({ times, cpu, timeline }));
}

/** The build, without its own type check (typecheck() does it): resolves with its exit status. */
function build() {
  return new Promise((resolve) => spawn(process.execPath, ["scripts/build.cjs", "--quiet", "--no-check"], { stdio: "inherit" }).on("close", resolve));
}

async function main() {
  const t = Date.now();
  const workers = Math.max(1, os.availableParallelism());
  // The type check (which reads no dist/) starts at once, beside the build when there is one.
  const checked = project ? typecheck() : null;
  // dist/ before the suites (a no-op when current): the command-line tests then run the bundle users run.
  if (project && (await build()) !== 0) {
    await checked;
    process.exit(2);
  }
  const [{ times, cpu, timeline }] = await Promise.all([suites(workers), checked]);
  if (project) {
    // A file that ran whole forgets its shards' times, and one that ran split its own.
    const ran = new Set(Object.keys(times).map((k) => k.replace(/#\d+$/, "")));
    const kept = Object.entries(readTimes()).filter(([k]) => !ran.has(k.replace(/#\d+$/, "")));
    const all = { ...Object.fromEntries(kept), ...times };
    fs.mkdirSync("build", { recursive: true });
    fs.writeFileSync(TIMES, `${JSON.stringify(all, Object.keys(all).sort(), 1)}\n`);
    fs.writeFileSync(CPU, `${JSON.stringify(cpu, Object.keys(cpu).sort(), 1)}\n`);
    fs.writeFileSync(TIMELINE, `${JSON.stringify(timeline, null, 1)}\n`);
  }
  console.log(`${files.length} test files, up to ${workers} processes, ${((Date.now() - t) / 1000).toFixed(1)} s, ${(treeCpuMs() / 1000).toFixed(1)} s CPU`);
  console.log(`${passed} passed, ${failed} failed`);
  process.exitCode = failed ? 1 : 0;
}
main();
