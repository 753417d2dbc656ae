/**
 * What the exercise tests (test/exercises/NN-*.test.ts) are written with.
 *
 * A test file calls `defineExercise(id, checks)`. Each check receives the module under test (the
 * student's file from exercises/ or the reference from solutions/) and runs it against the real
 * library. A check that finds a difference throws a `Mismatch` that says, in plain words, what
 * was expected and what the code did (errno names, log lines, attach state).
 *
 * The same file works two ways:
 * - under uvu (`node scripts/test.cjs`), it registers one uvu test per check against the folder
 *   named by EXERCISES_DIR (default solutions/);
 * - under the checker (`npm run check`), it only returns the checks; the checker runs them.
 */
import { isDeepStrictEqual } from "util";
import { drivers } from "../../hardware/index.ts";
import type { CheckStep, DriverModel, Step } from "../../lib/driver.ts";
import type { DriverSet } from "../../lib/model.ts";
import { ERA_IDS, type EraId } from "../../lib/eras.ts";
import { errnoName } from "../../lib/errno.ts";
import { formatLine, type LogLine } from "../../lib/log.ts";
import { runTrip, type Observed, type TripOp } from "../../lib/matrix.ts";
import { explainFailure, formatFailure } from "./explain.ts";
import { RUNNER_FLAG } from "./runner-flag.ts";
import { loadTarget, relativeToRoot, type TargetDir, targetDirFromEnv, targetFile } from "./target.ts";

export interface CheckContext {
  id: string;
  dir: TargetDir;
  /** The file under test, relative to the project ("exercises/07-....ts"). */
  file: string;
}

export interface Check<M> {
  /** What the check verifies, in the student's words ("a foreign SMMU is skipped silently"). */
  name: string;
  run(m: M, ctx: CheckContext): void | Promise<void>;
}

/**
 * What the student is asked to write, so the file may not take it from the library: `names` are
 * library exports it may not import (the function the exercise rebuilds), `modules` are import
 * paths it may not use at all (e.g. "hardware/" for the driver rows it is asked to write).
 */
export interface OwnWork {
  names?: readonly string[];
  modules?: readonly string[];
}

/** Driver-data exercises write rows the registered drivers already hold: the driver files are off limits. */
export const DRIVER_DATA: OwnWork = { modules: ["hardware/"] };

export interface ExerciseSpec<M = unknown> {
  id: string;
  checks: ReadonlyArray<Check<M>>;
  ownWork?: OwnWork;
  /**
   * Library-only work that makes the first check fast (e.g. loading Vega), run by a watch-mode
   * worker before the student saves. Never runs student code.
   */
  prepare?: () => Promise<unknown>;
}

export function defineExercise<M>(id: string, checks: Array<Check<M>>, ownWork?: OwnWork, prepare?: () => Promise<unknown>): ExerciseSpec<M> {
  const spec: ExerciseSpec<M> = { id, checks, ...(ownWork ? { ownWork } : {}), ...(prepare ? { prepare } : {}) };
  const g = globalThis as Record<string, unknown>;
  if (g["UVU_DEFER"] && !g[RUNNER_FLAG]) registerWithUvu(spec);
  return spec;
}

function registerWithUvu<M>(spec: ExerciseSpec<M>): void {
  // Loaded only under uvu's runner: the checker never touches uvu.
  const { suite } = require("uvu") as typeof import("uvu");
  const dir = targetDirFromEnv();
  const ctx: CheckContext = { id: spec.id, dir, file: relativeToRoot(targetFile(spec.id, dir)) };
  const s = suite(`${spec.id} (${dir}/)`);
  for (const c of spec.checks) {
    s(c.name, async () => {
      try {
        await c.run(loadTarget<M>(spec.id, dir), ctx);
      } catch (e) {
        const err = new Error(formatFailure(explainFailure(e, ctx)));
        err.stack = ""; // the message says it all; a stack into the harness would only distract
        throw err;
      }
    });
  }
  s.run();
}

// ---- Differences, in plain words -----------------------------------------------------------

export interface MismatchItem {
  what: string;
  expected: string;
  got: string;
}

/** A difference between what the exercise asks for and what the code did. */
export class Mismatch extends Error {
  readonly items: MismatchItem[];
  /** One sentence explaining why the expected behaviour is the right one. */
  readonly why: string | undefined;
  /** The situation it happened in, when the check generated it (with the seed to repeat it). */
  readonly context: string | undefined;
  constructor(items: MismatchItem[], why?: string, context?: string) {
    super(items.map((i) => `${i.what}: expected ${i.expected}, got ${i.got}`).join("; "));
    this.name = "Mismatch";
    this.items = items;
    this.why = why;
    this.context = context;
  }
}

