/**
 * A student's file may not take from the library what the exercise asks them to write: a
 * one-line `export { autoGetDomain } from "../../lib/lib/consumers/iommufd"` would otherwise pass every
 * check. The test file names that work (`defineExercise(id, checks, { names, modules })`); this
 * reads the file's imports, re-exports and require() calls and says where one takes it.
 * A textual scan (the project's compiler is a native binary without a JS API), made for the
 * forms TypeScript allows: named, aliased, namespace, `export *`, dynamic import and require.
 */
import type { OwnWork } from "./harness.ts";

export interface Cheat {
  line: number;
  message: string;
}

/** Comments out, strings and line breaks kept (so that offsets still give line numbers). */
function stripComments(src: string): string {
  return src.replace(/\/\*[\s\S]*?\*\/|\/\/[^\n]*|("(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*'|`(?:\\.|[^`\\])*`)/g, (m, str: string | undefined) => (str ? m : m.replace(/[^\n]/g, " ")));
}

const lineAt = (src: string, at: number) => src.slice(0, at).split("\n").length;

/** The first place where `src` takes from the library what the exercise asks the student to write. */
export function ownWorkImported(source: string, own: OwnWork): Cheat | null {
  const names = own.names ?? [];
  const modules = own.modules ?? [];
  if (!names.length && !modules.length) return null;
  const src = stripComments(source);
  // import/export ... from "x"; import "x"; import("x"); require("x")
  const re = /\b(import|export)\s+((?:type\s+)?[^;]*?)\s+from\s*(["'])([^"']+)\3|\bimport\s*\(\s*(["'])([^"']+)\5|\brequire\s*\(\s*(["'])([^"']+)\7/g;
  for (let m = re.exec(src); m; m = re.exec(src)) {
    const spec = m[4] ?? m[6] ?? m[8] ?? "";
    const line = lineAt(src, m.index);
    const mod = modules.find((x) => spec.includes(x));
    if (mod) return { line, message: `this exercise asks you to write what "${spec}" already contains: do not import from it` };
    const clause = m[2];
    const esc = (n: string) => n.replace(/\$/g, "\\$");
    let used: string | undefined;
    if (clause === undefined) {
      // import("x") / require("x"): a property read, a destructuring or a string key gives it away.
      used = names.find((n) => new RegExp(`\\.\\s*${esc(n)}(?![\\w$])|["'\`]${esc(n)}["'\`]|\\{[^}]*(?<![\\w$])${esc(n)}(?![\\w$])[^}]*\\}\\s*=`).test(src));
    } else if (/^\s*\*\s*$/.test(clause) && m[1] === "export") {
      used = names[0]; // export * from a library module re-exports everything in it
    } else {
      const ns = /\*\s+as\s+([\w$]+)/.exec(clause)?.[1] ?? /^\s*(?:type\s+)?([\w$]+)\s*(?:,|$)/.exec(clause)?.[1];
      if (ns) used = names.find((n) => new RegExp(`(?<![\\w$])${esc(ns)}\\s*(?:\\.\\s*${esc(n)}(?![\\w$])|\\[\\s*["'\`]${esc(n)}["'\`])`).test(src));
    }
    if (used) return { line, message: `this exercise asks you to write ${used}() yourself: do not take it from "${spec}"` };
    const braces = /\{([\s\S]*)\}/.exec(clause ?? "")?.[1] ?? "";
    for (const part of braces.split(",")) {
      const original = part.trim().replace(/^type\s+/, "").split(/\s+as\s+/)[0]!.trim();
      if (names.includes(original)) return { line, message: `this exercise asks you to write ${original}() yourself: do not import it from "${spec}"` };
    }
  }
  return null;
}
