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

test.run();