export function mismatch(what: string, expected: string, got: string, why?: string): Mismatch {
  return new Mismatch([{ what, expected, got }], why);
}

/** A value as a student reads it: strings bare, the rest as JSON. */
export function show(v: unknown): string {
  if (typeof v === "string") return v;
  if (v === undefined) return "nothing (undefined)";
  if (v === null) return "none (null)";
  if (Array.isArray(v) && v.every((x) => typeof x === "string")) return v.length ? v.map((x) => `"${x}"`).join(", ") : "none";
  try {
    return JSON.stringify(v);
  } catch {
    return String(v);
  }
}

export function expectSame<T>(got: T, want: T, what: string, opts: { show?: (v: T) => string; why?: string } = {}): void {
  if (isDeepStrictEqual(got, want)) return;
  const s = opts.show ?? show;
  throw mismatch(what, s(want), s(got), opts.why);
}

/**
 * Compare two records field by field and report every field that differs (both records are
 * summaries the test builds from kernel state: errno names, domain names, counts, log lines).
 */
export function expectFields(got: Record<string, unknown>, want: Record<string, unknown>, what: string, why?: string): void {
  const items: MismatchItem[] = [];
  for (const key of Object.keys(want)) {
    if (!isDeepStrictEqual(got[key], want[key])) items.push({ what: `${what} - ${key}`, expected: show(want[key]), got: show(got[key]) });
  }
  if (items.length) throw new Mismatch(items, why);
}

/** "0 (success)" or "-EINVAL". */
export function retText(ret: number): string {
  return ret === 0 ? "0 (success)" : `-${errnoName(ret)}`;
}

const LEVEL_WORDS: Record<string, string> = {
  err: "an error line (dev_err/pr_err)",
  warn: "a warning line (dev_warn)",
  info: "an info line (dev_info)",
  dbg: "a debug line (dev_dbg, hidden unless dynamic debug is on)",
  WARN: "a WARN_ON splat",
};

/** What one attach did, as the matrix recipes observe it. */
export function observedText(o: TripObserved | null): string {
  if (o === null) return "nothing: the driver does not exist in this era";
  if (o.errno.startsWith("setup:")) return `the set-up of the scenario failed with ${o.errno.slice(6)}`;
  const ret = o.errno === "0" ? "returned 0" : `returned -${o.errno}`;
  const words = o.levels.map((l) => LEVEL_WORDS[l] ?? l).join(" and ");
  const log = o.levels.length ? `printed ${words}${o.lines?.length ? ` (${o.lines.map((l) => `"${l}"`).join(", ")})` : ""}` : "printed nothing";
  const state = o.attached ? "the device is attached" : o.errno === "0" ? "the device is NOT attached (a fake success)" : "the device is not attached";
  return `${ret}, ${log}, ${state}`;
}

/** Log lines as the kernel would print them, or "no log line". */
export function logText(lines: readonly LogLine[]): string {
  return lines.length ? lines.map((l) => `"${formatLine(l)}"`).join(", ") : "no log line";
}

// ---- Running a student's driver data through the real core ------------------------------------

export type StepList = "attach" | "staticAttach" | "setDevPasid";

/** The driver `driverId` of `set` (default: the kit's drivers, hardware/index.ts). */
export function registeredDriver(driverId: string, set: DriverSet = drivers): DriverModel {
  const d = set.get(driverId);
  if (!d) throw new Error(`internal: no driver ${driverId} in the driver set`);
  return d;
}

export function registeredCheck(driverId: string, checkId: string, list: StepList = "attach", set: DriverSet = drivers): CheckStep {
  const steps = registeredDriver(driverId, set)[list] ?? [];
  const c = steps.find((s): s is CheckStep => s.kind === "check" && s.id === checkId);
  if (!c) throw new Error(`internal: ${driverId} has no ${list} check "${checkId}"`);
  return c;
}

/**
 * `base` (default: the kit's drivers) with driver `driverId` replaced by a copy that has `patch`'s
 * fields: a new driver object in a new set, nothing changed in place. A kernel made with the set
 * runs the copy throughout (its domains are owned by the copy).
 */
export function patchDriver(driverId: string, patch: Partial<DriverModel>, base: DriverSet = drivers): DriverSet {
  return base.with({ ...registeredDriver(driverId, base), ...patch });
}

