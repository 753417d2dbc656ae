/**
 * Turning whatever a check threw into words for a student: a Mismatch becomes expected/got
 * lines, a TODO marker becomes "file:line: TODO ...", an exception in the student's code becomes
 * its message and the line of the student's file it came from. Never a raw stack trace.
 */
import * as path from "path";
import { PROJECT_ROOT, type TargetDir } from "./target.ts";

export interface FailureLine {
  what: string;
  expected: string;
  got: string;
}

export interface Failure {
  kind: "mismatch" | "todo" | "threw" | "library" | "load" | "internal" | "timeout" | "crash" | "cheat";
  /** One sentence. */
  message: string;
  /** "exercises/07-iommufd-auto-domain.ts:42" when known. */
  where?: string;
  lines?: FailureLine[];
  why?: string;
}

interface Ctx {
  dir: TargetDir;
  file: string;
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** The first place in `stack` inside `relFile` (source-mapped by tsx), as "file:line". */
export function locate(stack: string | undefined, relFile: string): string | undefined {
  if (!stack) return undefined;
  const abs = path.join(PROJECT_ROOT, relFile);
  const re = new RegExp(`(?:${escape(abs)}|${escape(relFile)}):(\\d+)(?::\\d+)?`);
  const m = re.exec(stack);
  return m ? `${relFile}:${m[1]}` : undefined;
}

/** An esbuild transform error ("/abs/file.ts:12:4: ERROR: Expected ...") as "file:line: message". */
function transformError(e: Error): { where: string; message: string } | null {
  const m = /([^\s:]+\.ts):(\d+):(\d+): ERROR: (.*)/.exec(e.message);
  if (!m) return null;
  const rel = path.relative(PROJECT_ROOT, m[1]!).split(path.sep).join("/");
  return { where: `${rel}:${m[2]}`, message: m[4]!.trim() };
}

function isMismatch(e: unknown): e is Error & { items: FailureLine[]; why?: string; context?: string } {
  return e instanceof Error && e.name === "Mismatch" && Array.isArray((e as { items?: unknown }).items);
}

export function explainFailure(e: unknown, ctx: Ctx): Failure {
  if (isMismatch(e)) {
    const n = e.items.length === 1 ? "One result differs" : `${e.items.length} results differ`;
    return { kind: "mismatch", message: e.context ? `${n} in ${e.context}` : `${n} from what the exercise asks for.`, lines: e.items, ...(e.why ? { why: e.why } : {}) };
  }
  if (!(e instanceof Error)) return { kind: "threw", message: `your code threw ${String(e)} (not an Error object)` };
  const where = locate(e.stack, ctx.file);
  if (e.name === "TodoError") return { kind: "todo", message: `TODO - ${e.message}`, ...(where ? { where } : {}) };
  const tr = transformError(e);
  if (tr) return { kind: "load", message: `the file does not parse: ${tr.message}`, where: tr.where };
  if (e.name === "LabArgumentError" || e.name === "EraUnavailableError") {
    return { kind: "library", message: `the library refused a call: ${e.message}`, ...(where ? { where } : {}) };
  }
  if (e instanceof RangeError && /call stack size/.test(e.message)) {
    return { kind: "threw", message: "your code called itself without end (RangeError: Maximum call stack size exceeded)", where: where ?? ctx.file };
  }
  if (where) return { kind: "threw", message: `your code threw ${e.name}: ${e.message}`, where };
  if (e.message.startsWith("internal:")) return { kind: "internal", message: `the test itself failed (please report): ${e.message.slice(9).trim()}` };
  return { kind: "threw", message: `${e.name}: ${e.message}` };
}

/** A failure as plain text (used by uvu runs and by the checker's report). */
export function formatFailure(f: Failure, indent = ""): string {
  const out: string[] = [];
  out.push(`${indent}${f.where ? `${f.where}: ` : ""}${f.message.split("\n").join(`\n${indent}`)}`);
  for (const l of f.lines ?? []) {
    out.push(`${indent}  ${l.what}`);
    out.push(`${indent}    expected:  ${l.expected}`);
    out.push(`${indent}    your code: ${l.got}`);
  }
  if (f.why) out.push(`${indent}  why: ${f.why}`);
  return out.join("\n");
}
