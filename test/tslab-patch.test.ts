/**
 * The tslab fixes in patches/ (applied by patch-package):
 * - a later cell's `{ name }` naming a variable of an earlier cell must read that variable.
 *   Unpatched, tslab 1.0.22 rewrites plain uses to `exports.name` but leaves shorthand properties
 *   alone, so `new Kernel({ era, drivers })` in a notebook failed with "drivers is not defined"
 *   once `drivers` came from the import cell;
 * - a cell is compiled with one TypeScript program, not two (unpatched, tslab builds one to find
 *   the cell's names and a second with them exported);
 * - TypeScript is loaded with a V8 code cache, written after the first cell that imports a module;
 *   the kernel compiles the project's modules through a code cache too;
 * - (patch of the TypeScript that tslab bundles) a program built after a cell's imports changed
 *   does not look for "@typescript/lib-*" override packages again, file by file.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";

interface Converted {
  output?: string;
  declOutput?: string;
  diagnostics: Array<{ messageText: string }>;
}
const converterPath = require.resolve("tslab/dist/converter");
const tsPath = require.resolve("@tslab/typescript-for-tslab", { paths: [path.dirname(converterPath)] });
/**
 * This process plays a fresh kernel's part for TypeScript's code cache: the converter and its
 * TypeScript are loaded afresh here (not the copies other test files of this process may hold,
 * which the patch would not load through a cache), with the caches in a folder of this file's
 * own. Its first cell with an import writes the cache the next kernels (child processes) take,
 * as a first kernel would (one converter fewer than starting that kernel: ~2 s CPU).
 */
const codeCacheDir = fs.mkdtempSync(path.join(os.tmpdir(), "tslab-code-cache-"));
test.after(() => fs.rmSync(codeCacheDir, { recursive: true, force: true })); // the temporary folder made above
const { createConverter, codeCacheState, installModuleCodeCache, ts } = (() => {
  const earlier = { converter: require.cache[converterPath], ts: require.cache[tsPath], dir: process.env.TSLAB_CODE_CACHE_DIR };
  delete require.cache[converterPath];
  delete require.cache[tsPath];
  process.env.TSLAB_CODE_CACHE_DIR = codeCacheDir; // read when the converter loads TypeScript
  try {
    const converter = require(converterPath) as {
      createConverter(): { convert(prev: string, src: string): Converted; close(): void };
      codeCacheState?: () => { file: string | null; accepted: boolean };
      installModuleCodeCache?: () => void;
    };
    // The converter's own TypeScript (the tests below watch and patch it).
    const ts = require(tsPath) as {
      performance: { enable(): void; disable(): void; getCount(mark: string): number };
      sys: { fileExists(p: string): boolean; directoryExists(p: string): boolean };
    };
    return { ...converter, ts };
  } finally {
    if (earlier.dir === undefined) delete process.env.TSLAB_CODE_CACHE_DIR;
    else process.env.TSLAB_CODE_CACHE_DIR = earlier.dir;
    // Other test files of this process keep the copies they had.
    if (earlier.converter) require.cache[converterPath] = earlier.converter;
    if (earlier.ts) require.cache[tsPath] = earlier.ts;
  }
})();

/**
 * One converter for every test that needs no fresh one (creating one costs ~1.5 s of CPU): each
 * convert() gives the converter both the earlier cells' declarations and the cell, so what an
 * earlier test converted is not seen by the next.
 */
let sharedConverter: ReturnType<typeof createConverter> | null = null;
const shared = () => (sharedConverter ??= createConverter());
test.after(() => sharedConverter?.close());

test("TypeScript's code cache is written after the first cell with an import, and taken by the next kernel", () => {
  // First of the file's tests: no cell of this process has imported anything yet.
  assert.type(codeCacheState, "function", "tslab/dist/converter exports codeCacheState (patched)");
  const conv = shared();
  const noImport = codeCacheState!();
  assert.is(noImport.accepted, false);
  assert.ok(noImport.file?.startsWith(codeCacheDir), String(noImport.file));
  const first = conv.convert("", "0");
  assert.equal(fs.readdirSync(codeCacheDir), [], "no cache before a cell imports something");
  // The cache of an earlier TypeScript for the same Node goes when the new one is written.
  const file = noImport.file!;
  const stale = file.replace(/-\d+-\d+\.bin$/, "-1-1.bin");
  assert.is.not(stale, file);
  fs.writeFileSync(stale, "old");
  assert.equal(conv.convert(first.declOutput ?? "", 'import * as path from "path"; path.sep').diagnostics, []);
  assert.equal(fs.readdirSync(codeCacheDir), [path.basename(file)]);
  // The next kernels.
  const kernel = () => {
    const r = spawnSync(process.execPath, ["-e", `console.log(JSON.stringify(require(${JSON.stringify(converterPath)}).codeCacheState()))`], { env: { ...process.env, TSLAB_CODE_CACHE_DIR: codeCacheDir }, encoding: "utf8", cwd: os.tmpdir() });
    assert.is(r.status, 0, r.stderr);
    return JSON.parse(r.stdout) as { file: string; accepted: boolean };
  };
  assert.equal(kernel(), { ...noImport, accepted: true }, "V8 takes the cache");
  // A damaged cache is refused by V8 and the kernel still loads TypeScript.
  fs.writeFileSync(file, Buffer.alloc(4096, 7));
  assert.is(kernel().accepted, false);
});

