#!/usr/bin/env node
// `npm run build`: compiles lib/, hardware/ and tools/ into dist/ so that users do not wait for TypeScript.
//   dist/iommu-lab.cjs  the command line in one file (bin/iommu-lab.cjs runs it when it is current)
//   dist/worker.cjs     the sweep's worker thread for that bundle
//   dist/check.cjs      the classroom checker (scripts/check.ts) in one file, for scripts/check.cjs;
//                       student code still runs from the sources, through tsx, in its worker thread
//   dist/vendor/zod.js  zod in one file with its English messages only, which the modules below
//                       require instead of the package (a third of the time a notebook's import
//                       cell spent loading ~95 files of zod went to its ~60 other languages)
//   dist/lib/**.js      one CommonJS module per source module, with its .d.ts beside it, for
//   dist/hardware/**.js, dist/tools/**.js notebooks (tslab: `import { ... } from "../dist/lib/index"`) and scripts;
//                       declarations that import zod are written without it (build-slim-dts.cjs)
// Skipped when dist/ is newer than every input (fast: a few stat calls); `--force` rebuilds.
// `--no-check`: the declarations without tsc's type check (the same files; npm test, which
// type-checks everything beside the build, saves ~1.4 s of CPU with it).
// Plain JavaScript, so that it runs without tsx. Exported: isCurrent() for bin/iommu-lab.cjs.
"use strict";
const fs = require("node:fs");
const path = require("node:path");
const { spawn } = require("node:child_process");
const { slimZodDeclarations } = require("./build-slim-dts.cjs");

const ROOT = path.resolve(__dirname, "..");
const DIST = path.join(ROOT, "dist");
/** Written last, with the build's start time as mtime: a source saved during a build stays newer. */
const STAMP = ".stamp";
const SOURCE_DIRS = ["lib", "hardware", "tools"];
/** Inputs besides the sources: bundled packages and the build's own settings. */
const INPUT_FILES = ["package-lock.json", "tsconfig.build.json", "scripts/build.cjs", "scripts/build-slim-dts.cjs", "scripts/check.ts"];

function sourceFiles() {
  const out = [];
  for (const dir of SOURCE_DIRS) {
    for (const f of fs.readdirSync(path.join(ROOT, dir), { recursive: true })) {
      if (String(f).endsWith(".ts")) out.push(path.join(ROOT, dir, String(f)));
    }
  }
  return out.sort();
}

/** The newest mtime (ms) of the inputs; a deleted or renamed source shows as a newer source folder. */
function newestInput() {
  let t = 0;
  const sources = sourceFiles();
  for (const f of [...sources, ...INPUT_FILES.map((f) => path.join(ROOT, f))]) t = Math.max(t, fs.statSync(f).mtimeMs);
  for (const d of new Set(sources.map((f) => path.dirname(f)))) t = Math.max(t, fs.statSync(d).mtimeMs);
  return t;
}

/** Whether dist/ holds a build at least as new as every input. */
function isCurrent() {
  try {
    return fs.statSync(path.join(DIST, STAMP)).mtimeMs >= newestInput();
  } catch {
    return false;
  }
}

/**
 * `__dirname` in a source names the source's folder (project root lookups, data files): in the
 * output it is rewritten to that same folder, seen from where the output file lives. The one
 * exception wants the output's own folder: the sweep's worker entry, which the build writes
 * beside the output (dist/worker.cjs, dist/tools/sweep/worker.cjs).
 */
const OWN_DIRNAME = new Set(["tools/sweep/cells.ts"]);

function dirnamePlugin(outDirOf) {
  return {
    name: "source-dirname",
    setup(b) {
      b.onLoad({ filter: /\.ts$/ }, (args) => {
        let contents = fs.readFileSync(args.path, "utf8");
        const rel = path.relative(ROOT, args.path).split(path.sep).join("/");
        if (/\b__dirname\b/.test(contents) && !OWN_DIRNAME.has(rel)) {
          const back = path.relative(outDirOf(args.path), path.dirname(args.path)).split(path.sep).join("/");
          contents = contents.replace(/\b__dirname\b/g, "__sourceDir");
          contents = `const __sourceDir = require("node:path").resolve(__dirname, ${JSON.stringify(back)});\n${contents}`;
        }
        return { contents, loader: "ts" };
      });
    },
  };
}

/**
 * zod's `locales` namespace lists every language it ships: each is a module loaded with zod (more
 * than half of its files), though only English (its default, loaded on its own) is ever used. In
 * what the build bundles, the namespace holds English only.
 */
