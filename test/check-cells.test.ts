// scripts/check-cells.ts (`npm run check:cells`) on small notebooks written to a temp folder.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";

const root = path.resolve(__dirname, "..");

function notebook(cells: { code?: string; md?: string; id: string }[]): object {
  return {
    cells: cells.map((c) =>
      c.code !== undefined
        ? { cell_type: "code", id: c.id, metadata: {}, source: c.code, outputs: [], execution_count: null }
        : { cell_type: "markdown", id: c.id, metadata: {}, source: c.md ?? "" },
    ),
    metadata: {},
    nbformat: 4,
    nbformat_minor: 5,
  };
}

/** What a run leaves in build/ (it must leave nothing: its generated modules are removed afterwards). */
const leftovers = () => (fs.existsSync(path.join(root, "build")) ? fs.readdirSync(path.join(root, "build")).filter((f) => f.startsWith("check-cells.")) : []);

/** One run of the script on `nb` (through tsx's CommonJS hook only, scripts/tsx-cjs.cjs: the script is CommonJS). */
function checkCells(nb: object): { status: number | null; out: string; name: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "check-cells-"));
  const file = path.join(dir, "nb.ipynb");
  fs.writeFileSync(file, JSON.stringify(nb));
  try {
    const r = spawnSync(process.execPath, ["--require", "./scripts/tsx-cjs.cjs", "scripts/check-cells.ts", file], { cwd: root, encoding: "utf8" });
    assert.equal(leftovers(), [], "generated files are removed afterwards");
    return { status: r.status, out: r.stdout + r.stderr, name: path.relative(root, file).split(path.sep).join("/") };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

test("clean cells pass: imports, top-level await, a name declared again in a later cell", () => {
  const r = checkCells(
    notebook([
      { id: "imp", code: 'import {\n  barChart,\n  chartBundle,\n} from "../lib/chart/index";\nimport { ERA_IDS } from "../lib/index";' },
      { id: "m", md: "# prose" },
      { id: "a", code: 'const rows = ERA_IDS.map((era) => ({ era, n: era.length }));\nconst spec = barChart({ title: "t", data: rows, x: "era", y: "n" });' },
      { id: "b", code: 'const bundle = await chartBundle(spec, "s");\nbundle["text/plain"];' },
      { id: "c", code: 'const spec = 42; // again, with another type\nconst n: number = spec;\nfunction unusedHelper(x: number, unused: string) { return x + n; }' },
    ]),
  );
  assert.is(r.status, 0, r.out);
  assert.match(r.out, "1 passed, 0 failed");
});

test("errors name notebook, cell, id and the line inside the cell", () => {
  const r = checkCells(
    notebook([
      { id: "imp", code: 'import {\n  ERA_IDS,\n} from "../lib/index";\nconst a: string = 1;' },
      { id: "m", md: "text" },
      { id: "late", code: 'const ok = 1;\nimport { ERAS } from "../lib/index";\nconst e: number = ERAS;\nfunction f(x) { return x; }' },
      { id: "strict", code: 'try { JSON.parse("x"); } catch (e) { console.log(e.message); }\nconsole.log(ERA_IDS.toSorted());' },
    ]),
  );
  assert.is(r.status, 1, r.out);
  const lines = r.out.split("\n");
  const has = (prefix: string, code: string) =>
    assert.ok(lines.some((l) => l.startsWith(`${r.name} ${prefix}: ${code}`)), `${prefix} ${code} in:\n${r.out}`);
  has("cell 1 (id imp), line 4", "TS2322");
  has("cell 3 (id late), line 3", "TS2322");
  has("cell 3 (id late), line 4", "TS7006"); // noImplicitAny
  has("cell 4 (id strict), line 1", "TS18046"); // useUnknownInCatchVariables
  has("cell 4 (id strict), line 2", "TS2339"); // ES2022 library, as in tslab: no toSorted
  assert.match(r.out, "0 passed, 1 failed");
});

test.run();
