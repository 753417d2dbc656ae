/**
 * `npm run check` (scripts/check.ts): the classroom checker, rustlings style.
 *
 *   npm run check                  check the track in order, stop at the first unsolved exercise
 *   npm run check -- --hint [ID]   the hint (and what to read) for the current exercise, or for ID
 *   npm run check -- --watch       re-check on every save in exercises/ (h: hint, l: list, q: quit)
 *   npm run check -- --list        the track with what is solved
 *   npm run check -- --only ID     check one exercise (add --json for a machine-readable report)
 *   npm run check -- --solutions   run the same checks against solutions/ (for teachers and CI)
 *   npm run check -- --reset       forget the saved progress
 *
 * It never writes to exercises/: the only file it writes is .progress.json (git-ignored).
 */
import * as fs from "fs";
import * as path from "path";
import { explainFailure } from "./explain";
import { type Progress, readProgress, resetProgress, writeProgress } from "./progress";
import { exerciseLabel, failureReport, hintText, listText, makeStyle, passedLine, progressBar, type Style } from "./report";
import { checkExercises, type ExerciseResult, runChecks, withTypecheck } from "./runner";
import { PROJECT_ROOT, relativeToRoot, type TargetDir, targetFile } from "./target";
import { loadTrack, type Track, TrackError, type TrackExercise } from "./track";
import { typecheck } from "./typecheck";

export interface CliOptions {
  hint: boolean;
  hintId: string | null;
  watch: boolean;
  list: boolean;
  only: string | null;
  json: boolean;
  solutions: boolean;
  reset: boolean;
  help: boolean;
  typecheck: boolean;
}

export const USAGE = `Usage: npm run check [-- OPTIONS]

  (no option)      check the exercises in order and stop at the first unsolved one
  --hint [ID]      show the hint for the current exercise (or for ID) and what to read
  --watch          re-check whenever a file in exercises/ is saved (h: hint, l: list, q: quit)
  --list           list the track and what is solved
  --only ID        check one exercise; with --json, print a machine-readable report
  --solutions      run the same checks against solutions/ (teachers, CI); exit 1 if any fails
  --reset          forget the saved progress (.progress.json)
  --no-typecheck   skip the TypeScript compiler (faster, but type errors go unnoticed)

Exit status: 0 unless the checker itself fails (2: bad option); with --solutions or --only,
1 when a check fails. Progress is kept in .progress.json (git-ignored).
`;

export function parseArgs(argv: readonly string[]): CliOptions | string {
  const o: CliOptions = { hint: false, hintId: null, watch: false, list: false, only: null, json: false, solutions: false, reset: false, help: false, typecheck: true };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    switch (a) {
      case "--hint":
        o.hint = true;
        if (argv[i + 1] && !argv[i + 1]!.startsWith("--")) o.hintId = argv[++i]!;
        break;
      case "--watch":
        o.watch = true;
        break;
      case "--list":
        o.list = true;
        break;
      case "--only":
        if (!argv[i + 1] || argv[i + 1]!.startsWith("--")) return "--only needs an exercise id (e.g. --only 07)";
        o.only = argv[++i]!;
        break;
      case "--json":
        o.json = true;
        break;
      case "--solutions":
        o.solutions = true;
        break;
      case "--reset":
        o.reset = true;
        break;
      case "--no-typecheck":
        o.typecheck = false;
        break;
      case "-h":
      case "--help":
        o.help = true;
        break;
      default:
        return `unknown option ${a}`;
    }
  }
  if (o.json && !o.only) return "--json goes with --only ID";
  return o;
}

/** "07", "07-iommufd-auto-domain" or "iommufd-auto-domain" -> the exercise. */
export function findExercise(track: Track, key: string): TrackExercise | undefined {
  return track.exercises.find((e) => e.id === key || e.id.slice(0, 2) === key.padStart(2, "0") || e.id.slice(3) === key);
}

interface Out {
  log(s?: string): void;
}

const stdout: Out = { log: (s = "") => process.stdout.write(s + "\n") };

