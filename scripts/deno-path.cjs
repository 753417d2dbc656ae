#!/usr/bin/env node
// The Deno binary for this machine: the npm package @deno/<platform>-<arch>[-glibc] that npm
// installed among the optional dependencies (it installs only the one matching os and cpu),
// else a `deno` on PATH; null when there is neither. `node scripts/deno-path.cjs` prints it
// (exit 1 when there is none), for scripts/setup.sh.
"use strict";
const fs = require("node:fs");
const path = require("node:path");
const { spawnSync } = require("node:child_process");

const root = path.resolve(__dirname, "..");

/** The package name of Deno's build for this platform (the names the `deno` npm package uses). */
function denoPackage(platform = process.platform, arch = process.arch) {
  if (platform === "linux") return `@deno/linux-${arch}-glibc`;
  if (platform === "darwin" || platform === "win32") return `@deno/${platform}-${arch}`;
  return null;
}

function denoBinary() {
  const pkg = denoPackage();
  if (pkg) {
    const bin = path.join(root, "node_modules", pkg, process.platform === "win32" ? "deno.exe" : "deno");
    if (fs.existsSync(bin)) return bin;
  }
  const which = spawnSync(process.platform === "win32" ? "where" : "which", ["deno"], { encoding: "utf8" });
  return which.status === 0 ? which.stdout.split(/\r?\n/)[0] || null : null;
}

module.exports = { denoPackage, denoBinary };

if (require.main === module) {
  const bin = denoBinary();
  if (!bin) process.exit(1);
  console.log(bin);
}