test("a shorthand property naming an earlier cell's variable reads it; a local of the same name is left alone", () => {
  const conv = shared();
  const first = conv.convert("", "const drivers = { n: 1 };\nconst era = 2;");
  assert.equal(first.diagnostics, []);
  const second = conv.convert(first.declOutput ?? "", "function mine(drivers: number) { return { drivers }; }\nconst o = { era, drivers, mine };");
  assert.equal(second.diagnostics, []);
  const out = second.output ?? "";
  assert.match(out, /drivers: exports\.drivers/); // the earlier cell's variable
  assert.match(out, /era: exports\.era/);
  assert.match(out, /return \{ drivers \}/); // the parameter, not the earlier cell's variable
  // Run it the way tslab does (exports carries the earlier cells' values).
  const exports: Record<string, unknown> = { drivers: { n: 1 }, era: 2 };
  new Function("exports", out)(exports);
  assert.equal((exports["o"] as { drivers: unknown; era: unknown }).drivers, { n: 1 });
  assert.is((exports["o"] as { era: unknown }).era, 2);
});

test("a cell is compiled with one program, and its names (values, types, imports) still reach the next cell", () => {
  const conv = shared();
  try {
    const first = conv.convert("", "0");
    ts.performance.enable();
    const before = ts.performance.getCount("beforeProgram");
    const cell = conv.convert(first.declOutput ?? "", 'import * as path from "path";\nconst n = 1;\nfunction twice(x: number) { return 2 * x; }\ntype Pair = [number, number];\ninterface Box { v: number }\nclass K { k = 1 }');
    const programs = ts.performance.getCount("beforeProgram") - before;
    ts.performance.disable();
    assert.equal(cell.diagnostics, []);
    // One for the cell, one inside ts.transpileModule (tslab's pass to CommonJS); unpatched: 3.
    assert.is(programs, 2, `programs built for one cell: ${programs}`);
    for (const name of ["path", "n", "twice", "K"]) assert.match(cell.output ?? "", new RegExp(`exports\\.${name}\\b`), name);
    // The next cell sees every name, types included, and a wrong use is still an error.
    const next = conv.convert(cell.declOutput ?? "", "const p: Pair = [n, twice(n)];\nconst b: Box = { v: path.sep.length };\nnew K().k;");
    assert.equal(next.diagnostics, []);
    const wrong = conv.convert(cell.declOutput ?? "", 'const b: Box = { v: "one" };\ntwice("2");');
    assert.equal(
      wrong.diagnostics.map((d) => d.messageText),
      ["Type 'string' is not assignable to type 'number'.", "Argument of type 'string' is not assignable to parameter of type 'number'."],
    );
  } finally {
    ts.performance.disable();
  }
});

test("the kernel's modules outside node_modules are compiled through a code cache, and behave the same", () => {
  assert.type(installModuleCodeCache, "function", "tslab/dist/converter exports installModuleCodeCache (patched)");
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tslab-module-cache-"));
  try {
    fs.mkdirSync(path.join(dir, "project"));
    fs.writeFileSync(path.join(dir, "project/helper.js"), "exports.twice = (x) => 2 * x;\n");
    fs.writeFileSync(
      path.join(dir, "project/main.js"),
      'const { twice } = require("./helper.js");\nexports.value = twice(21);\nexports.where = require("path").basename(__dirname) + ":" + require.resolve("./helper.js").endsWith("helper.js") + ":" + (module.exports === exports);\n',
    );
    // A dynamic import keeps working (Node 20 loses its handler for code from a cache: such a module is not cached).
    fs.writeFileSync(
      path.join(dir, "project/later.js"),
      'exports.later = () => import("node:os").then((os) => typeof os.cpus);\n',
    );
    const script = `const c = require(${JSON.stringify(converterPath)}); c.installModuleCodeCache(); const m = require(${JSON.stringify(path.join(dir, "project/main.js"))}); require(${JSON.stringify(path.join(dir, "project/later.js"))}).later().then((t) => { console.log(JSON.stringify({ value: m.value, where: m.where, later: t, modules: c.codeCacheState().modules })); });`;
    const run = () => {
      const r = spawnSync(process.execPath, ["-e", script], { env: { ...process.env, TSLAB_CODE_CACHE_DIR: path.join(dir, "cache") }, encoding: "utf8" });
      assert.is(r.status, 0, r.stderr);
      return JSON.parse(r.stdout) as { value: number; where: string; later: string; modules: { installed: boolean; compiled: number; fromCache: number } };
    };
    const first = run();
    assert.equal({ ...first, modules: undefined }, { value: 42, where: "project:true:true", later: "function", modules: undefined });
    assert.equal(first.modules, { installed: true, compiled: 2, fromCache: 0 });
    const second = run();
    assert.equal(second, { ...first, modules: { installed: true, compiled: 2, fromCache: 2 } });
    assert.equal(run(), second);
    // A changed module is compiled afresh, the unchanged one still comes from the cache.
    fs.writeFileSync(path.join(dir, "project/helper.js"), "exports.twice = (x) => x + x;\n");
    assert.equal(run().modules, { installed: true, compiled: 2, fromCache: 1 });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true }); // the temporary folder made above
  }
});

test("a cell that changes the imports does not look up lib override packages again", () => {
  const conv = shared();
  const { fileExists, directoryExists } = ts.sys;
  const probes: string[] = [];
  try {
    const first = conv.convert("", "0");
    ts.sys.fileExists = (p) => (p.includes("@typescript/lib-") && probes.push(p), fileExists.call(ts.sys, p));
    ts.sys.directoryExists = (p) => (p.includes("@typescript/lib-") && probes.push(p), directoryExists.call(ts.sys, p));
    const cell = conv.convert(first.declOutput ?? "", 'import * as os from "os";\nos.EOL.length');
    assert.equal(cell.diagnostics, []);
    assert.equal(probes.slice(0, 3), [], `${probes.length} look-ups of @typescript/lib-* packages`);
  } finally {
    ts.sys.fileExists = fileExists;
    ts.sys.directoryExists = directoryExists;
  }
});

test.run();
