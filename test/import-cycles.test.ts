/**
 * No import cycles among the project's modules (lib/, hardware/, tools/), type-only imports included: a cycle means neither
 * module can be read, tested or replaced without the other (issue #17). And lib/ is a layer: it
 * imports nothing outside lib/ (the drivers in hardware/ and the tools are passed in or built on
 * top). Relative imports and re-exports are followed; packages and node: modules are not.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";

const ROOT = path.resolve(__dirname, "..");
/** The folders whose modules form the graph, keyed "lib/model", "tools/sweep/report", ... */
const SOURCES = ["lib", "hardware", "tools"];
/** The cycles allowed: none (the test fails when one appears). */
const KNOWN: string[] = [];

/**
 * Module -> the modules it imports (paths relative to `dir`, without .ts), over the .ts files in
 * the folders `roots` of `dir` (default: all of it).
 */
export function importGraph(dir: string, roots: readonly string[] = [""]): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  const files = roots.flatMap((r) => fs.readdirSync(path.join(dir, r), { recursive: true }).map((f) => path.join(r, String(f)))).filter((f) => f.endsWith(".ts"));
  const known = new Set(files.map((f) => f.slice(0, -3).split(path.sep).join("/")));
  for (const f of files) {
    const from = f.slice(0, -3).split(path.sep).join("/");
    const text = fs.readFileSync(path.join(dir, f), "utf8").replace(/\/\*[\s\S]*?\*\/|^\s*\/\/.*$/gm, "");
    const deps = new Set<string>();
    for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^;]*?\bfrom\s*["'](\.{1,2}\/[^"']+)["']|(?:^|\n)\s*import\s*["'](\.{1,2}\/[^"']+)["']|\bimport\(\s*["'](\.{1,2}\/[^"']+)["']\s*\)|\brequire\(\s*["'](\.{1,2}\/[^"']+)["']\s*\)/g)) {
      const spec = m[1] ?? m[2] ?? m[3] ?? m[4]!;
      const to = path.posix.normalize(path.posix.join(path.posix.dirname(from), spec)).replace(/\.(ts|js)$/, "");
      if (known.has(to)) deps.add(to);
      else if (known.has(`${to}/index`)) deps.add(`${to}/index`);
    }
    graph.set(from, [...deps].sort());
  }
  return graph;
}

/** The strongly connected components with more than one module, or a module importing itself (Tarjan). */
export function cycles(graph: Map<string, string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const on = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    on.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        on.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1 || (graph.get(v) ?? []).includes(v)) out.push(scc.sort());
    }
  };
  for (const v of [...graph.keys()].sort()) if (!index.has(v)) visit(v);
  return out.sort((a, b) => a[0]!.localeCompare(b[0]!));
}

test("the cycle finder sees a two-module cycle, a self-import and a type-only cycle, and no cycle in a chain", () => {
  assert.equal(cycles(new Map([["a", ["b"]], ["b", ["a"]], ["c", ["a"]]])), [["a", "b"]]);
  assert.equal(cycles(new Map([["a", ["a"]]])), [["a"]]);
  assert.equal(cycles(new Map([["a", ["b"]], ["b", ["c"]], ["c", []]])), []);
  const dir = fs.mkdtempSync(path.join(path.resolve(__dirname, "../build"), "cycles-"));
  try {
    fs.mkdirSync(path.join(dir, "sub"));
    fs.writeFileSync(path.join(dir, "a.ts"), 'import type { B } from "./sub/b";\nexport type A = B;\n');
    fs.writeFileSync(path.join(dir, "sub/b.ts"), 'export {\n  type A as B,\n} from "../a";\n');
    fs.writeFileSync(path.join(dir, "c.ts"), '// import { x } from "./a";\nexport const c = 1;\n');
    fs.writeFileSync(path.join(dir, "d.ts"), 'import "./e";\n');
    fs.writeFileSync(path.join(dir, "e.ts"), 'export const e = require("./d");\n');
    assert.equal(cycles(importGraph(dir)), [["a", "sub/b"], ["d", "e"]]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true }); // made above by mkdtemp
  }
});

const projectGraph = (): Map<string, string[]> => importGraph(ROOT, SOURCES);

/** Edges from a module under `layer`/ to one outside it, as "from -> to". */
export function edgesOut(graph: Map<string, string[]>, layer: string): string[] {
  const inside = (m: string) => m.startsWith(`${layer}/`);
  return [...graph].filter(([from]) => inside(from)).flatMap(([from, deps]) => deps.filter((to) => !inside(to)).map((to) => `${from} -> ${to}`));
}

test("both checks reject a planted edge: a cycle through lib/, and lib/ importing hardware/ or tools/", () => {
  const graph = projectGraph();
  const planted = (from: string, to: string) => new Map([...graph].map(([k, v]) => [k, k === from ? [...v, to] : v]));
  // lib/model is imported by lib/driver: an import back makes a cycle.
  assert.equal(cycles(planted("lib/model", "lib/driver")).map((c) => c.join(" <-> ")), ["lib/driver <-> lib/model"]);
  assert.equal(edgesOut(planted("lib/platform", "hardware/index"), "lib"), ["lib/platform -> hardware/index"]);
  assert.equal(edgesOut(planted("lib/scenario/load", "tools/sweep/load"), "lib"), ["lib/scenario/load -> tools/sweep/load"]);
  // A file's text is read too: a type-only import of the driver set from hardware/ counts.
  const dir = fs.mkdtempSync(path.join(path.resolve(__dirname, "../build"), "layer-"));
  try {
    fs.mkdirSync(path.join(dir, "lib"));
    fs.mkdirSync(path.join(dir, "hardware"));
    fs.writeFileSync(path.join(dir, "hardware/index.ts"), "export const drivers = 1;\n");
    fs.writeFileSync(path.join(dir, "lib/a.ts"), 'import type { drivers } from "../hardware/index.ts";\nexport type D = typeof drivers;\n');
    fs.writeFileSync(path.join(dir, "lib/b.ts"), 'import type { D } from "./a.ts";\nexport type E = D;\n');
    assert.equal(edgesOut(importGraph(dir, ["lib", "hardware"]), "lib"), ["lib/a -> hardware/index"]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true }); // made above by mkdtemp
  }
});

test("lib/ imports nothing outside lib/ (no hardware/, no tools/)", () => {
  assert.equal(edgesOut(projectGraph(), "lib"), []);
});

test("lib/, hardware/ and tools/ have no import cycles but the known ones", () => {
  const graph = projectGraph();
  assert.ok(graph.size > 50 && [...graph.values()].some((d) => d.length > 3), "the graph was read");
  assert.equal(cycles(graph).map((c) => c.join(" <-> ")), KNOWN);
});

test("the public API and the command line do not load the fuzz harness (tools/reliability imports fast-check, a devDependency)", () => {
  const graph = projectGraph();
  const seen = new Set<string>();
  const todo = ["lib/index", "tools/cli/main", "tools/sweep/index"];
  while (todo.length) {
    const v = todo.pop()!;
    if (!seen.has(v)) (seen.add(v), todo.push(...(graph.get(v) ?? [])));
  }
  assert.ok(seen.has("lib/core/attach") && seen.has("tools/sweep/report"), "the walk reached the library");
  assert.equal([...seen].filter((m) => m.startsWith("tools/reliability/")), []);
});

test.run();