function zodEnglishOnly() {
  return {
    name: "zod-english-only",
    setup(b) {
      let hits = 0;
      b.onLoad({ filter: /[\\/]zod[\\/]v4[\\/]locales[\\/]index\.js$/ }, (args) => {
        hits++;
        return { contents: 'export { default as en } from "./en.js";\n', loader: "js", resolveDir: path.dirname(args.path) };
      });
      b.onEnd(() => {
        // Only the build of dist/vendor/zod.js (from stdin) must see it: a bundle may hold no zod.
        if (!hits && b.initialOptions.stdin) console.warn("build: zod's locales/index.js was not seen (has zod's layout changed?): its languages stay in the bundle");
      });
    },
  };
}

/** The compiled modules require the bundled zod (dist/vendor/zod.js) rather than the package. */
function vendoredZod(js, outFile) {
  const rel = path.relative(path.dirname(outFile), path.join(DIST, "vendor/zod.js")).split(path.sep).join("/");
  return js.replace(/\brequire\("zod"\)/g, `require(${JSON.stringify(rel.startsWith(".") ? rel : `./${rel}`)})`);
}

/**
 * Modules (from dist/, or packages) that the compiled modules require when first used instead of
 * when they load: zod and the scenario schemas it builds, the JSON parser of scenario files.
 * A notebook's import cell loads the scenario loader and runner and the drivers but validates
 * nothing, so it does not pay for them (~35 ms of its ~80 ms loading modules, most of it zod's
 * own start and building its schemas). Their loading has no other effect, so only when it
 * happens changes.
 */
const LAZY = new Set(["vendor/zod.js", "lib/scenario/schema.js", "lib/scenario/ops.js", "jsonc-parser"]);

/** Defined once in a module that requires something lazily: a getter per name it reads. */
const LAZY_HELPER = `
function __lazyRequire(load, names) {
  let m;
  const lazy = {};
  for (const k of names) Object.defineProperty(lazy, k, { get: () => (m ??= load())[k], enumerable: true });
  return lazy;
}
`;

/**
 * esbuild writes a named import as \`var import_x = require("...")\` and each use as
 * \`import_x.name\`: for a LAZY module, the variable becomes an object of getters that require
 * the module on first read. A module used any other way (passed whole, re-exported) stays eager.
 */
function lazyRequires(js, outFile) {
  let changed = false;
  const out = js.replace(/^var (import_\w+) = require\("([^"]+)"\);$/gm, (line, name, spec) => {
    const target = spec.startsWith(".") ? path.relative(DIST, path.resolve(path.dirname(outFile), spec)).split(path.sep).join("/") : spec;
    if (!LAZY.has(target)) return line;
    const uses = [...js.matchAll(new RegExp(`\\b${name}\\b(?:\\.([A-Za-z_$][\\w$]*))?`, "g"))].slice(1); // [0] is the declaration
    if (uses.some((m) => !m[1])) return line;
    changed = true;
    return `var ${name} = __lazyRequire(() => require(${JSON.stringify(spec)}), ${JSON.stringify([...new Set(uses.map((m) => m[1]))].sort())});`;
  });
  return changed ? out + LAZY_HELPER : out;
}

/**
 * The sources name the files they import (`./x.ts`, scripts/import-extensions.cjs); a module
 * compiled alone keeps its specifiers, so each relative `.ts` one becomes `.js`, the file written
 * beside it. esbuild writes every import as `require("...")` (dynamic ones too).
 */
function jsSpecifiers(js) {
  return js.replace(/\brequire\("(\.\.?\/[^"]*)\.ts"\)/g, 'require("$1.js")');
}

/**
 * The same in the declarations (`from "./x.ts"`, `import("./x.ts")`): `.js`, which tslab's
 * TypeScript 5.0 (node10 resolution) maps to the .d.ts beside it; it refuses a `.ts` specifier.
 */
function jsSpecifiersInDeclarations(dir) {
  for (const f of fs.readdirSync(dir, { recursive: true }).map(String)) {
    if (!f.endsWith(".d.ts")) continue;
    const file = path.join(dir, f);
    const text = fs.readFileSync(file, "utf8");
    const next = text.replace(/(\bfrom\s*|\bimport\s*\(\s*|^\s*import\s*)"(\.\.?\/[^"]*)\.ts"/gm, '$1"$2.js"');
    if (next !== text) fs.writeFileSync(file, next);
  }
}

