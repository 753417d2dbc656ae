// tsx's CommonJS hook for the project's own TypeScript, with packages left to Node's own loader:
// `node --require ./scripts/tsx-cjs.cjs x.ts` or `require(".../scripts/tsx-cjs.cjs")`, where
// `--require tsx/cjs` would do. tsx reads every `.js` file it is asked to load and scans it for
// ES module syntax; for the packages that is most of the time a process spends loading them
// (fast-check 0.12 s, tslab's TypeScript 0.25 s of CPU each time), and Node (>= 20.19, see
// package.json's engines) loads them alone, ES modules included; so are the compiled modules in
// dist/. Other files go through tsx as before.
"use strict";
const Module = require("node:module");
const path = require("node:path");

const nodeJs = Module._extensions[".js"];

/**
 * tsx keeps what it compiled in a cache on disk (os.tmpdir()/tsx-<uid>/), written with
 * fs.promises.writeFile without waiting. A process that exits (process.exit: a script's --help,
 * the test worker at its end) or a worker thread that is stopped (the checker's) before the write
 * is done leaves the file empty, and every later run compiles that module again (esbuild started
 * for it). Those writes are made synchronous: a few KB per module, only when it was compiled.
 */
{
  const fs = require("node:fs");
  const os = require("node:os");
  const cacheDir = path.join(os.tmpdir(), "tsx-");
  const writeFile = fs.promises.writeFile;
  fs.promises.writeFile = function (file, data, ...rest) {
    if (typeof file === "string" && file.startsWith(cacheDir) && typeof data === "string") {
      try {
        fs.writeFileSync(file, data, ...rest);
        return Promise.resolve();
      } catch (e) {
        return Promise.reject(e);
      }
    }
    return writeFile.call(this, file, data, ...rest);
  };
}

require("tsx/cjs");
const tsxJs = Module._extensions[".js"];
const PACKAGES = `${path.sep}node_modules${path.sep}`;
/** The build's output (scripts/build.cjs): compiled CommonJS, nothing for tsx to do either. */
const DIST = path.join(__dirname, "..", "dist") + path.sep;

if (tsxJs !== nodeJs) {
  Module._extensions[".js"] = function js(module, filename) {
    return (filename.includes(PACKAGES) || filename.startsWith(DIST) ? nodeJs : tsxJs).call(this, module, filename);
  };
}
