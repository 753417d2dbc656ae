/**
 * The classroom track as a whole (issue #5): the metadata file is valid, exercises/ and
 * solutions/ mirror each other file for file with a test file each, every starter FAILS its
 * checks (for the right reason: a mismatch or its TODO, never a crash of the test) and every
 * solution PASSES. Then the checker itself: its words (no stack traces), its progress file, its
 * hint, its solutions mode, and the notebook form of a check.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { explainFailure, formatFailure, locate } from "../tools/exercises/explain.ts";
import { checkExercise } from "../tools/exercises/notebook.ts";
import { mismatch } from "../tools/exercises/harness.ts";
import { progressBar } from "../tools/exercises/report.ts";
import { runChecks } from "../tools/exercises/runner.ts";
import { committedStarter, PROJECT_ROOT } from "../tools/exercises/target.ts";
import { exerciseFiles, loadTrack, TrackSchema } from "../tools/exercises/track.ts";
import { parseTscOutput } from "../tools/exercises/typecheck.ts";
import { TodoError } from "../tools/exercises/todo.ts";

const track = loadTrack();
const ids = track.exercises.map((e) => e.id);
const tsFiles = (dir: string) =>
  fs
    .readdirSync(path.join(PROJECT_ROOT, dir))
    .filter((f) => f.endsWith(".ts") && !f.startsWith("_"))
    .map((f) => f.replace(/\.test\.ts$|\.ts$/, ""))
    .sort();

test("track.json: valid, at least 12 exercises, numbered in order, prerequisites earlier", () => {
  assert.ok(ids.length >= 12, `only ${ids.length} exercises`);
  assert.equal(ids, [...ids].sort());
  for (const e of track.exercises) {
    assert.ok(e.sources.some((s) => s.kind !== "sources-page"), `${e.id}: cite a commit, Message-ID, series, kernel file or seed, not only the sources page`);
    assert.ok(e.hint.length > 40, `${e.id}: the hint is too short to help`);
  }
});

test("track.json: the schema rejects a bad file with the path of the problem", () => {
  const bad = { title: "t", exercises: [{ ...track.exercises[1]!, prerequisites: ["99-nope"] }] };
  const r = TrackSchema.safeParse(bad);
  assert.not.ok(r.success);
  const paths = r.success ? [] : r.error.issues.map((i) => i.path.join("."));
  assert.ok(paths.includes("exercises.0.id"), `numbering not reported: ${paths.join(", ")}`);
  assert.ok(paths.includes("exercises.0.prerequisites.0"), `unknown prerequisite not reported: ${paths.join(", ")}`);
});

test("exercises/, solutions/ and test/exercises/ mirror the track file for file", () => {
  assert.equal(tsFiles("exercises"), ids, "exercises/*.ts");
  assert.equal(tsFiles("solutions"), ids, "solutions/*.ts");
  assert.equal(tsFiles(path.join("test", "exercises")), ids, "test/exercises/*.test.ts");
  for (const id of ids) for (const f of Object.values(exerciseFiles(id))) assert.ok(fs.existsSync(f), f);
});

/**
 * The starters as committed, not as the student's copy is now: `npm test` stays green in a
 * student's tree after they solve an exercise. Without git (an exported tree), the files as they are.
 */
