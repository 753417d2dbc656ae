#!/usr/bin/env node
// Relative import specifiers in the project's TypeScript name the real file, extension included
// (`./x.ts`, `./dir/index.ts`): Deno resolves nothing else without its "sloppy imports", and
// Node's own TypeScript support asks the same. tsx, esbuild and tsc (allowImportingTsExtensions)
// read them; scripts/build.cjs writes `.js` into dist/, where tslab's TypeScript 5.0 reads it.
//   node scripts/import-extensions.cjs --check   lists every relative specifier that names no
//                                                file (file:line), exit 1 if any (a test runs it)
//   node scripts/import-extensions.cjs --fix     rewrites them: `./x` -> `./x.ts`, `./dir` ->
//                                                `./dir/index.ts`; idempotent, changes nothing else
// Specifiers: import/export ... from, import "x", import type, `import x = require()`, import(),
// require() and `typeof import()` types. Packages and names of existing files (.cjs, .json, .js)
// are left as they are. The files are parsed (TypeScript 5.0, the copy tslab bundles), so text in
// strings, template literals and comments is never touched.
// Plain JavaScript, so that it runs without tsx.
"use strict";
const fs = require("node:fs");
const path = require("node:path");

const ROOT = path.resolve(__dirname, "..");
const DIRS = ["lib", "hardware", "scripts", "test", "exercises", "solutions"];

/** The project's .ts files (declaration files included), relative to `root`, sorted. */
function tsFiles(root = ROOT) {
  const out = [];
  for (const dir of DIRS) {
    const abs = path.join(root, dir);
    if (!fs.existsSync(abs)) continue;
    for (const f of fs.readdirSync(abs, { recursive: true })) {
      const rel = path.join(dir, String(f));
      if (rel.endsWith(".ts") && fs.statSync(path.join(root, rel)).isFile()) out.push(rel);
    }
  }
  return out.sort();
}

/** The string literals of `text` that are module specifiers, in source order. */
function specifierNodes(ts, file, text) {
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  const out = [];
  const add = (node) => {
    if (node && (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node))) out.push(node);
  };
  const visit = (node) => {
    if (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) add(node.moduleSpecifier);
    else if (ts.isExternalModuleReference(node)) add(node.expression);
    else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) add(node.argument.literal);
    else if (ts.isCallExpression(node) && node.arguments.length >= 1) {
      const callee = node.expression;
      if (callee.kind === ts.SyntaxKind.ImportKeyword || (ts.isIdentifier(callee) && callee.text === "require")) add(node.arguments[0]);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return { sf, nodes: out };
}

