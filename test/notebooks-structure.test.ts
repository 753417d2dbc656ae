// The notebooks' structure, read from the .ipynb files (nothing is executed):
// - no function is defined in more than one notebook, and none re-defines a lib/notebook export;
// - every chapter has its practice parts: questions with answers in a <details> block, the
//   exercises it links (`npm run check -- --only NN`, ids that exist in exercises/track.json),
//   and links to the sources and glossary pages;
// - code cells import the library compiled into dist/ (fast in a kernel), never the sources.
import * as fs from "node:fs";
import * as path from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import * as notebookLib from "../lib/notebook.ts";

const root = path.resolve(__dirname, "..");
const nbDir = path.join(root, "notebooks");

interface Cell { cell_type: string; source: string | string[] }
const text = (c: Cell) => (Array.isArray(c.source) ? c.source.join("") : c.source);

function notebooks(): Array<{ name: string; cells: Cell[] }> {
  return fs
    .readdirSync(nbDir)
    .filter((f) => /^\d\d-.*\.ipynb$/.test(f))
    .sort()
    .map((f) => ({ name: f, cells: (JSON.parse(fs.readFileSync(path.join(nbDir, f), "utf8")) as { cells: Cell[] }).cells }));
}

/**
 * Names of the functions a code cell defines at its top level (no indentation): `function f`,
 * `async function f`, and `const f = (...) =>` / `const f = async (...) =>` / `const f = x =>`.
 */
export function definedFunctions(source: string): string[] {
  const out: string[] = [];
  const re = /^(?:export\s+)?(?:async\s+)?function\s*\*?\s*([A-Za-z_$][\w$]*)|^(?:export\s+)?(?:const|let|var)\s+([A-Za-z_$][\w$]*)\s*(?::[^=]+)?=\s*(?:async\s+)?(?:\([^)]*\)|[A-Za-z_$][\w$]*)\s*(?::[^=]+?)?=>/gm;
  for (const m of source.matchAll(re)) out.push(m[1] ?? m[2]);
  return out;
}

test("definedFunctions finds declarations and arrow functions, not calls or values", () => {
  const src = [
    "function printTable(head: string[]): void {}",
    "async function perEra() {}",
    "const ret = (r: number) => String(r);",
    "const later = async (x: number): Promise<void> => {};",
    "const one = x => x;",
    "const rows = runs.map((r) => r.era);",
    "  function nested() {}",
    "printTable([], []);",
  ].join("\n");
  assert.equal(definedFunctions(src), ["printTable", "perEra", "ret", "later", "one"]);
});

test("no function is defined in more than one notebook, and none re-defines a lib/notebook helper", () => {
  const where = new Map<string, Set<string>>();
  for (const nb of notebooks()) {
    for (const c of nb.cells) {
      if (c.cell_type !== "code") continue;
      for (const fn of definedFunctions(text(c))) {
        if (!where.has(fn)) where.set(fn, new Set());
        where.get(fn)!.add(nb.name);
      }
    }
  }
  const shared = [...where].filter(([, nbs]) => nbs.size > 1).map(([fn, nbs]) => `${fn}: ${[...nbs].join(", ")}`);
  assert.equal(shared, [], "functions defined in several notebooks (move them to lib/notebook.ts)");
  const redefined = Object.keys(notebookLib).filter((fn) => where.has(fn)).map((fn) => `${fn}: ${[...where.get(fn)!].join(", ")}`);
  assert.equal(redefined, [], "notebooks re-define helpers that lib/notebook.ts exports (import them)");
});

const trackIds = (JSON.parse(fs.readFileSync(path.join(root, "exercises/track.json"), "utf8")) as { exercises: Array<{ id: string }> })
  .exercises.map((e) => e.id);

