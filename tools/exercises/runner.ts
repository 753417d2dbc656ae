/**
 * Running exercises: load an exercise's test file (test/exercises/NN-*.test.ts), load the code
 * under test from exercises/ or solutions/, run every check in a worker thread with a time limit
 * per check (isolate.ts), and type-check the file with the project's compiler at the same time
 * (a child process). The result says, per
 * check, what failed in plain words.
 */
import * as fs from "fs";
import * as path from "path";
import { ownWorkImported } from "./cheats.ts";
import { explainFailure, type Failure } from "./explain.ts";
import type { CheckContext, ExerciseSpec } from "./harness.ts";
import { CheckWorker, DEFAULT_TIMEOUT_MS, type Phase } from "./isolate.ts";
import { loadFile, PROJECT_ROOT, relativeToRoot, type TargetDir, targetFile } from "./target.ts";
import type { CheckOutcome, ExerciseResult, ExerciseStatus } from "./result.ts";
import { RUNNER_FLAG } from "./runner-flag.ts";
import { typecheck, type TypecheckResult } from "./typecheck.ts";

export type { CheckOutcome, ExerciseResult, ExerciseStatus } from "./result.ts";

/** The test file's spec, loaded without registering anything with uvu. */
export function loadSpec(id: string): ExerciseSpec<unknown> {
  const file = path.join(PROJECT_ROOT, "test", "exercises", `${id}.test.ts`);
  const g = globalThis as Record<string, unknown>;
  const before = g[RUNNER_FLAG];
  g[RUNNER_FLAG] = true;
  try {
    const mod = require(file) as { default?: ExerciseSpec<unknown> };
    if (!mod.default || mod.default.id !== id || !Array.isArray(mod.default.checks)) {
      throw new Error(`internal: ${relativeToRoot(file)} must \`export default defineExercise("${id}", [...])\``);
    }
    return mod.default;
  } finally {
    g[RUNNER_FLAG] = before;
  }
}

export interface RunOptions {
  /** Check this file (absolute path) instead of dir/id.ts: the mutant corpus and the isolation tests. */
  file?: string;
  /** Told before the load and before each check (the worker passes it on for the time limit). */
  onPhase?: (phase: Phase) => void;
  /** Told after each check. */
  onOutcome?: (o: CheckOutcome) => void;
}

/**
 * Run the checks of one exercise in this thread (no type check). The checker calls it inside a
 * worker (tools/exercises/isolate.ts); tests call it directly on code that is known to end.
 */
export async function runChecks(id: string, dir: TargetDir, opts: RunOptions = {}): Promise<Omit<ExerciseResult, "typeErrors">> {
  const t0 = Date.now();
  const abs = opts.file ?? targetFile(id, dir);
  const file = relativeToRoot(abs);
  const ctx: CheckContext = { id, dir, file };
  const spec = loadSpec(id);
  // The reference solutions, the tests and the checker itself are never a student's to import.
  const own = { names: spec.ownWork?.names ?? [], modules: [...(spec.ownWork?.modules ?? []), "solutions/", "test/", "tools/exercises/harness", "tools/exercises/runner"] };
  const cheat = ownWorkImported(fs.readFileSync(abs, "utf8"), own);
  if (cheat) {
    const loadFailure: Failure = { kind: "cheat", message: cheat.message, where: `${file}:${cheat.line}` };
    return { id, dir, file, status: "failed", checks: [], loadFailure, ms: Date.now() - t0 };
  }
  let mod: unknown;
  opts.onPhase?.("load"); // from here on, the student's code runs (its top level first)
  try {
    mod = loadFile<unknown>(abs);
  } catch (e) {
    const f = explainFailure(e, ctx);
    const loadFailure: Failure = f.kind === "threw" ? { ...f, kind: "load", message: `the file could not be loaded: ${f.message}` } : f;
    return { id, dir, file, status: f.kind === "todo" ? "todo" : "load-error", checks: [], loadFailure, ms: Date.now() - t0 };
  }
  const checks: CheckOutcome[] = [];
  for (const [i, c] of spec.checks.entries()) {
    opts.onPhase?.(`check:${i}:${c.name}`);
    let o: CheckOutcome;
    try {
      await c.run(mod, ctx);
      o = { name: c.name, ok: true };
    } catch (e) {
      o = { name: c.name, ok: false, failure: explainFailure(e, ctx) };
    }
    checks.push(o);
    opts.onOutcome?.(o);
  }
  const failed = checks.filter((c) => !c.ok);
  const status: ExerciseStatus = failed.length === 0 ? "passed" : failed.every((c) => c.failure?.kind === "todo") ? "todo" : "failed";
  return { id, dir, file, status, checks, ms: Date.now() - t0 };
}

/** Merge a type check into a run: type errors make the exercise unsolved whatever the checks said. */
export function withTypecheck(r: Omit<ExerciseResult, "typeErrors">, tc: TypecheckResult | null): ExerciseResult {
  const typeErrors = tc ? tc.diagnostics.filter((d) => d.file === r.file) : [];
  // Code that never ended or crashed the worker is the more urgent news: keep that report.
  const stopped = [r.loadFailure, ...r.checks.map((c) => c.failure)].some((f) => f?.kind === "timeout" || f?.kind === "crash");
  return { ...r, typeErrors, status: typeErrors.length && !stopped ? "type-error" : r.status };
}

/**
 * Check exercises in order, type-checking all their files in one compiler run in parallel
 * with the checks. With `stopAtFirstUnsolved`, exercises after the first unsolved one are not run.
 */
export async function checkExercises(ids: readonly string[], dir: TargetDir, opts: { stopAtFirstUnsolved?: boolean; typecheck?: boolean; worker?: CheckWorker; timeoutMs?: number } = {}): Promise<{ results: ExerciseResult[]; typecheckFailure?: string; ms: number }> {
  const t0 = Date.now();
  const worker = opts.worker ?? new CheckWorker();
  worker.warm(); // loads tsx and the library while the compiler starts
  const tcPromise = opts.typecheck === false ? Promise.resolve(null) : typecheck(ids.map((id) => targetFile(id, dir)));
  const runs: Array<Omit<ExerciseResult, "typeErrors">> = [];
  try {
    for (const id of ids) {
      const r = await worker.run({ id, dir }, opts.timeoutMs ?? DEFAULT_TIMEOUT_MS);
      runs.push(r);
      if (opts.stopAtFirstUnsolved && r.status !== "passed") break;
    }
  } finally {
    if (!opts.worker) worker.close();
  }
  const tc = await tcPromise;
  const results: ExerciseResult[] = [];
  for (const r of runs) {
    const merged = withTypecheck(r, tc);
    results.push(merged);
    if (opts.stopAtFirstUnsolved && merged.status !== "passed") break;
  }
  // A type error in an exercise that passed its checks stops the walk there, so later ones may
  // not have been run: that is fine, the walk stops at the first unsolved exercise anyway.
  return { results, ...(tc?.failure ? { typecheckFailure: tc.failure } : {}), ms: Date.now() - t0 };
}
