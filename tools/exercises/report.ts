/**
 * The checker's words: a result per exercise, the progress bar, the hint. Plain text, with
 * colours only when the output is a terminal (and NO_COLOR is not set).
 */
import { styleText } from "util";
import { formatFailure } from "./explain.ts";
import type { ExerciseResult } from "./runner.ts";
import { eraLabel, type Track, type TrackExercise } from "./track.ts";

export interface Style {
  bold(s: string): string;
  dim(s: string): string;
  green(s: string): string;
  red(s: string): string;
  yellow(s: string): string;
  cyan(s: string): string;
}

type Format = Parameters<typeof styleText>[0];

/** node:util's styleText when `color` (a terminal without NO_COLOR), plain text otherwise. */
export function makeStyle(color: boolean): Style {
  const wrap = (f: Format) => (s: string) => (color ? styleText(f, s) : s);
  return { bold: wrap("bold"), dim: wrap("dim"), green: wrap("green"), red: wrap("red"), yellow: wrap("yellow"), cyan: wrap("cyan") };
}

export const PLAIN: Style = makeStyle(false);

/** "[██████░░░░░░░░░░░░] 5/12". */
export function progressBar(done: number, total: number, width = 24): string {
  const full = total ? Math.round((done / total) * width) : 0;
  return `[${"█".repeat(full)}${"░".repeat(width - full)}] ${done}/${total}`;
}

export function exerciseLabel(ex: TrackExercise): string {
  return `${ex.id.slice(0, 2)} ${ex.title}`;
}

/** One line for an exercise that passed. */
export function passedLine(ex: TrackExercise, r: ExerciseResult, s: Style): string {
  return `${s.green("✓")} ${exerciseLabel(ex)} ${s.dim(`(${r.checks.length} checks, ${r.ms} ms)`)}`;
}

/** What a student reads after a pass: the reference to compare with. */
export function referenceLine(id: string, s: Style): string {
  return `  ${s.dim(`solved - compare with the reference solution: solutions/${id}.ts`)}`;
}

/** The full report of an unsolved exercise: what it is about, then what failed. */
export function failureReport(ex: TrackExercise, r: ExerciseResult, s: Style): string {
  const out: string[] = [];
  out.push(`${s.red("✗")} ${s.bold(exerciseLabel(ex))}  ${s.dim(`[${ex.difficulty}, ${eraLabel(ex)}]`)}`);
  out.push(`  ${s.dim("file:")} ${r.file}`);
  out.push(`  ${s.dim("task:")} ${ex.task}`);
  out.push("");
  if (r.status === "type-error") {
    out.push(`  ${s.yellow("Your file does not compile:")}`);
    for (const d of r.typeErrors.slice(0, 8)) out.push(`    ${d.file}:${d.line}: ${d.message}`);
    if (r.typeErrors.length > 8) out.push(`    ... and ${r.typeErrors.length - 8} more`);
    return out.join("\n");
  }
  if (r.loadFailure) {
    if (r.loadFailure.kind === "cheat") out.push(`  ${s.yellow("Not your own code:")}`);
    out.push(formatFailure(r.loadFailure, "  "));
    return out.join("\n");
  }
  const failed = r.checks.filter((c) => !c.ok);
  const todos = failed.filter((c) => c.failure?.kind === "todo");
  if (todos.length === failed.length && todos.length > 0) {
    const f = todos[0]!.failure!;
    out.push(`  ${s.yellow("Not written yet")}: ${f.where ? `${f.where}: ` : ""}${f.message}`);
    out.push(`  ${s.dim(`(${todos.length} of ${r.checks.length} checks stop at the TODO)`)}`);
    return out.join("\n");
  }
  const stopped = failed.find((c) => c.failure?.kind === "timeout" || c.failure?.kind === "crash");
  if (stopped) {
    // One clear line at the file; the later checks were not run.
    out.push(`  ${formatFailure(stopped.failure!)}`);
    out.push(`  ${s.dim(`(in the check "${stopped.name}"; the checks after it were not run)`)}`);
    return out.join("\n");
  }
  out.push(`  ${failed.length} of ${r.checks.length} checks fail:`);
  for (const c of r.checks) {
    if (c.ok) {
      out.push(`  ${s.green("✓")} ${c.name}`);
      continue;
    }
    out.push(`  ${s.red("✗")} ${c.name}`);
    out.push(formatFailure(c.failure!, "      "));
  }
  return out.join("\n");
}

export function hintText(ex: TrackExercise, s: Style): string {
  const out = [`${s.bold(`Hint for ${exerciseLabel(ex)}`)}`, "", wrap(ex.hint, 96, "  "), "", s.bold("Read:")];
  for (const src of ex.sources) out.push(`  - ${src.kind}: ${src.ref}${src.note ? ` (${src.note})` : ""}`);
  if (ex.prerequisites.length) out.push("", `${s.dim("Builds on:")} ${ex.prerequisites.join(", ")}`);
  return out.join("\n");
}

export function listText(track: Track, solved: ReadonlySet<string>, current: string | null, s: Style): string {
  const out = [s.bold(track.title), ""];
  for (const ex of track.exercises) {
    const mark = solved.has(ex.id) ? s.green("✓") : ex.id === current ? s.yellow("→") : " ";
    out.push(`${mark} ${ex.id.padEnd(30)} ${ex.difficulty.padEnd(6)} ${ex.title}`);
  }
  out.push("", progressBar(solved.size, track.exercises.length));
  return out.join("\n");
}

/** Greedy word wrap for hints. */
export function wrap(text: string, width: number, indent: string): string {
  const lines: string[] = [];
  for (const para of text.split("\n")) {
    let line = "";
    for (const word of para.split(/\s+/).filter(Boolean)) {
      if (line && line.length + 1 + word.length > width) {
        lines.push(indent + line);
        line = word;
      } else line = line ? `${line} ${word}` : word;
    }
    lines.push(indent + line);
  }
  return lines.join("\n");
}