const starterDir = fs.mkdtempSync(path.join(os.tmpdir(), "iommu-lab-starters-"));
const starterFile = (id: string): string => {
  const file = path.join(starterDir, `${id}.ts`);
  if (!fs.existsSync(file)) {
    const text = committedStarter(id) ?? fs.readFileSync(exerciseFiles(id).exercises, "utf8");
    fs.writeFileSync(file, text.replace(/from "\.\.\//g, `from "${PROJECT_ROOT}/`));
  }
  return file;
};
/** A student folder holding every committed starter (the checker's IOMMU_LAB_EXERCISES). */
const starters = (): string => {
  for (const id of ids) starterFile(id);
  return starterDir;
};
test.after(() => fs.rmSync(starterDir, { recursive: true, force: true }));

test("every starter carries a clearly marked TODO; no solution does", () => {
  for (const id of ids) {
    assert.match(fs.readFileSync(starterFile(id), "utf8"), /TODO/, `${id}: starter without TODO`);
    assert.not.match(fs.readFileSync(exerciseFiles(id).solutions, "utf8"), /TODO/, `${id}: solution with a TODO`);
  }
});

for (const id of ids) {
  test(`${id}: the starter FAILS its checks, for the right reason`, async () => {
    const r = await runChecks(id, "exercises", { file: starterFile(id) });
    assert.is.not(r.status, "passed", `${id}: the starter passes every check - the tests do not test the exercise`);
    assert.is.not(r.status, "load-error", `${id}: the starter does not load: ${r.loadFailure ? formatFailure(r.loadFailure) : ""}`);
    const failed = r.checks.filter((c) => !c.ok);
    assert.ok(failed.length > 0);
    for (const c of failed) assert.ok(c.failure!.kind === "mismatch" || c.failure!.kind === "todo", `${id} / ${c.name}: failed with ${c.failure!.kind}: ${formatFailure(c.failure!)}`);
  });

  test(`${id}: the solution PASSES every check`, async () => {
    const r = await runChecks(id, "solutions");
    const failed = r.checks.filter((c) => !c.ok).map((c) => `${c.name}\n${formatFailure(c.failure!, "  ")}`);
    assert.is(r.status, "passed", `${id}:\n${r.loadFailure ? formatFailure(r.loadFailure) : failed.join("\n")}`);
  });
}

test("failures are words, not stack traces: TODO, a thrown error and a mismatch", () => {
  const ctx = { dir: "exercises" as const, file: "exercises/07-iommufd-auto-domain.ts" };
  const abs = path.join(PROJECT_ROOT, ctx.file);
  const todo = new TodoError("write the loop");
  todo.stack = `TodoError: write the loop\n    at todo (${PROJECT_ROOT}/tools/exercises/todo.ts:16:9)\n    at autoGetDomain (${abs}:42:7)`;
  const f1 = explainFailure(todo, ctx);
  assert.is(f1.kind, "todo");
  assert.is(f1.where, "exercises/07-iommufd-auto-domain.ts:42");
  const boom = new TypeError("Cannot read properties of null (reading 'id')");
  boom.stack = `TypeError: Cannot read properties of null (reading 'id')\n    at x (${abs}:17:3)\n    at y (${PROJECT_ROOT}/lib/core/attach.ts:1:1)`;
  const f2 = explainFailure(boom, ctx);
  assert.is(f2.kind, "threw");
  assert.is(formatFailure(f2), "exercises/07-iommufd-auto-domain.ts:17: your code threw TypeError: Cannot read properties of null (reading 'id')");
  const f3 = formatFailure(explainFailure(mismatch("device b", "-EINVAL, printed nothing", "-EINVAL, printed an error line", "silent"), ctx));
  assert.match(f3, /expected: {2}-EINVAL, printed nothing/);
  assert.match(f3, /your code: -EINVAL, printed an error line/);
  for (const t of [formatFailure(f1), formatFailure(f2), f3]) assert.not.match(t, /\n\s+at /);
  assert.is(locate(undefined, ctx.file), undefined);
});

test("type errors are reported as file:line: message", () => {
  const out = "exercises/01-soft-or-hard.ts(12,5): error TS2322: Type 'string' is not assignable to type 'number'.\n  Type 'string' is not assignable to type 'number'.\nlib/x.ts(1,1): error TS1005: ';' expected.\n";
  const d = parseTscOutput(out);
  assert.equal(d[0], { file: "exercises/01-soft-or-hard.ts", line: 12, message: "Type 'string' is not assignable to type 'number'." });
  assert.is(d.length, 2);
});

test("progress bar", () => {
  assert.is(progressBar(5, 12, 12), "[█████░░░░░░░] 5/12");
  assert.is(progressBar(0, 12, 4), "[░░░░] 0/12");
});

// ---- The checker as a student runs it (child processes, a temporary progress file) ------------

function check(args: string[], progress: string) {
  const r = spawnSync(process.execPath, ["scripts/check.cjs", ...args], {
    cwd: PROJECT_ROOT,
    encoding: "utf8",
    env: { ...process.env, IOMMU_LAB_PROGRESS: progress, IOMMU_LAB_EXERCISES: starters(), NO_COLOR: "1" },
  });
  return { code: r.status, out: r.stdout + r.stderr };
}

test("npm run check: stops at the first unsolved exercise, in words, and saves the progress", () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "iommu-lab-check-"));
  const progress = path.join(tmp, "progress.json");
  try {
    const r = check([], progress);
    assert.is(r.code, 1, `an unsolved track exits 1 (rustlings):\n${r.out}`);
    assert.match(r.out, /✗ 01 /);
    assert.match(r.out, /01-soft-or-hard\.ts:\d+: TODO/);
    assert.match(r.out, new RegExp(`0/${ids.length}`));
    assert.not.match(r.out, /\n\s+at .*\(/, "a stack trace leaked");
    assert.not.match(r.out, /✗ 02 /, "went past the first unsolved exercise");
    const saved = JSON.parse(fs.readFileSync(progress, "utf8")) as { solved: string[]; current: string };
    assert.equal(saved.solved, []);
    assert.is(saved.current, ids[0]);
    const h = check(["--hint"], progress);
    assert.is(h.code, 0);
    assert.ok(h.out.includes(track.exercises[0]!.hint.split(" ").slice(0, 4).join(" ")), h.out);
    assert.match(h.out, /00208852d351/);
    // --list re-checks: a progress file that claims more is not believed.
    fs.writeFileSync(progress, JSON.stringify({ version: 1, solved: ids.slice(0, 3), current: ids[3], updated: "" }));
    const l = check(["--list", "--no-typecheck"], progress);
    assert.match(l.out, /→ 01-soft-or-hard/);
    assert.not.match(l.out, /✓ 01-soft-or-hard/);
    assert.is(l.code, 1);
    const bad = check(["--frobnicate"], progress);
    assert.is(bad.code, 2);
    assert.match(bad.out, /unknown option --frobnicate/);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});

test("npm run check -- --solutions: every reference solution passes (exit 0), progress untouched", () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "iommu-lab-check-"));
  const progress = path.join(tmp, "progress.json");
  try {
    const r = check(["--solutions"], progress);
    assert.is(r.code, 0, r.out);
    assert.match(r.out, new RegExp(`${ids.length}/${ids.length}`));
    assert.not.ok(fs.existsSync(progress), "--solutions wrote the student's progress");
    // `--only N --json --solutions` (one solution, by its number): checkExercise() below runs it.
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});

test("npm run check -- --reset ID restores the committed starter (only with --yes when not asked), nothing else", () => {
  const id = "02-sprd-einval";
  if (committedStarter(id) === null) return; // not a git checkout: nothing to restore from
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "iommu-lab-reset-"));
  const mine = "export const domainHasDeviceRows = {}; // my attempt\n";
  try {
    fs.writeFileSync(path.join(tmp, `${id}.ts`), mine);
    fs.writeFileSync(path.join(tmp, "notes.txt"), "keep me");
    const run = (args: string[]) => {
      const r = spawnSync(process.execPath, ["scripts/check.cjs", ...args], { cwd: PROJECT_ROOT, encoding: "utf8", env: { ...process.env, IOMMU_LAB_EXERCISES: tmp, NO_COLOR: "1" } });
      return { code: r.status, out: r.stdout + r.stderr };
    };
    const refused = run(["--reset", "02"]);
    assert.is(refused.code, 2, refused.out);
    assert.match(refused.out, /add --yes/);
    assert.is(fs.readFileSync(path.join(tmp, `${id}.ts`), "utf8"), mine, "changed without confirmation");
    const done = run(["--reset", "02", "--yes"]);
    assert.is(done.code, 0, done.out);
    const committed = spawnSync("git", ["show", `HEAD:exercises/${id}.ts`], { cwd: PROJECT_ROOT, encoding: "utf8" }).stdout;
    assert.is(fs.readFileSync(path.join(tmp, `${id}.ts`), "utf8"), committed);
    assert.is(fs.readFileSync(path.join(tmp, "notes.txt"), "utf8"), "keep me");
    const kept = /Your version is in (\S+)\./.exec(done.out);
    assert.ok(kept && fs.readFileSync(kept[1]!, "utf8") === mine, `the student's version was not kept: ${done.out}`);
    fs.rmSync(path.dirname(kept![1]!), { recursive: true, force: true });
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});

test("checkExercise() (the notebook form, `npm run check -- --only 02 --json --solutions`) returns the checker's report as text", () => {
  const rep = checkExercise("02", { solutions: true });
  assert.is(rep.id, "02-sprd-einval");
  assert.ok(rep.passed, rep.text);
  assert.match(String(rep), /✓ 02 sprd-iommu/);
  process.env["IOMMU_LAB_EXERCISES"] = starters();
  const starter = checkExercise("02-sprd-einval");
  delete process.env["IOMMU_LAB_EXERCISES"];
  assert.not.ok(starter.passed);
  assert.match(starter.text, /expected: {2}returned -EINVAL, printed nothing/);
});

test.run();