function run(cmd, args) {
  return new Promise((resolve) => {
    const p = spawn(cmd, args, { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    p.stdout.on("data", (d) => (out += d));
    p.stderr.on("data", (d) => (out += d));
    p.on("close", (status) => resolve({ status, out }));
  });
}

/** `check: false`: tsc writes the declarations without type-checking (--noCheck), reporting no type error. */
async function build({ check = true } = {}) {
  const started = Date.now();
  const esbuild = require("esbuild");
  if (fs.existsSync(DIST) && !fs.existsSync(path.join(DIST, STAMP))) {
    throw new Error(`${path.relative(process.cwd(), DIST)} exists but was not written by this build (no ${STAMP}); move it away first`);
  }
  const tmp = `${DIST}.tmp-${process.pid}`;
  fs.rmSync(tmp, { recursive: true, force: true }); // our own temporary folder (pid-named)
  // tools/cli/main.ts reads import.meta only under Deno (its ES modules have no require): silent here.
  const common = { platform: "node", target: "node20", format: "cjs", logLevel: "warning", charset: "utf8", logOverride: { "empty-import-meta": "silent" } };
  const files = sourceFiles();
  // Declarations (tsc, the slow part) run beside esbuild.
  const tsc = run(process.execPath, [path.join(ROOT, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.build.json", "--outDir", tmp, ...(check ? [] : ["--noCheck"])]);
  const perFile = await esbuild.build({
    ...common,
    entryPoints: files,
    outdir: tmp,
    outbase: ROOT,
    bundle: false,
    write: false,
    plugins: [dirnamePlugin((src) => path.join(DIST, path.dirname(path.relative(ROOT, src))))],
  });
  for (const out of perFile.outputFiles) {
    fs.mkdirSync(path.dirname(out.path), { recursive: true });
    const outFile = path.join(DIST, path.relative(tmp, out.path));
    fs.writeFileSync(out.path, lazyRequires(vendoredZod(jsSpecifiers(out.text), outFile), outFile));
  }
  fs.writeFileSync(path.join(tmp, "tools/sweep/worker.cjs"), '"use strict";\n// Generated by scripts/build.cjs: the sweep worker of the compiled library.\nrequire("./worker-main.js");\n');
  // The bundles: packages from node_modules are bundled too (fewer files to resolve and read at
  // start), except those loaded through a real dynamic import (vega) or with a native binary.
  // ESM builds first: the UMD build of jsonc-parser hides its requires from the bundler.
  const bundle = { ...common, bundle: true, mainFields: ["module", "main"], external: ["@resvg/resvg-js"], plugins: [dirnamePlugin(() => DIST), zodEnglishOnly()] };
  // Independent of each other: built at the same time.
  await Promise.all([
    esbuild.build({ ...bundle, stdin: { contents: 'export * from "zod";\nexport { default } from "zod";\n', resolveDir: ROOT, sourcefile: "zod-vendor.js" }, outfile: path.join(tmp, "vendor/zod.js") }),
    esbuild.build({ ...bundle, entryPoints: { "iommu-lab": path.join(ROOT, "tools/cli/main.ts") }, outdir: tmp, outExtension: { ".js": ".cjs" } }),
    esbuild.build({ ...bundle, entryPoints: { worker: path.join(ROOT, "tools/sweep/worker-main.ts") }, outdir: tmp, outExtension: { ".js": ".cjs" } }),
    esbuild.build({ ...bundle, entryPoints: { check: path.join(ROOT, "scripts/check.ts") }, outdir: tmp, outExtension: { ".js": ".cjs" } }),
  ]);
  // Deno and other ESM-first loaders: these .js files are CommonJS.
  fs.writeFileSync(path.join(tmp, "package.json"), '{ "type": "commonjs" }\n');
  const t = await tsc;
  if (!fs.existsSync(path.join(tmp, "lib/index.d.ts"))) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw new Error(`tsc wrote no declarations:\n${t.out}`);
  }
  if (t.status !== 0) console.error("build: tsc reported type errors (run `npm run typecheck`); declarations were written anyway");
  jsSpecifiersInDeclarations(tmp);
  slimZodDeclarations(tmp);
  fs.writeFileSync(path.join(tmp, STAMP), "");
  fs.utimesSync(path.join(tmp, STAMP), new Date(started), new Date(started));
  // Swap in the new build; the old one is removed only because it carries our stamp.
  const old = `${DIST}.old-${process.pid}`;
  if (fs.existsSync(DIST)) fs.renameSync(DIST, old);
  try {
    fs.renameSync(tmp, DIST);
  } catch (e) {
    if (!fs.existsSync(DIST)) throw e; // otherwise a concurrent build won: keep its output
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  fs.rmSync(old, { recursive: true, force: true });
  return Date.now() - started;
}

async function main(argv) {
  const quiet = argv.includes("--quiet");
  if (!argv.includes("--force") && isCurrent()) {
    if (!quiet) console.log("build: dist/ is up to date");
    return;
  }
  const ms = await build({ check: !argv.includes("--no-check") });
  console.log(`build: dist/ written in ${(ms / 1000).toFixed(1)} s`);
}

module.exports = { isCurrent, build, DIST, jsSpecifiers };

if (require.main === module) {
  main(process.argv.slice(2)).catch((e) => {
    console.error(`build: ${e instanceof Error ? e.message : String(e)}`);
    process.exitCode = 1;
  });
}
