/**
 * Strict type check of the notebooks' code cells: `npm run check:cells [-- NB...]`.
 *
 * tslab checks each cell with its bundled TypeScript 5.0, non-strict. This runs the project's
 * own compiler (TypeScript 7, `node node_modules/typescript/bin/tsc`) with tsconfig.json's
 * strict settings over one virtual module per notebook: its code cells joined in order.
 * Errors read "notebooks/NN-x.ipynb cell K (id ID), line L: TSnnnn message", K counting every
 * cell of the notebook from 1 (as run-notebooks.sh does) and L the line inside the cell.
 * Exit 0 when clean, 1 on any error, 2 on bad usage. The cells import the compiled library
 * (`../dist/lib/...`, its .d.ts files): the npm script runs `node scripts/build.cjs --quiet` first.
 *
 * How cells become one module (kept close to what the kernels do):
 * - the modules are written to build/ (a folder beside notebooks/, so `../dist/lib/index` resolves
 *   as it does from a notebook) with a generated tsconfig extending the project one;
 * - top-level await is allowed: every virtual module is an ES module (`export {}` is added);
 * - a kernel lets a later cell declare a name again (`const spec = ...` in each chart cell); in
 *   one module that is an error, so such a cell and the cells after it go into a nested block
 *   `{ ... }`, where the new declaration shadows the old one as it does in the kernel;
 *   `import` declarations stay at the top level (moved there, their lines still map back);
 * - flags that do not fit notebooks are turned off, see NOTEBOOK_OVERRIDES.
 *
 * Cells are split into statements with the parser of tslab's TypeScript 5.0 (the notebooks
 * must parse with it anyway); the check itself is the project's TypeScript 7.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import * as ts from "@tslab/typescript-for-tslab";

const ROOT = path.resolve(__dirname, "..");
const OUT_DIR = path.join(ROOT, "build");
/** This run's files in build/ (the pid keeps two runs at once apart). */
const PREFIX = `check-cells.${process.pid}.`;

/**
 * Strict settings from tsconfig.json, except:
 * - noUnusedLocals: a notebook's top-level names are the reader's workspace: a value computed
 *   to be looked at, a helper kept for a later cell or for the reader to call, and a name shadowed
 *   by a later cell are not dead code;
 * - noUnusedParameters: callbacks shown with their full signature (`(row, index) => ...`) are
 *   clearer to a newcomer than ones with underscored or missing parameters.
 * Everything under `strict` (noImplicitAny, strictNullChecks, useUnknownInCatchVariables...),
 * noFallthroughCasesInSwitch, noImplicitOverride, the ES2022 library (as in tslab) and the
 * extensionless import rule stay as the project has them.
 */
const NOTEBOOK_OVERRIDES = { noUnusedLocals: false, noUnusedParameters: false };

interface NotebookCell {
  cell_type: string;
  id?: string;
  source: string | string[];
}

/** One run of generated lines that came from one cell. */
interface Span {
  genLine: number; // 0-based first line in the generated file
  lines: number;
  cell: number; // 1-based index among all cells
  id: string;
  cellLine: number; // 0-based first line in the cell
}

interface Virtual {
  notebook: string; // project-relative path
  file: string; // absolute path of the generated module
  text: string;
  spans: Span[];
}

function sourceOf(cell: NotebookCell): string {
  return Array.isArray(cell.source) ? cell.source.join("") : cell.source;
}

/** Names a binding pattern declares. */
function bindingNames(name: ts.BindingName, out: string[]): void {
  if (ts.isIdentifier(name)) {
    out.push(name.text);
    return;
  }
  for (const element of name.elements) {
    if (!ts.isOmittedExpression(element)) bindingNames(element.name, out);
  }
}