/** Check from the first exercise, stop at the first unsolved one; save progress (exercises/ only). */
export async function checkTrack(track: Track, dir: TargetDir, opts: { typecheck: boolean; out: Out; s: Style; previous: Progress | null; save: boolean }): Promise<{ solved: string[]; current: TrackExercise | null; results: ExerciseResult[]; ms: number }> {
  const { out, s } = opts;
  const ids = track.exercises.map((e) => e.id);
  // A student stops at the first unsolved exercise; a teacher checking solutions/ sees every failure.
  const run = await checkExercises(ids, dir, { stopAtFirstUnsolved: dir === "exercises", typecheck: opts.typecheck });
  if (run.typecheckFailure) out.log(s.yellow(`note: ${run.typecheckFailure}`));
  const solved: string[] = [];
  let current: TrackExercise | null = null;
  const before = new Set(opts.previous?.solved ?? []);
  for (const r of run.results) {
    const ex = track.exercises.find((e) => e.id === r.id)!;
    if (r.status === "passed") {
      solved.push(r.id);
      out.log(passedLine(ex, r, s));
      if (dir === "exercises" && !before.has(r.id)) out.log(`  ${s.dim(`solved - compare with the reference: ${relativeToRoot(targetFile(r.id, "solutions"))}`)}`);
      continue;
    }
    current = current ?? ex;
    out.log("");
    out.log(failureReport(ex, r, s));
  }
  if (dir === "exercises" && opts.save) writeProgress({ solved, current: current?.id ?? null });
  return { solved, current, results: run.results, ms: run.ms };
}

function footer(track: Track, solved: number, current: TrackExercise | null, ms: number, s: Style, watching: boolean): string {
  const lines = ["", `${progressBar(solved, track.exercises.length)}  ${s.dim(`checked in ${(ms / 1000).toFixed(2)} s`)}`];
  if (!current) lines.push(s.green(s.bold("Every exercise passes. Well done!")));
  else if (watching) lines.push(s.dim(`Watching exercises/ - save ${relativeToRoot(targetFile(current.id, "exercises"))} to re-check.  h: hint  l: list  r: re-check all  q: quit`));
  else lines.push(s.dim(`Next: edit ${relativeToRoot(targetFile(current.id, "exercises"))}, then run npm run check again (or npm run check -- --watch).  Stuck? npm run check -- --hint`));
  return lines.join("\n");
}

/** The JSON report of one exercise (the notebook form of a check uses it). */
export interface JsonReport {
  id: string;
  title: string;
  dir: TargetDir;
  status: ExerciseResult["status"];
  passed: boolean;
  text: string;
  result: ExerciseResult;
}

export async function checkOnly(ex: TrackExercise, dir: TargetDir, typecheckOn: boolean): Promise<JsonReport> {
  const run = await checkExercises([ex.id], dir, { typecheck: typecheckOn });
  const r = run.results[0]!;
  const text = r.status === "passed" ? passedLine(ex, r, makeStyle(false)) : failureReport(ex, r, makeStyle(false));
  return { id: ex.id, title: ex.title, dir, status: r.status, passed: r.status === "passed", text, result: r };
}

/** Watch mode: re-check on save (debounced), keys h / l / r / q on a terminal. */
async function watch(track: Track, opts: CliOptions, s: Style): Promise<never> {
  const dir: TargetDir = "exercises";
  let state = await checkTrack(track, dir, { typecheck: opts.typecheck, out: stdout, s, previous: readProgress(), save: true });
  stdout.log(footer(track, state.solved.length, state.current, state.ms, s, true));
  let timer: NodeJS.Timeout | null = null;
  let busy = false;
  const pending = new Set<string>();

  const recheck = async (all: boolean): Promise<void> => {
    if (busy) return;
    busy = true;
    const changed = [...pending];
    pending.clear();
    try {
      const t0 = Date.now();
      const idx = (id: string) => track.exercises.findIndex((e) => e.id === id);
      const cur = state.current ? idx(state.current.id) : track.exercises.length;
      const earliest = all ? 0 : Math.min(...changed.map(idx).filter((i) => i >= 0));
      if (!all && !(earliest <= cur)) {
        if (changed.length) stdout.log(s.dim(`saved ${changed.join(", ")} - the current exercise is ${state.current?.id ?? "none (all done)"}`));
        return;
      }
      // Clear the screen between re-checks on a terminal, as rustlings does.
      if (process.stdout.isTTY && !all) process.stdout.write("\x1b[2J\x1b[H");
      else process.stdout.write("\n");
      if (all) {
        state = await checkTrack(track, dir, { typecheck: opts.typecheck, out: stdout, s, previous: readProgress(), save: true });
      } else {
        // Re-check from the earliest changed exercise; the ones before it stay solved.
        const solved = state.solved.filter((id) => idx(id) < earliest);
        let current: TrackExercise | null = null;
        const before = new Set(state.solved);
        for (let i = earliest; i < track.exercises.length; i++) {
          const ex = track.exercises[i]!;
          const [r0, tc] = await Promise.all([runChecks(ex.id, dir), opts.typecheck ? typecheck([targetFile(ex.id, dir)]) : Promise.resolve(null)]);
          const r = withTypecheck(r0, tc);
          if (r.status === "passed") {
            solved.push(ex.id);
            stdout.log(passedLine(ex, r, s));
            if (!before.has(ex.id)) stdout.log(`  ${s.dim(`solved - compare with the reference: ${relativeToRoot(targetFile(ex.id, "solutions"))}`)}`);
            continue;
          }
          current = ex;
          stdout.log("");
          stdout.log(failureReport(ex, r, s));
          break;
        }
        writeProgress({ solved, current: current?.id ?? null });
        state = { solved, current, results: [], ms: Date.now() - t0 };
      }
      stdout.log(footer(track, state.solved.length, state.current, Date.now() - t0, s, true));
    } catch (e) {
      stdout.log(s.red(`the checker failed: ${explainFailure(e, { dir, file: "" }).message}`));
    } finally {
      busy = false;
      if (pending.size) void recheck(false);
    }
  };

  const exercisesDir = path.join(PROJECT_ROOT, "exercises");
  fs.watch(exercisesDir, (_event, name) => {
    if (!name || !String(name).endsWith(".ts")) return;
    const id = String(name).slice(0, -3);
    if (!track.exercises.some((e) => e.id === id)) return;
    pending.add(id);
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => void recheck(false), 120);
  });

  if (process.stdin.isTTY) {
    process.stdin.setRawMode(true);
    process.stdin.setEncoding("utf8");
    process.stdin.on("data", (key: string) => {
      if (key === "q" || key === "\u0003") process.exit(0);
      if (key === "h") stdout.log("\n" + (state.current ? hintText(state.current, s) : "Every exercise passes: no hint needed."));
      if (key === "l") stdout.log("\n" + listText(track, new Set(state.solved), state.current?.id ?? null, s));
      if (key === "r") void recheck(true);
    });
  }
  return new Promise<never>(() => undefined);
}

