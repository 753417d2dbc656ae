#!/usr/bin/env node
// `npm run kernels:install` (opt-in): installs this checkout's tslab and Deno kernels into the
// user's own Jupyter, so JupyterLab, Notebook and VS Code (which read the same kernel folders)
// can run the notebooks. `npm run kernels:install -- --remove` takes them out again.
//
// Where: `<jupyter --data-dir>/kernels` when a `jupyter` command is on PATH (it honours the
// user's JUPYTER_DATA_DIR), else Jupyter's per-user default (~/.local/share/jupyter, or
// ~/Library/Jupyter on macOS). The kernels keep absolute paths into this checkout (the patched
// tslab in node_modules, Deno's cache in .jupyter/deno): run it again after moving the checkout.
// A kernel folder of the same name that this script did not write is left alone; ours is then
// installed as "iommu-lab-<name>", to be picked in a notebook's kernel menu.
"use strict";
const { denoBinary } = require("./deno-path.cjs");
const { spawnSync } = require("node:child_process");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");

const root = path.resolve(__dirname, "..");
const MARK = "iommu-attach-lab"; // metadata key naming the checkout that wrote a kernelspec

function userKernelDir() {
  const j = spawnSync("jupyter", ["--data-dir"], { encoding: "utf8" });
  if (j.status === 0 && j.stdout.trim()) return path.join(j.stdout.trim(), "kernels");
  const home = os.homedir();
  if (process.platform === "darwin") return path.join(home, "Library", "Jupyter", "kernels");
  return path.join(process.env.XDG_DATA_HOME || path.join(home, ".local", "share"), "jupyter", "kernels");
}


function specs() {
  const out = [];
  const tslab = path.join(root, "node_modules/.bin/tslab");
  if (!fs.existsSync(tslab)) throw new Error(`no ${path.relative(root, tslab)}: run npm ci first`);
  const patched = fs.readFileSync(path.join(root, "node_modules/tslab/dist/converter.js"), "utf8").includes("iommu-attach-lab patch");
  if (!patched) throw new Error("tslab is not patched (the notebooks import ../lib): run npx patch-package first");
  out.push({ name: "tslab", spec: { argv: [tslab, "kernel", "--config-path", "{connection_file}"], display_name: "TypeScript (tslab, iommu-lab)", language: "typescript" } });
  const deno = denoBinary();
  if (deno) {
    const env = { DENO_DIR: path.join(root, ".jupyter/deno"), DENO_NO_UPDATE_CHECK: "1" };
    // Sloppy imports for the notebooks' cells (`../dist/lib/x`, extensionless for tslab), as in setup.sh.
    out.push({ name: "deno", spec: { argv: [deno, "jupyter", "--kernel", "--conn", "{connection_file}"], display_name: "Deno (iommu-lab)", language: "typescript", env } });
  } else console.log("kernels: no Deno binary (neither the npm package for this platform nor deno on PATH): Deno kernel skipped");
  return out;
}

/** Did this script write the kernelspec in `dir` (any checkout)? */
function ours(dir) {
  try {
    return JSON.parse(fs.readFileSync(path.join(dir, "kernel.json"), "utf8")).metadata?.[MARK] !== undefined;
  } catch {
    return false;
  }
}

function main(argv) {
  const usage = "usage: npm run kernels:install [-- --remove]";
  if (argv.includes("--help") || argv.includes("-h")) return console.log(`${usage}\n\nInstalls this checkout's tslab and Deno Jupyter kernels for the current user (--remove: removes them).`), 0;
  const bad = argv.find((a) => a !== "--remove");
  if (bad !== undefined) return console.error(`kernels: unexpected argument ${JSON.stringify(bad)} (${usage})`), 2;
  const dir = userKernelDir();
  if (argv.includes("--remove")) {
    for (const n of ["tslab", "deno", "iommu-lab-tslab", "iommu-lab-deno"]) {
      const target = path.join(dir, n);
      if (!ours(target)) continue;
      fs.rmSync(path.join(target, "kernel.json"));
      fs.rmdirSync(target); // only the kernel.json this script wrote: refuses if the folder holds more
      console.log(`kernels: removed ${target}`);
    }
    return 0;
  }
  for (const { name, spec } of specs()) {
    let target = path.join(dir, name);
    if (fs.existsSync(target) && !ours(target)) {
      console.log(`kernels: ${target} belongs to another installation: left alone; this one goes to iommu-lab-${name} (pick "${spec.display_name}" in a notebook's kernel menu)`);
      target = path.join(dir, `iommu-lab-${name}`);
    }
    fs.mkdirSync(target, { recursive: true });
    const text = JSON.stringify({ ...spec, metadata: { [MARK]: root } }, null, 1) + "\n";
    fs.writeFileSync(path.join(target, "kernel.json.tmp"), text);
    fs.renameSync(path.join(target, "kernel.json.tmp"), path.join(target, "kernel.json"));
    console.log(`kernels: ${spec.display_name} -> ${target}`);
  }
  return 0;
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (e) {
  console.error(`kernels: ${e.message}`);
  process.exitCode = 1;
}
