/**
 * Type-checking the student's files with the project's own compiler (TypeScript 7, about 0.3 s
 * for one file), using the compiler options of tsconfig.json minus the two "unused" rules, which
 * would only get in the way of a half-written exercise (the project's `npm test` still applies
 * them to the committed starters). Errors are reported as "file:line: message".
 */
import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { parse as parseJsonc } from "jsonc-parser";
import { PROJECT_ROOT, relativeToRoot } from "./target.ts";

export interface Diagnostic {
  /** Relative to the project: "exercises/07-iommufd-auto-domain.ts". */
  file: string;
  line: number;
  message: string;
}

export interface TypecheckResult {
  diagnostics: Diagnostic[];
  /** The compiler could not be run at all (message), as opposed to finding errors. */
  failure?: string;
  ms: number;
}

const RELAXED: Record<string, unknown> = { noUnusedLocals: false, noUnusedParameters: false, noEmit: true };

/** tsconfig.json's compilerOptions as command-line flags (files given on the command line ignore tsconfig.json). */
export function compilerFlags(): string[] {
  const cfg = parseJsonc(fs.readFileSync(path.join(PROJECT_ROOT, "tsconfig.json"), "utf8")) as { compilerOptions?: Record<string, unknown> };
  const opts = { ...(cfg.compilerOptions ?? {}), ...RELAXED };
  const flags: string[] = [];
  for (const [key, v] of Object.entries(opts)) {
    if (Array.isArray(v)) flags.push(`--${key}`, v.join(","));
    else if (typeof v === "boolean" || typeof v === "string" || typeof v === "number") flags.push(`--${key}`, String(v));
  }
  return flags;
}

function tscPath(): { bin: string; major: number } {
  const pkg = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, "node_modules", "typescript", "package.json"), "utf8")) as { version: string };
  return { bin: path.join(PROJECT_ROOT, "node_modules", "typescript", "bin", "tsc"), major: Number(pkg.version.split(".")[0]) };
}

/** Parse `file(line,col): error TSnnnn: message` lines (continuation lines are indented). */
export function parseTscOutput(out: string): Diagnostic[] {
  const diags: Diagnostic[] = [];
  for (const raw of out.split(/\r?\n/)) {
    const m = /^(.+?)\((\d+),(\d+)\): error TS\d+: (.*)$/.exec(raw);
    if (m) {
      const file = relativeToRoot(path.resolve(PROJECT_ROOT, m[1]!));
      diags.push({ file, line: Number(m[2]), message: m[4]! });
    } else if (raw.startsWith("  ") && diags.length) {
      // The compiler's elaboration; it often repeats the first line word for word.
      const last = diags[diags.length - 1]!;
      if (!last.message.includes(raw.trim())) last.message += ` ${raw.trim()}`;
    }
  }
  return diags;
}

/** Type-check `files` (absolute paths) together; diagnostics in other files (the library) are dropped. */
export function typecheck(files: readonly string[]): Promise<TypecheckResult> {
  const t0 = Date.now();
  if (!files.length) return Promise.resolve({ diagnostics: [], ms: 0 });
  const { bin, major } = tscPath();
  // One thread: as fast for a few files, with a third less CPU (the checks run beside it).
  const args = [bin, ...(major >= 7 ? ["--ignoreConfig", "--singleThreaded"] : []), "--pretty", "false", ...compilerFlags(), ...files];
  const wanted = new Set(files.map((f) => relativeToRoot(f)));
  return new Promise((resolve) => {
    let out = "";
    const child = spawn(process.execPath, args, { cwd: PROJECT_ROOT, stdio: ["ignore", "pipe", "pipe"] });
    child.stdout.on("data", (b: Buffer) => (out += b.toString()));
    child.stderr.on("data", (b: Buffer) => (out += b.toString()));
    child.on("error", (e) => resolve({ diagnostics: [], failure: `could not run the TypeScript compiler: ${e.message}`, ms: Date.now() - t0 }));
    child.on("close", (code) => {
      const diagnostics = parseTscOutput(out).filter((d) => wanted.has(d.file));
      const failure = code !== 0 && code !== 1 && code !== 2 ? `the TypeScript compiler stopped (exit ${code}): ${out.trim().split("\n")[0] ?? ""}` : undefined;
      resolve({ diagnostics, ...(failure ? { failure } : {}), ms: Date.now() - t0 });
    });
  });
}
