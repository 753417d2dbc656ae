/**
 * Student code runs in a worker thread, never in the checker's main thread: an endless loop, a
 * promise that never settles, a stack overflow or a throw at load then costs one exercise and a
 * clear line, while the main thread (the progress bar, watch mode's keys) stays responsive.
 *
 * The main thread times every phase (loading the file, then each check) with its own timer; when
 * a phase outlives the limit it terminates the worker (V8 interrupts even a `while (true)`), and
 * the next exercise gets a fresh one. A worker is started ahead of time (`warm`), so that a
 * re-check in watch mode does not pay for loading tsx and the library.
 */
import { Worker } from "worker_threads";
import * as path from "path";
import type { Failure } from "./explain.ts";
import type { CheckOutcome, ExerciseResult } from "./result.ts";
import { PROJECT_ROOT, relativeToRoot, type TargetDir, targetFile } from "./target.ts";

export const DEFAULT_TIMEOUT_MS = 5000;

export interface WorkerRequest {
  id: string;
  dir: TargetDir;
  /** An absolute path to check instead of dir/id.ts (tests, mutants). */
  file?: string;
}

/** "load" (the test spec and the student's file), then "check:N" before check N. */
export type Phase = "load" | `check:${number}:${string}`;

export type WorkerReply =
  | { type: "ready" }
  | { type: "phase"; phase: Phase }
  | { type: "outcome"; outcome: CheckOutcome }
  | { type: "result"; result: Omit<ExerciseResult, "typeErrors"> }
  | { type: "internal"; message: string };

type RunResult = Omit<ExerciseResult, "typeErrors">;

// tsx's CommonJS hook, registered inside the worker before it loads the TypeScript runner; packages
// stay on Node's own loader (scripts/tsx-cjs.cjs: a third less CPU per worker start).
const TSX = `require(${JSON.stringify(path.join(PROJECT_ROOT, "scripts", "tsx-cjs.cjs"))});`;
/**
 * When dist/ is current: the library (lib/, hardware/, tools/) loads from its compiled modules,
 * for the checker's runner, the exercise's checks and the student's imports alike (one copy of each
 * module, as with the sources), while tsx still compiles the checks and the student's file. A module
 * resolved to a source `.ts` that has its `.js` in dist/ is that `.js`: the same code, loaded by Node
 * without tsx's per-file work (about half the worker's start).
 */
const DIST_HOOK = `{
  const Module = require("node:module");
  const fs = require("node:fs");
  const root = ${JSON.stringify(PROJECT_ROOT + path.sep)};
  const dirs = ${JSON.stringify(["lib", "hardware", "tools"].map((d) => PROJECT_ROOT + path.sep + d + path.sep))};
  const dist = ${JSON.stringify(path.join(PROJECT_ROOT, "dist") + path.sep)};
  const resolve = Module._resolveFilename;
  Module._resolveFilename = function (...args) {
    const f = resolve.apply(this, args);
    if (!f.endsWith(".ts") || !dirs.some((d) => f.startsWith(d))) return f;
    const js = dist + f.slice(root.length, -3) + ".js";
    return fs.existsSync(js) ? js : f;
  };
}`;

/** Whether the worker may load the library from dist/ (IOMMU_LAB_SOURCES=1: the sources). */
function distCurrent(): boolean {
  if (process.env["IOMMU_LAB_SOURCES"] === "1") return false;
  const { isCurrent } = require(path.join(PROJECT_ROOT, "scripts", "build.cjs")) as { isCurrent(): boolean };
  return isCurrent();
}

const boot = (dist: boolean) => `${TSX}\n${dist ? DIST_HOOK : ""}\nrequire(${JSON.stringify(path.join(__dirname, "worker.ts"))});`;

export function timeoutMessage(ms: number): string {
  return `your code did not finish within ${+(ms / 1000).toFixed(1)} s (an endless loop?)`;
}

/** One worker thread, started on demand and replaced after it had to be stopped. */
export class CheckWorker {
  private w: Worker | null = null;
  private ready: Promise<void> | null = null;

