/**
 * The command-line layer shared by `iommu-lab`, `npm run fuzz` and `npm run bench`: one
 * declaration per command (flags, positional arguments, conflicting flags, examples) gives the
 * parser (node:util parseArgs), the help text and the one-line usage errors. Nothing here loads
 * the library, so `--help` answers at Node's start-up speed.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";

export interface FlagSpec {
  type: "string" | "boolean";
  /** The flag may be given several times (its value is then a list). */
  multiple?: boolean;
  short?: string;
  /** Placeholder for the value in the help, e.g. "ID". */
  arg?: string;
  help: string;
}

export interface CommandSpec {
  /** As the user types it, e.g. "iommu-lab run" or "npm run fuzz --". */
  name: string;
  summary: string;
  /** Required positional arguments, in order, e.g. ["<scenario.json>"]. */
  args?: readonly string[];
  /** Optional positional arguments after the required ones, e.g. ["[command]"]. */
  optionalArgs?: readonly string[];
  flags: Readonly<Record<string, FlagSpec>>;
  /** Flags that cannot be given together. */
  conflicts?: ReadonlyArray<readonly [string, string]>;
  examples?: readonly string[];
  /** A paragraph after the flags. */
  notes?: string;
}

type ValueOf<F extends FlagSpec> = F["type"] extends "boolean" ? boolean : F["multiple"] extends true ? string[] : string;
export type Values<F extends Readonly<Record<string, FlagSpec>>> = { [K in keyof F]?: ValueOf<F[K]> };

/** Bad command line: the caller prints the message on one line and exits with code 2. */
export class UsageError extends Error {
  /** The command whose --help explains it, e.g. "iommu-lab run". */
  constructor(message: string, readonly command?: string) {
    super(message);
  }
}

const HELP: FlagSpec = { type: "boolean", short: "h", help: "this help" };