/** Returns the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  const parsed = parseArgs(argv);
  const color = Boolean(process.stdout.isTTY) && !process.env["NO_COLOR"];
  const s = makeStyle(color);
  if (typeof parsed === "string") {
    process.stderr.write(`check: ${parsed}\n\n${USAGE}`);
    return 2;
  }
  const opts = parsed;
  if (opts.help) {
    stdout.log(USAGE);
    return 0;
  }
  let track: Track;
  try {
    track = loadTrack();
  } catch (e) {
    if (e instanceof TrackError) {
      process.stderr.write(`check: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
  const dir: TargetDir = opts.solutions ? "solutions" : "exercises";

  if (opts.reset) {
    resetProgress();
    stdout.log("Progress forgotten. Run npm run check to start again from exercise 01.");
    return 0;
  }

  if (opts.hint) {
    let ex: TrackExercise | undefined | null;
    if (opts.hintId) {
      ex = findExercise(track, opts.hintId);
      if (!ex) {
        process.stderr.write(`check: no exercise "${opts.hintId}" (see npm run check -- --list)\n`);
        return 2;
      }
    } else {
      const p = readProgress();
      ex = p ? (p.current ? findExercise(track, p.current) : null) : track.exercises[0];
      if (ex === null) {
        stdout.log("Every exercise passes: no hint needed. (npm run check -- --hint ID shows the hint of any exercise.)");
        return 0;
      }
    }
    stdout.log(hintText(ex!, s));
    return 0;
  }

  if (opts.list) {
    const p = readProgress();
    stdout.log(listText(track, new Set(p?.solved ?? []), p ? p.current : track.exercises[0]!.id, s));
    return 0;
  }

  if (opts.only) {
    const ex = findExercise(track, opts.only);
    if (!ex) {
      process.stderr.write(`check: no exercise "${opts.only}" (see npm run check -- --list)\n`);
      return 2;
    }
    const rep = await checkOnly(ex, dir, opts.typecheck);
    if (opts.json) stdout.log(JSON.stringify(rep));
    else stdout.log(rep.passed ? passedLine(ex, rep.result, s) : failureReport(ex, rep.result, s));
    return rep.passed ? 0 : 1;
  }

  if (opts.watch) {
    if (opts.solutions) {
      process.stderr.write("check: --watch watches exercises/; use --solutions without it\n");
      return 2;
    }
    await watch(track, opts, s);
  }

  const previous = dir === "exercises" ? readProgress() : null;
  if (dir === "solutions") stdout.log(s.dim("Checking the reference solutions (solutions/) against the exercise tests."));
  else if (previous?.current && previous.solved.length > 0) {
    const ex = findExercise(track, previous.current);
    stdout.log(s.dim(`Welcome back: ${previous.solved.length}/${track.exercises.length} solved last time, resuming at ${ex ? exerciseLabel(ex) : previous.current}. Re-checking the solved ones first.`));
  }
  const res = await checkTrack(track, dir, { typecheck: opts.typecheck, out: stdout, s, previous, save: true });
  stdout.log(footer(track, res.solved.length, res.current, res.ms, s, false));
  if (dir === "solutions") return res.current ? 1 : 0;
  return 0;
}