  /**
   * Start the worker now (and load the library, and the checks of `preload`), so that the next
   * run starts at once.
   */
  warm(preload: readonly string[] = []): void {
    if (this.w) return;
    const w = new Worker(boot(distCurrent()), { eval: true, stdout: false, stderr: false, workerData: { preload }, resourceLimits: { maxOldGenerationSizeMb: 1024 } });
    w.unref(); // an idle worker never keeps the checker alive
    this.w = w;
    this.ready = new Promise<void>((resolve, reject) => {
      const onMsg = (m: WorkerReply) => {
        if (m.type !== "ready") return;
        w.off("message", onMsg);
        w.off("error", onErr);
        resolve();
      };
      const onErr = (e: Error) => reject(e);
      w.on("message", onMsg);
      w.once("error", onErr);
    });
    this.ready.catch(() => undefined);
  }

  /** Stop the worker (a later run starts a new one). */
  close(): void {
    const w = this.w;
    this.w = null;
    this.ready = null;
    if (w) void w.terminate();
  }

  /**
   * Run one exercise's checks in the worker. Never rejects for anything the student's code does:
   * a phase that outlives `timeoutMs`, an uncaught error or an exit of the worker become a failure.
   */
  async run(req: WorkerRequest, timeoutMs: number = DEFAULT_TIMEOUT_MS): Promise<RunResult> {
    const t0 = Date.now();
    this.warm();
    const w = this.w!;
    try {
      await this.ready;
    } catch (e) {
      this.close();
      throw new Error(`internal: the checker's worker did not start: ${e instanceof Error ? e.message : String(e)}`);
    }
    const file = relativeToRoot(req.file ?? targetFile(req.id, req.dir));
    const checks: CheckOutcome[] = [];
    let phase: Phase = "load";
    return new Promise<RunResult>((resolve, reject) => {
      let timer: NodeJS.Timeout | null = null;
      const finish = (r: RunResult | Error, stop: boolean) => {
        if (timer) clearTimeout(timer);
        w.off("message", onMessage);
        w.off("error", onError);
        w.off("exit", onExit);
        if (stop) this.close();
        if (r instanceof Error) reject(r);
        else resolve(r);
      };
      // What the student's code did wrong, at the check (or the load) it happened in.
      const failAt = (f: Failure): RunResult => {
        const base = { id: req.id, dir: req.dir, file, ms: Date.now() - t0 };
        if (phase === "load") return { ...base, status: "load-error", checks: [], loadFailure: f };
        const name = phase.slice(phase.indexOf(":", 6) + 1);
        return { ...base, status: "failed", checks: [...checks, { name, ok: false, failure: f }] };
      };
      const arm = (ms: number) => {
        if (timer) clearTimeout(timer);
        timer = setTimeout(() => finish(failAt({ kind: "timeout", message: timeoutMessage(timeoutMs), where: file }), true), ms);
      };
      const onMessage = (m: WorkerReply) => {
        if (m.type === "phase") {
          phase = m.phase;
          arm(timeoutMs);
        } else if (m.type === "outcome") checks.push(m.outcome);
        else if (m.type === "result") finish(m.result, false);
        else if (m.type === "internal") finish(new Error(m.message), true);
      };
      const onError = (e: Error) => {
        const oom = (e as NodeJS.ErrnoException).code === "ERR_WORKER_OUT_OF_MEMORY";
        const message = oom ? "your code ran out of memory (a list that grows without end?)" : `your code threw ${e.name}: ${e.message} outside the call the check made (in a timer or a callback)`;
        finish(failAt({ kind: "crash", message, where: file }), true);
      };
      const onExit = (code: number) => finish(failAt({ kind: "crash", message: `your code stopped the checker's worker (exit ${code}; process.exit?)`, where: file }), true);
      w.on("message", onMessage);
      w.on("error", onError);
      w.on("exit", onExit);
      // Until the first phase the worker loads the exercise's checks (the kit's code, not the
      // student's): a looser limit, so that a loaded machine does not pass for an endless loop.
      arm(Math.max(timeoutMs, 30_000));
      w.postMessage(req);
    });
  }
}