/** A user's word inside a message: quoted, control characters escaped, at most 40 characters. */
export function quote(s: string): string {
  const q = JSON.stringify(s.length > 40 ? `${s.slice(0, 37)}...` : s);
  return q.replace(/[\u007f-\u009f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/** Levenshtein distance, for "did you mean". */
function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length]!;
}

/** The closest candidate within two edits (or one the word starts), if any. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = 3;
  for (const c of candidates) {
    const d = c.startsWith(word) && word.length >= 2 ? 1 : distance(word, c);
    if (d < bestD) [best, bestD] = [c, d];
  }
  return best;
}

/**
 * Parses `argv` against `spec`. Throws UsageError for an unknown flag (with "did you mean", or
 * the commands it belongs to when `elsewhere` knows it), a flag without its value or with a
 * value it does not take, a repeated single flag, conflicting flags, and missing or extra
 * positional arguments. `--help` short-cuts every check but unknown flags.
 */
export function parseCommand<F extends Readonly<Record<string, FlagSpec>>>(
  spec: CommandSpec & { flags: F },
  argv: readonly string[],
  elsewhere?: (flag: string) => string | undefined,
): { values: Values<F> & { help?: boolean }; positionals: string[] } {
  const flags: Record<string, FlagSpec> = { ...spec.flags, help: HELP };
  const options: Record<string, { type: "string" | "boolean"; short?: string; multiple: true }> = {};
  for (const [name, f] of Object.entries(flags)) options[name] = { type: f.type, multiple: true, ...(f.short ? { short: f.short } : {}) };
  const fail = (message: string) => new UsageError(message, spec.name);
  const { tokens } = parseArgs({ args: [...argv], options, strict: false, allowPositionals: true, tokens: true });
  const values: Record<string, string | boolean | string[]> = {};
  const positionals: string[] = [];
  const problems: string[] = [];
  for (const t of tokens) {
    if (t.kind === "positional") {
      positionals.push(t.value);
      continue;
    }
    if (t.kind !== "option") continue;
    const f = flags[t.name];
    const shown = t.rawName.startsWith("--") ? `--${t.name}` : t.rawName;
    if (!f) {
      const where = elsewhere?.(t.name);
      if (where) throw fail(`${shown} does not apply to ${spec.name}, only to ${where}`);
      const near = t.rawName.startsWith("--") ? closest(t.name, Object.keys(flags)) : undefined;
      throw fail(`unknown option ${quoteFlag(shown)}${near ? `; did you mean --${near}?` : ""}`);
    }
    if (f.type === "boolean") {
      if (t.value !== undefined) problems.push(`${shown} takes no value`);
      values[t.name] = true;
      continue;
    }
    if (t.value === undefined || (!t.inlineValue && t.value.startsWith("--"))) {
      problems.push(`${shown} needs a value${f.arg ? ` (${f.arg})` : ""}`);
      continue;
    }
    if (f.multiple) ((values[t.name] ??= []) as string[]).push(t.value);
    else if (t.name in values) problems.push(`${shown} given twice`);
    else values[t.name] = t.value;
  }
  if (values["help"]) return { values: values as Values<F>, positionals };
  if (problems.length) throw fail(problems[0]!);
  for (const [a, b] of spec.conflicts ?? []) if (a in values && b in values) throw fail(`--${a} and --${b} cannot be used together`);
  const want = spec.args ?? [];
  const may = [...want, ...(spec.optionalArgs ?? [])];
  if (positionals.length > may.length) {
    const extra = positionals[may.length]!;
    throw fail(`unexpected argument ${quote(extra)}: ${spec.name} takes ${may.length ? may.join(" ") : "no arguments"}`);
  }
  if (positionals.length < want.length) throw fail(`missing ${want[positionals.length]}`);
  return { values: values as Values<F>, positionals };
}

/** A flag as typed, quoted only when it holds something odd. */
function quoteFlag(s: string): string {
  return /^-{1,2}[\w-]{1,40}$/.test(s) ? s : quote(s);
}

/** The help text of one command: usage, summary, flags, notes and examples. */
export function helpText(spec: CommandSpec): string {
  const flags: Array<[string, FlagSpec]> = [...Object.entries(spec.flags), ["help", HELP]];
  const left = flags.map(([n, f]) => `${f.short ? `-${f.short}, ` : ""}--${n}${f.arg ? ` ${f.arg}` : ""}`);
  const w = Math.max(...left.map((l) => l.length));
  const lines = [`usage: ${[spec.name, ...(spec.args ?? []), ...(spec.optionalArgs ?? []), "[options]"].join(" ")}`, "", spec.summary, "", "options:"];
  flags.forEach(([, f], i) => lines.push(`  ${left[i]!.padEnd(w)}  ${f.help}${f.multiple ? " (repeatable)" : ""}`));
  if (spec.notes) lines.push("", spec.notes);
  if (spec.examples?.length) lines.push("", "examples:", ...spec.examples.map((e) => `  ${e}`));
  return lines.join("\n");
}

/** The project's version, from the nearest package.json of iommu-attach-lab above this file (or the working directory). */
export function projectVersion(): string {
  const starts = [...(typeof __dirname === "string" ? [__dirname] : []), process.cwd()];
  for (const start of starts) {
    for (let dir = start; ; dir = path.dirname(dir)) {
      try {
        const pkg = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")) as { name?: string; version?: string };
        if (pkg.name === "iommu-attach-lab" && pkg.version) return pkg.version;
      } catch {
        // no package.json here: keep going up
      }
      if (path.dirname(dir) === dir) break;
    }
  }
  return "unknown";
}

/**
 * For scripts (fuzz, bench): parse, print the help and exit 0 on --help, print one line and
 * exit 2 on a usage error.
 */
export function parseScriptArgs<F extends Readonly<Record<string, FlagSpec>>>(spec: CommandSpec & { flags: F }, argv: readonly string[]): { values: Values<F>; positionals: string[] } {
  try {
    const r = parseCommand(spec, argv);
    if (r.values.help) {
      console.log(helpText(spec));
      process.exit(0);
    }
    return r;
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    console.error(`${spec.name.replace(/ --$/, "")}: ${e.message} (${spec.name} --help for usage)`);
    process.exit(2);
  }
}
