/**
 * scripts/test.cjs (`npm test`) runs many suites per process: a file that fails, crashes on load,
 * ends its process or throws outside a test must still count as a failure with its output shown,
 * and must not take the other files' results with it; a file that hangs is stopped at a limit.
 * Fixtures: test/fixtures/runner/, test/fixtures/runner-hang/.
 */
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";

const root = path.resolve(__dirname, "..");

function runner(args: string[] = [], dir = "test/fixtures/runner", env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [path.join(root, "scripts/test.cjs"), ...args], {
    cwd: root,
    encoding: "utf8",
    env: { ...process.env, IOMMU_LAB_TEST_DIR: dir, ...env },
    // A runner that waits for ever on a hung file must fail this test, not hang it.
    timeout: 120_000,
  });
  const lines = r.stdout.trimEnd().split("\n");
  return { status: r.status, out: r.stdout, last: lines[lines.length - 1] };
}

test("every kind of failure counts, each with its output, and the passing files still count", () => {
  const r = runner();
  // ok: 2 passed; fail: 1 passed + 1 failed; crash on load, exit, stray error, no test: 1 failure each.
  assert.is(r.last, "3 passed, 5 failed");
  assert.is(r.status, 1);
  for (const marker of ["fixture-marker-want", "fixture-load-crash", "fixture-dying-words", "fixture-stray-error"]) {
    assert.ok(r.out.includes(marker), `the output shows ${marker}`);
  }
  assert.match(r.out, /^test\/fixtures\/runner\/ok\.test\.ts: 2\/2$/m);
  assert.match(r.out, /^test\/fixtures\/runner\/fail\.test\.ts: 1\/2$/m);
  assert.match(r.out, /crash-on-load\.test\.ts: crashed on load/);
  assert.match(r.out, /empty\.test\.ts: no tests ran/);
});

test("the name filter runs only the matching files, and a clean run exits 0", () => {
  const r = runner(["ok"]);
  assert.is(r.last, "2 passed, 0 failed");
  assert.is(r.status, 0);
  assert.not.match(r.out, /fail\.test\.ts/);
});

test("a file that hangs is stopped at the limit, named with the test it hung in, and counted as failed; the other files still count", () => {
  // The limit is waited out in full: 1 s, several times what the worker needs to load the file
  // and start its test (it must have said which test it started).
  const r = runner([], "test/fixtures/runner-hang", { IOMMU_LAB_TEST_JOB_LIMIT: "1" });
  assert.is(r.last, "2 passed, 1 failed");
  assert.is(r.status, 1);
  // The report names the test it hung in (the worker says which test it starts).
  assert.match(r.out, /hang\.test\.ts: it did not finish within 1 s \(a hang\?\) in test "never ends"; its process was stopped/);
  assert.match(r.out, /^test\/fixtures\/runner-hang\/ok\.test\.ts: 2\/2$/m);
});

test("a long file is dealt into shards only as far as the last run's times say: at most its limit, whole without a need", () => {
  const { lastTime, shardCounts } = require("../scripts/test-shards.cjs") as {
    lastTime(last: Record<string, number>, file: string): number | undefined;
    shardCounts(files: string[], split: Map<string, number>, last: Record<string, number>, processes: number): Map<string, number>;
  };
  const split = new Map([["long", 4]]);
  const files = ["long", "a", "b"];
  const counts = (last: Record<string, number>, processes: number) => files.map((f) => shardCounts(files, split, last, processes).get(f));
  // 80 s in all: on 2 processes a share is 40 s, and the 25 s file runs whole (one warm-up of its code).
  assert.equal(counts({ long: 25_000, a: 30_000, b: 25_000 }, 2), [1, 1, 1]);
  // On 4 a share is 20 s: two shards; on 8, 10 s: three.
  assert.equal(counts({ long: 25_000, a: 30_000, b: 25_000 }, 4), [2, 1, 1]);
  assert.equal(counts({ long: 25_000, a: 30_000, b: 25_000 }, 8), [3, 1, 1]);
  // Never more than its limit; one process: no shards.
  assert.equal(counts({ long: 70_000, a: 5_000, b: 5_000 }, 64), [4, 1, 1]);
  assert.equal(counts({ long: 70_000, a: 5_000, b: 5_000 }, 1), [1, 1, 1]);
  // The file alone (npm test -- long): split over the processes.
  assert.equal(shardCounts(["long"], split, { long: 25_000 }, 2).get("long"), 2);
  // A run with a file never timed (a fresh clone, a new file): the limit.
  assert.equal(counts({ long: 25_000, a: 30_000 }, 2), [4, 1, 1]);
  // A file last run in shards is timed by their sum; its own entry, when there, wins.
  assert.is(lastTime({ "long#0": 9_000, "long#1": 6_000, "longer#0": 1 }, "long"), 15_000);
  assert.is(lastTime({ long: 20_000, "long#0": 9_000 }, "long"), 20_000);
  assert.is(lastTime({ a: 1 }, "long"), undefined);
  assert.equal(counts({ "long#0": 12_000, "long#1": 13_000, a: 30_000, b: 25_000 }, 4), [2, 1, 1]);
});

test.run();