const isFile = (p) => {
  try {
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
};

/**
 * What a relative specifier should read: itself when it names a file, else the .ts file or the
 * folder's index.ts it means, else undefined (nothing there to name).
 */
function resolved(fromFile, spec) {
  const base = path.resolve(path.dirname(fromFile), spec);
  if (isFile(base)) return spec;
  const trimmed = spec.replace(/\/+$/, "");
  if (isFile(`${base}.ts`)) return `${trimmed}.ts`;
  if (isFile(path.join(base, "index.ts"))) return `${trimmed}/index.ts`;
  return undefined;
}

/**
 * The relative specifiers of one file that name no file: [{ line, spec, fix }], `fix` being
 * the specifier to write, or undefined when none exists.
 */
function findings(ts, absFile, text) {
  const { sf, nodes } = specifierNodes(ts, absFile, text);
  const out = [];
  for (const node of nodes) {
    const spec = node.text;
    if (!RELATIVE.test(spec)) continue;
    const fix = resolved(absFile, spec);
    if (fix === spec) continue;
    const line = sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1;
    out.push({ line, spec, fix, start: node.getStart(sf), end: node.getEnd() });
  }
  return out;
}

/** `text` with each fixable specifier rewritten (its quote character kept). */
function rewrite(text, found) {
  let out = text;
  for (const f of [...found].sort((a, b) => b.start - a.start)) {
    if (f.fix === undefined) continue;
    const quote = out[f.start];
    out = out.slice(0, f.start) + quote + f.fix + quote + out.slice(f.end);
  }
  return out;
}

const RELATIVE = /^\.\.?(\/|$)/;

/**
 * Whether `text` may hold a specifier findings() reports, read without parsing: most files name
 * their files already, and parsing every file is most of a check. A specifier is a string literal
 * (quotes or backquotes); its text starts with "." (RELATIVE), so its source starts with a quote
 * then "." or an escape. Every quote followed by "." starts a candidate (the candidates hold no
 * quote, so none hides the next): one that ends at the same quote is the literal's text, parsed or
 * not, and reports nothing when it names its file; any other form (an escape, another quote, a line
 * end) and any escape right after a quote that could make a "." or nothing send the file to the
 * parser. So a skipped file is one findings() would find nothing in.
 */
function mayHaveFindings(absFile, text) {
  if (/["'`]\\[.xu0-7\r\n\u2028\u2029]/.test(text)) return true;
  for (const m of text.matchAll(/(["'`])(\.[^"'`\\\r\n]*)(?=(.?))/g)) {
    const [, quote, body, next] = m;
    if (escaped(text, m.index) || notSpecifier(text, m.index)) continue;
    // At a line end (or the file's): a template goes on (its text is not RELATIVE unless the body
    // is), a string stops there (unterminated, its text is the body).
    const closed = next === quote || (next === "" && quote !== "`");
    if (closed ? RELATIVE.test(body) && resolved(absFile, body) !== body : body.length < 3 || RELATIVE.test(body)) {
      if (!(next === "" && quote === "`" && body.length < 3)) return true;
    }
  }
  return false;
}

/** Whether the quote at `at` is escaped (inside a string: no literal starts after a backslash). */
function escaped(text, at) {
  let n = 0;
  while (at - n - 1 >= 0 && text[at - n - 1] === "\\") n++;
  return n % 2 === 1;
}

/**
 * Whether the string at `at` is certainly not a module specifier, from what comes before it: a
 * comma, "=", ":", "+" or "[" (an argument after the first, a value), or "(" after a name other
 * than require and import (`path.join(__dirname, "..")`). Anything else (a comment, `from`, an
 * escaped name) may be one.
 */
function notSpecifier(text, at) {
  let i = at - 1;
  while (i >= 0 && /\s/.test(text[i])) i--;
  if (",=:+[".includes(text[i])) return i >= 0;
  if (text[i] !== "(") return false;
  i--;
  while (i >= 0 && /\s/.test(text[i])) i--;
  let j = i;
  while (j >= 0 && /[\w$]/.test(text[j])) j--;
  const name = text.slice(j + 1, i + 1);
  return name !== "" && name !== "require" && name !== "import" && text[j] !== "\\";
}

/** Checks (fix: false) or fixes the files under `root`; returns the lines to print and the exit code. */
function run({ fix, root = ROOT }) {
  let ts = null; // loaded for the first file that needs parsing
  const lines = [];
  let bad = 0;
  let changed = 0;
  for (const rel of tsFiles(root)) {
    const abs = path.join(root, rel);
    const text = fs.readFileSync(abs, "utf8");
    if (!mayHaveFindings(abs, text)) continue;
    ts ??= require("@tslab/typescript-for-tslab");
    const found = findings(ts, abs, text);
    if (!found.length) continue;
    const where = rel.split(path.sep).join("/");
    for (const f of found) {
      if (fix && f.fix !== undefined) continue;
      bad++;
      const why = f.fix === undefined ? "names no file" : `should read "${f.fix}"`;
      lines.push(`${where}:${f.line}: "${f.spec}" ${why}`);
    }
    if (fix) {
      const next = rewrite(text, found);
      if (next !== text) {
        fs.writeFileSync(abs, next);
        changed++;
      }
    }
  }
  if (fix) lines.push(`import-extensions: ${changed} file(s) rewritten`);
  else if (bad) lines.push(`import-extensions: ${bad} relative specifier(s) without the file's extension; run \`node scripts/import-extensions.cjs --fix\``);
  return { lines, code: bad ? 1 : 0 };
}

module.exports = { run, findings, mayHaveFindings, rewrite, resolved, tsFiles };

if (require.main === module) {
  const args = process.argv.slice(2);
  const mode = args.length === 1 && ["--check", "--fix"].includes(args[0]) ? args[0] : undefined;
  if (!mode) {
    console.error("usage: node scripts/import-extensions.cjs --check | --fix");
    process.exitCode = 2;
  } else {
    const { lines, code } = run({ fix: mode === "--fix" });
    for (const l of lines) (code ? console.error : console.log)(l);
    process.exitCode = code;
  }
}
