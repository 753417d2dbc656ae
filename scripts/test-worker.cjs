// A test process of scripts/test.cjs (started with `--require scripts/tsx-cjs.cjs`): it runs the uvu
// test files the parent sends, one at a time, in this one process, and answers each with its counts
// and output. Loading many files under one tsx registration is what makes `npm test` fast. Only
// tsx's CommonJS hook, and only for the project's files, not the packages: its ES module loader
// (`--import tsx`) costs ~0.3 s CPU per process, and the test files are CommonJS (a test that
// needs a module later requires it; `import()` of a .ts file would fail here). Each test tells the
// parent its name as it starts (wrapTests).
"use strict";
const path = require("node:path");
const util = require("node:util");
const { treeCpuMs } = require("./tree-cpu.cjs");

// Before uvu loads: test files then queue their suites instead of running them on a timer.
globalThis.UVU_DEFER = 1;
globalThis.UVU_QUEUE = [];

let captured = "";
for (const s of ["stdout", "stderr"]) {
  process[s].write = (chunk, enc, cb) => {
    captured += typeof chunk === "string" ? chunk : Buffer.from(chunk).toString(typeof enc === "string" ? enc : "utf8");
    if (typeof enc === "function") enc();
    else if (typeof cb === "function") cb();
    return true;
  };
}
/** Errors thrown outside any test (a timer, a rejected promise nobody awaits) fail the current file. */
let stray = [];
process.on("uncaughtException", (e) => stray.push(e));
process.on("unhandledRejection", (e) => stray.push(e));
// If the process ends in the middle of a file (process.exit in a test), its output so far goes to
// the real stderr, where the parent finds it.
process.on("exit", () => {
  if (captured) require("node:fs").writeSync(2, captured);
});

/**
 * Wraps uvu's test() and suite() while a file loads: each test tells the parent its name as it
 * starts (a file stopped at the time limit is then reported with the test it hung in), and with
 * `shards` > 1 only every `shards`-th test of the file registers, from the `shard`-th on, so that
 * one long file runs in several processes. Returns the function that puts uvu back.
 */
function wrapTests(shard, shards) {
  const uvu = require("uvu");
  const orig = { test: uvu.test, suite: uvu.suite };
  let n = 0;
  const wrap = (t, suiteName) =>
    Object.assign((name, fn) => {
      if (n++ % shards !== shard) return undefined;
      const label = suiteName ? `${suiteName} > ${name}` : String(name);
      return t(name, (...args) => {
        process.send({ running: label });
        return fn(...args);
      });
    }, t);
  uvu.test = wrap(orig.test);
  uvu.suite = (...args) => wrap(orig.suite(...args), args[0]);
  return () => Object.assign(uvu, orig);
}

async function runFile(file, shard = 0, shards = 1) {
  const cpu0 = treeCpuMs();
  captured = "";
  stray = [];
  process.exitCode = undefined;
  const queue = [file];
  globalThis.UVU_QUEUE.length = 0;
  globalThis.UVU_QUEUE.push(queue);
  globalThis.UVU_INDEX = 0;
  let total = 0;
  let passed = 0;
  let crashed = null;
  const restore = wrapTests(shard, shards);
  // Loaded afresh even if an earlier file required it (the exercise checker loads the exercise
  // test files as modules): a cached module would not register its tests again.
  const resolved = path.resolve(file);
  delete require.cache[resolved];
  try {
    require(resolved);
  } catch (e) {
    crashed = `crashed on load: ${util.inspect(e)}`;
  } finally {
    restore();
  }
  // uvu's default suite is one object for all files: run it into a discarded queue, so that tests
  // a crashed file registered (or a file that never called test.run()) do not join the next file.
  globalThis.UVU_QUEUE.push([null]);
  globalThis.UVU_INDEX = 1;
  require("uvu").test.run();
  if (!crashed) {
    captured += `${file}\n`;
    for (const suite of queue.slice(1)) {
      const [errs, ran, , max] = await suite();
      total += max;
      passed += ran;
      if (errs !== true) captured += `\n${errs}\n`;
    }
  }
  // Let pending callbacks of this file run (and fail it) before the next file starts.
  await new Promise((r) => setImmediate(r));
  if (stray.length) crashed = `error outside any test: ${stray.map((e) => util.inspect(e)).join("\n")}`;
  else if (!crashed && total === 0 && shards === 1) crashed = "no tests ran (none registered, or test.run() never called)";
  return { file, total, passed, crashed, out: captured, cpuMs: Math.round(treeCpuMs() - cpu0) };
}

process.on("message", (m) => {
  runFile(m.file, m.shard, m.shards).then(
    (r) => process.send(r),
    (e) => process.send({ file: m.file, total: 0, passed: 0, crashed: `runner error: ${util.inspect(e)}`, out: captured }),
  );
});
// No more files: leave even if a test left a timer or a server behind.
process.on("disconnect", () => {
  captured = "";
  process.exit(0);
});
process.send({ ready: true });
