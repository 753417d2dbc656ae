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