/** What a chapter's markdown must contain for its practice parts; the problems found. */
export function practiceProblems(markdown: string, ids: readonly string[]): string[] {
  const problems: string[] = [];
  if (!/^##\s+Questions\b/m.test(markdown)) problems.push("no '## Questions' section");
  else if (!/<details>[\s\S]*?<\/details>/.test(markdown.slice(markdown.search(/^##\s+Questions\b/m)))) problems.push("questions without a <details> answer block");
  if (!/\]\(sources\.md(#[^)]*)?\)/.test(markdown)) problems.push("no link to sources.md");
  if (!/\]\(glossary\.md(#[^)]*)?\)/.test(markdown)) problems.push("no link to glossary.md");
  const only = [...markdown.matchAll(/npm run check -- --only (\d\d)\b/g)].map((m) => m[1]);
  if (only.length === 0) problems.push("no exercise link (npm run check -- --only NN)");
  for (const n of only) if (!ids.some((id) => id.startsWith(`${n}-`))) problems.push(`exercise ${n} is not in exercises/track.json`);
  return problems;
}

test("practiceProblems rejects a chapter without answers, links or a real exercise", () => {
  const good = "## Questions\n1. Why?\n<details><summary>Answers</summary>1. Because.</details>\n" +
    "[sources](sources.md) [glossary](glossary.md#errno)\n`npm run check -- --only 01`";
  assert.equal(practiceProblems(good, ["01-soft-or-hard"]), []);
  assert.ok(practiceProblems(good.replace("<details>", "<div>"), ["01-soft-or-hard"]).length > 0);
  assert.ok(practiceProblems(good.replace("(sources.md)", "(sources)"), ["01-soft-or-hard"]).length > 0);
  assert.ok(practiceProblems(good.replace("glossary.md", "gloss.md"), ["01-soft-or-hard"]).length > 0);
  assert.equal(practiceProblems(good, ["02-sprd-einval"]), ["exercise 01 is not in exercises/track.json"]);
  assert.ok(practiceProblems(good.replace("## Questions", "## Summary"), ["01-soft-or-hard"]).length > 0);
});

test("every chapter has questions with answers, exercise links and links to sources and glossary", () => {
  const problems = notebooks().flatMap((nb) => {
    const md = nb.cells.filter((c) => c.cell_type === "markdown").map(text).join("\n\n");
    return practiceProblems(md, trackIds).map((p) => `${nb.name}: ${p}`);
  });
  assert.equal(problems, []);
});

/**
 * Import specifiers of a code cell that reach into the project's sources instead of the compiled
 * library: `../lib/...` or `../hardware/...` (tslab would compile those on every kernel start).
 */
export function sourceImports(source: string): string[] {
  return [...source.matchAll(/^\s*(?:import|export)\b[^"']*?from\s+["']([^"']+)["']/gm)]
    .map((m) => m[1])
    .filter((spec) => /^\.\.\/(?:lib|hardware)(?:\/|$)/.test(spec));
}

test("sourceImports flags ../lib and ../hardware imports, not ../dist ones or data paths", () => {
  const src = [
    'import { Kernel } from "../lib/index";',
    'import type { Domain } from "../hardware/arm-smmu";',
    'import { printTable } from "../dist/lib/notebook";',
    'import * as fs from "node:fs";',
    'const s = loadScenario("../hardware/platforms/arm-server-2x-smmuv3.json");',
    "import {\n  runTrip,\n} from '../lib/matrix';",
  ].join("\n");
  assert.equal(sourceImports(src), ["../lib/index", "../hardware/arm-smmu", "../lib/matrix"]);
});

test("every notebook imports the compiled library (../dist/lib), not the TypeScript sources", () => {
  const found = notebooks().flatMap((nb) =>
    nb.cells.filter((c) => c.cell_type === "code").flatMap((c) => sourceImports(text(c)).map((spec) => `${nb.name}: ${spec}`)));
  assert.equal(found, []);
  const distImports = notebooks().filter((nb) => nb.cells.some((c) => c.cell_type === "code" && /from\s+["']\.\.\/dist\/lib\//.test(text(c))));
  assert.equal(distImports.length, notebooks().length, "a notebook without any ../dist/lib import");
  // Each names its file (x.js), so Deno's kernel needs no sloppy imports; tslab resolves it too.
  const bare = notebooks().flatMap((nb) => nb.cells.filter((c) => c.cell_type === "code").flatMap((c) => [...text(c).matchAll(/["'](\.\.\/dist\/lib\/[^"']*)["']/g)].map((m) => m[1]!).filter((s) => !s.endsWith(".js"))));
  assert.equal(bare, [], "a ../dist/lib import without its .js extension");
});

test.run();