/** Top-level names a cell declares (values and types alike; imports excluded). */
function declaredNames(statements: readonly ts.Statement[]): string[] {
  const names: string[] = [];
  for (const s of statements) {
    if (ts.isVariableStatement(s)) {
      for (const d of s.declarationList.declarations) bindingNames(d.name, names);
    } else if (
      (ts.isFunctionDeclaration(s) || ts.isClassDeclaration(s) || ts.isInterfaceDeclaration(s) ||
        ts.isTypeAliasDeclaration(s) || ts.isEnumDeclaration(s)) &&
      s.name
    ) {
      names.push(s.name.text);
    }
  }
  return names;
}

function lineCount(text: string): number {
  return text.split("\n").length;
}

/** Builds the virtual module of one notebook. */
function buildVirtual(notebook: string, index: number): Virtual {
  const nb = JSON.parse(fs.readFileSync(path.join(ROOT, notebook), "utf8")) as { cells?: NotebookCell[] };
  const cells = nb.cells ?? [];
  const head: { text: string; span: Span }[] = []; // imports, in cell order, at the top level
  const body: string[] = [];
  const bodySpans: Span[] = [];
  const seen = new Set<string>();
  let bodyLine = 0;
  let open = 0;
  cells.forEach((cell, i) => {
    if (cell.cell_type !== "code") return;
    const id = cell.id ?? "?";
    // A final newline would only add an empty line; cells are separated by one below.
    const source = sourceOf(cell).replace(/\n$/, "");
    const parsed = ts.createSourceFile(`cell${i + 1}.ts`, source, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
    const names = declaredNames(parsed.statements);
    if (names.some((n) => seen.has(n))) {
      body.push(`{ // cell ${i + 1} declares a name again: a new scope, as in the kernel`);
      bodyLine += 1;
      open += 1;
    }
    for (const n of names) seen.add(n);
    // Move the imports to the top level; blanking them keeps the cell's other lines in place.
    let text = source;
    for (const s of parsed.statements) {
      if (!ts.isImportDeclaration(s) && !ts.isImportEqualsDeclaration(s)) continue;
      const start = s.getStart(parsed);
      const importText = source.slice(start, s.end);
      const cellLine = parsed.getLineAndCharacterOfPosition(start).line;
      head.push({ text: importText, span: { genLine: -1, lines: lineCount(importText), cell: i + 1, id, cellLine } });
      text = text.slice(0, start) + importText.replace(/[^\n]/g, " ") + text.slice(s.end);
    }
    bodySpans.push({ genLine: bodyLine, lines: lineCount(text), cell: i + 1, id, cellLine: 0 });
    body.push(text);
    bodyLine += lineCount(text);
  });
  const lines: string[] = [`// Generated by scripts/check-cells.ts from ${notebook}; do not edit.`];
  const spans: Span[] = [];
  // One array element per line, so that indexes are line numbers.
  for (const { text, span } of head) {
    spans.push({ ...span, genLine: lines.length });
    lines.push(...text.split("\n"));
  }
  const bodyStart = lines.length;
  for (const s of bodySpans) spans.push({ ...s, genLine: s.genLine + bodyStart });
  for (const text of body) lines.push(...text.split("\n"));
  lines.push("}".repeat(open), "export {};", "");
  const base = path.basename(notebook, ".ipynb").replace(/[^A-Za-z0-9_-]/g, "_");
  const file = path.join(OUT_DIR, `${PREFIX}${String(index).padStart(2, "0")}.${base}.ts`);
  return { notebook, file, text: lines.join("\n"), spans };
}

/** Where a 0-based generated line comes from. */
function locate(v: Virtual, genLine: number): { span: Span; line: number } | undefined {
  for (const span of v.spans) {
    if (genLine >= span.genLine && genLine < span.genLine + span.lines) {
      return { span, line: span.cellLine + (genLine - span.genLine) + 1 };
    }
  }
  return undefined;
}

function main(argv: string[]): number {
  if (argv.some((a) => a.startsWith("-"))) {
    process.stderr.write("usage: npm run check:cells [-- notebooks/NN-x.ipynb ...]\n");
    return 2;
  }
  const notebooks =
    argv.length > 0
      ? argv.map((a) => path.relative(ROOT, path.resolve(a)).split(path.sep).join("/"))
      : fs
          .readdirSync(path.join(ROOT, "notebooks"))
          .filter((f) => f.endsWith(".ipynb"))
          .sort()
          .map((f) => `notebooks/${f}`);
  if (notebooks.length === 0) {
    console.log("check:cells: no notebooks/*.ipynb, nothing to check");
    return 0;
  }
  for (const nb of notebooks) {
    if (!fs.existsSync(path.join(ROOT, nb))) {
      process.stderr.write(`check:cells: no such notebook: ${nb}\n`);
      return 2;
    }
  }

  fs.mkdirSync(OUT_DIR, { recursive: true });
  const virtuals = notebooks.map((nb, i) => buildVirtual(nb, i));
  for (const v of virtuals) fs.writeFileSync(v.file, v.text);
  const tsconfig = path.join(OUT_DIR, `${PREFIX}tsconfig.json`);
  fs.writeFileSync(
    tsconfig,
    JSON.stringify(
      {
        extends: "../tsconfig.json",
        compilerOptions: NOTEBOOK_OVERRIDES,
        include: [],
        files: virtuals.map((v) => path.basename(v.file)),
      },
      null,
      2,
    ) + "\n",
  );

  let r;
  try {
    r = spawnSync(process.execPath, [path.join(ROOT, "node_modules/typescript/bin/tsc"), "-p", tsconfig, "--pretty", "false"], {
      cwd: ROOT,
      encoding: "utf8",
    });
  } finally {
    if (!process.env["CHECK_CELLS_KEEP"]) {
      for (const f of fs.readdirSync(OUT_DIR)) if (f.startsWith(PREFIX)) fs.rmSync(path.join(OUT_DIR, f));
    }
  }
  if (r.error) throw r.error;
  const out = `${r.stdout}${r.stderr}`;

  // "file(line,col): error TSnnnn: message", continuation lines indented.
  const byFile = new Map(virtuals.map((v) => [path.resolve(v.file), v]));
  const counts = new Map<string, number>(notebooks.map((nb) => [nb, 0]));
  const report: string[] = [];
  let outside = 0;
  let inDiagnostic = false;
  for (const raw of out.split("\n")) {
    const m = /^(.+?)\((\d+),(\d+)\): error (TS\d+): (.*)$/.exec(raw);
    if (!m) {
      if (inDiagnostic && /^\s/.test(raw) && raw.trim()) {
        report.push(`    ${raw.trim()}`); // the rest of a chained message
      } else if (raw.trim()) {
        report.push(raw); // e.g. a tsconfig problem
        outside++;
        inDiagnostic = false;
      }
      continue;
    }
    inDiagnostic = true;
    const [, file, line, col, code, message] = m as unknown as [string, string, string, string, string, string];
    const v = byFile.get(path.resolve(ROOT, file));
    const at = v ? locate(v, Number(line) - 1) : undefined;
    if (v && at) {
      counts.set(v.notebook, (counts.get(v.notebook) ?? 0) + 1);
      report.push(`${v.notebook} cell ${at.span.cell} (id ${at.span.id}), line ${at.line}: ${code} ${message}`);
    } else {
      // An error in an imported file (lib/, hardware/): `npm run typecheck` reports it too.
      outside++;
      report.push(`${path.relative(ROOT, path.resolve(ROOT, file))}(${line},${col}): ${code} ${message} (outside the notebooks)`);
    }
  }
  for (const line of report) console.log(line);
  const total = [...counts.values()].reduce((a, b) => a + b, 0);
  for (const [nb, n] of counts) console.log(`${n === 0 ? "ok    " : "FAILED"} ${nb}${n ? `: ${n} error(s)` : ""}`);
  const failedNbs = [...counts.values()].filter((n) => n > 0).length;
  console.log(
    `check:cells: ${notebooks.length - failedNbs} passed, ${failedNbs} failed` +
      (outside ? ` (and ${outside} error line(s) outside the notebooks)` : ""),
  );
  return total > 0 || outside > 0 || r.status !== 0 ? 1 : 0;
}

process.exitCode = main(process.argv.slice(2));