/** The driver's step list with some checks changed (rows, variants, phase ...), keyed by check id. */
export function patchedSteps(driverId: string, changes: Readonly<Record<string, Partial<CheckStep>>>, list: StepList = "attach", base: DriverSet = drivers): Step[] {
  for (const id of Object.keys(changes)) registeredCheck(driverId, id, list, base);
  return (registeredDriver(driverId, base)[list] ?? []).map((s) => (s.kind === "check" && changes[s.id] ? { ...s, ...changes[s.id] } : s));
}

/** `base` with some checks of one driver changed (and `extra` fields of that driver). */
export function patchChecks(driverId: string, changes: Readonly<Record<string, Partial<CheckStep>>>, list: StepList = "attach", extra: Partial<DriverModel> = {}, base: DriverSet = drivers): DriverSet {
  return patchDriver(driverId, { ...extra, [list]: patchedSteps(driverId, changes, list, base) } as Partial<DriverModel>, base);
}

/** What a trip recipe did, with the text of the lines it printed (the recipe itself keeps only their levels). */
export interface TripObserved extends Observed {
  lines?: string[];
}

/** Play a check's trip recipe (lib/matrix.ts) through the core, with `opts.drivers` (default: the kit's); null when the driver does not exist in the era. */
export function playTrip(driverId: string, checkId: string, era: EraId, opts: { op?: TripOp; variants?: readonly string[]; list?: StepList; drivers?: DriverSet } = {}): TripObserved | null {
  const set = opts.drivers ?? drivers;
  const d = registeredDriver(driverId, set);
  if (!d.exists.includes(era)) return null;
  const c = registeredCheck(driverId, checkId, opts.list ?? "attach", set);
  if (!c.trip) throw new Error(`internal: ${driverId} check ${checkId} has no trip recipe`);
  // The recipe's own set-up hook hands over its kernel: the lines printed after it are the call's.
  let kernel: { log: readonly LogLine[] } | null = null;
  let from = 0;
  const before = c.trip.before;
  const trip = { ...c.trip, before: (k: Parameters<NonNullable<typeof before>>[0], x: Parameters<NonNullable<typeof before>>[1]) => {
    before?.(k, x);
    kernel = k;
    from = k.log.length;
  } };
  const o = runTrip(d, trip, opts.op ?? "attach", era, opts.variants ?? [], set);
  const k = kernel as { log: readonly LogLine[] } | null;
  return k && o.levels.length ? { ...o, lines: k.log.slice(from).map(formatLine) } : o;
}

export interface CompareOptions {
  eras?: readonly EraId[];
  variants?: readonly string[];
  /** Expected results written by hand for some eras (a "what if" the library does not contain). */
  want?: Partial<Record<EraId, Observed | null>>;
  why?: string;
  label?: string;
  /** Driver fields to change as well (e.g. `exists`). */
  extra?: Partial<DriverModel>;
}

/**
 * For every era: play the recipe of check `tripCheck` with the registered driver, then with
 * `changes` applied (patchChecks), and report each era where the two differ.
 */
export function compareTripAcrossEras(driverId: string, tripCheck: string, changes: Readonly<Record<string, Partial<CheckStep>>>, opts: CompareOptions = {}): void {
  const items: MismatchItem[] = [];
  const patched = patchChecks(driverId, changes, "attach", opts.extra ?? {});
  for (const era of opts.eras ?? ERA_IDS) {
    const variants = opts.variants ?? [];
    const handWritten = opts.want !== undefined && era in opts.want;
    // The registered driver may not define the variant the patch adds: it runs without it.
    const want: TripObserved | null = handWritten ? opts.want![era]! : playTrip(driverId, tripCheck, era, { variants: variants.filter((v) => drivers.variantProblem(v) === null) });
    let got = playTrip(driverId, tripCheck, era, { variants, drivers: patched });
    // A hand-written expectation gives levels only; the library's own run gives the log text as well.
    if (handWritten && got) got = { errno: got.errno, levels: got.levels, attached: got.attached };
    if (!isDeepStrictEqual(got, want)) {
      items.push({ what: `${opts.label ?? `${driverId} "${tripCheck}"`} in ${era}${variants.length ? ` [${variants.join(", ")}]` : ""}`, expected: observedText(want), got: observedText(got) });
    }
  }
  if (items.length) throw new Mismatch(items, opts.why);
}

/** Check that an exported value is what the exercise asks for (an object of era rows, a function ...). */
export function expectExport(m: unknown, name: string, kind: "function" | "object"): void {
  const v = (m as Record<string, unknown>)[name];
  const ok = kind === "function" ? typeof v === "function" : typeof v === "object" && v !== null;
  if (!ok) throw mismatch(`the export "${name}"`, kind === "function" ? "a function" : "an object", v === undefined ? "no such export" : typeof v);
}
