/**
 * Relative imports name the real file (`./x.ts`, `./dir/index.ts`), so Deno runs the sources
 * without sloppy imports: scripts/import-extensions.cjs --check holds the project to it (a new
 * extensionless import fails here), --fix rewrites exactly the specifiers and nothing else.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";

const root = path.resolve(__dirname, "..");
const script = path.join(root, "scripts/import-extensions.cjs");
const codemod = require("../scripts/import-extensions.cjs") as {
  run(o: { fix: boolean; root?: string }): { lines: string[]; code: number };
  findings(ts: unknown, absFile: string, text: string): unknown[];
  mayHaveFindings(absFile: string, text: string): boolean;
};

test("the project's relative imports all name their file (import-extensions --check)", () => {
  const r = spawnSync(process.execPath, [script, "--check"], { cwd: root, encoding: "utf8" });
  assert.is(r.stderr, "", "run `node scripts/import-extensions.cjs --fix`");
  assert.is(r.status, 0);
});

test("import-extensions without a mode: usage, exit 2", () => {
  const r = spawnSync(process.execPath, [script], { cwd: root, encoding: "utf8" });
  assert.is(r.status, 2);
  assert.match(r.stderr, /^usage: .*--check \| --fix\n$/);
});

/** A small project: lib/ with a module, a folder with an index, data files; test/ importing them. */
const FILES: Record<string, string> = {
  "lib/a.ts": "export const a = 1;\n",
  "lib/dir/index.ts": "export const d = 2;\n",
  "lib/data.json": "{}\n",
  "lib/old.cjs": "module.exports = 3;\n",
  "lib/b.ts": [
    'import { a } from "./a";',
    "import type { d } from './dir';",
    'export * from "./dir/index";',
    'export { a as a2 } from "./a.ts";',
    'import data from "./data.json";',
    'import "./a";',
    'import zod = require("zod");',
    'import old = require("./old.cjs");',
    "const later = () => import(\"./a\");",
    'const req = require("../lib/a");',
    'type T = typeof import("./dir/");',
    '// import { a } from "./a";',
    'const text = "import { a } from \'./a\'";',
    "const tpl = `require(\"./a\")`;",
    'import { gone } from "./missing";',
    "export { data, later, req, text, tpl, zod, old, a, gone };",
    "export type { d, T };",
    "",
  ].join("\n"),
  "test/c.test.ts": 'import { a } from "../lib/a";\nimport { b } from "../lib/b.ts";\n',
};

function project(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "import-ext-"));
  for (const [f, text] of Object.entries(FILES)) {
    fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    fs.writeFileSync(path.join(dir, f), text);
  }
  return dir;
}

test("--check lists each extensionless relative specifier by file:line, and what it should read", () => {
  const dir = project();
  try {
    const r = codemod.run({ fix: false, root: dir });
    assert.is(r.code, 1);
    assert.equal(r.lines.slice(0, -1), [
      'lib/b.ts:1: "./a" should read "./a.ts"',
      'lib/b.ts:2: "./dir" should read "./dir/index.ts"',
      'lib/b.ts:3: "./dir/index" should read "./dir/index.ts"',
      'lib/b.ts:6: "./a" should read "./a.ts"',
      'lib/b.ts:9: "./a" should read "./a.ts"',
      'lib/b.ts:10: "../lib/a" should read "../lib/a.ts"',
      'lib/b.ts:11: "./dir/" should read "./dir/index.ts"',
      'lib/b.ts:15: "./missing" names no file',
      'test/c.test.ts:1: "../lib/a" should read "../lib/a.ts"',
    ]);
    assert.match(r.lines.at(-1)!, /^import-extensions: 9 relative specifier/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true }); // made above by mkdtemp
  }
});

test("--fix rewrites the specifiers only (quotes kept), is idempotent, and leaves what names no file", () => {
  const dir = project();
  try {
    const r = codemod.run({ fix: true, root: dir });
    assert.equal(r.lines, ['lib/b.ts:15: "./missing" names no file', "import-extensions: 2 file(s) rewritten"]);
    assert.is(r.code, 1);
    const b = fs.readFileSync(path.join(dir, "lib/b.ts"), "utf8").split("\n");
    assert.equal(b.slice(0, 16), [
      'import { a } from "./a.ts";',
      "import type { d } from './dir/index.ts';",
      'export * from "./dir/index.ts";',
      'export { a as a2 } from "./a.ts";',
      'import data from "./data.json";',
      'import "./a.ts";',
      'import zod = require("zod");',
      'import old = require("./old.cjs");',
      'const later = () => import("./a.ts");',
      'const req = require("../lib/a.ts");',
      'type T = typeof import("./dir/index.ts");',
      '// import { a } from "./a";',
      'const text = "import { a } from \'./a\'";',
      "const tpl = `require(\"./a\")`;",
      'import { gone } from "./missing";',
      "export { data, later, req, text, tpl, zod, old, a, gone };",
    ]);
    assert.is(fs.readFileSync(path.join(dir, "test/c.test.ts"), "utf8"), 'import { a } from "../lib/a.ts";\nimport { b } from "../lib/b.ts";\n');
    const before = fs.readFileSync(path.join(dir, "lib/b.ts"), "utf8");
    assert.equal(codemod.run({ fix: true, root: dir }).lines.at(-1), "import-extensions: 0 file(s) rewritten");
    assert.is(fs.readFileSync(path.join(dir, "lib/b.ts"), "utf8"), before);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true }); // made above by mkdtemp
  }
});

test("a file is parsed unless it plainly names its files: every specifier that needs fixing gets it parsed", () => {
  const dir = project();
  const ts = require("@tslab/typescript-for-tslab") as unknown;
  const file = path.join(dir, "lib/x.ts");
  try {
    // One specifier to report in each: plain, after a comment, escaped, in a template, an escaped
    // require, a string cut short by a line end, one that names no file.
    const reported = [
      'import { a } from "./a";',
      "import { a } from /* why */ './dir';",
      'const x = require /* why */ ("./a");',
      'import { a } from "\\x2e/a";',
      'import { a } from ".\\/a";',
      'import { a } from "./a.ts\\u0020";',
      "const t = require(`./a`);",
      'const u = requ\\u0069re("./a");',
      'import y = require("./missing");',
      'const w = "x"; const v = require(\n  "./dir/");',
    ];
    for (const text of reported) {
      assert.ok(codemod.findings(ts, file, text).length > 0, `no finding in ${text}`);
      assert.ok(codemod.mayHaveFindings(file, text), `skipped: ${text}`);
    }
    // Nothing to report, and seen without the parser: named files, paths passed as later arguments.
    for (const text of ['import { a } from "./a.ts";\nconst p = path.join(__dirname, "..");\nconst q = f(x, "../dir");\nconst s = "a" + ".";', "export * from './dir/index.ts';\n// a \"word\". And `code`.\n"]) {
      assert.equal(codemod.findings(ts, file, text), [], text);
      assert.not.ok(codemod.mayHaveFindings(file, text), `parsed: ${text}`);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true }); // made above by mkdtemp
  }
});

test.run();
