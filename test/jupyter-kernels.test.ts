/**
 * `npm run kernels:install` into a user's own Jupyter (here a temporary JUPYTER_DATA_DIR): the
 * tslab and Deno kernelspecs land in <data dir>/kernels, Jupyter lists them, a kernel of the
 * same name that another installation wrote is left alone, and `--remove` takes out only ours.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";

const root = path.resolve(__dirname, "..");
const data = fs.mkdtempSync(path.join(os.tmpdir(), "iommu-lab-kernels-"));
const kernels = path.join(data, "kernels");
const env = { ...process.env, JUPYTER_DATA_DIR: data, JUPYTER_PATH: "" };
const run = (...args: string[]) => spawnSync(process.execPath, [path.join(root, "scripts/jupyter-kernels.cjs"), ...args], { encoding: "utf8", env });
const hasDeno = (require("../scripts/deno-path.cjs") as { denoBinary(): string | null }).denoBinary() !== null;
const foreign = '{"argv": ["deno", "jupyter"], "display_name": "Deno, the user\'s own"}\n';

test("installs both kernels for the user; another installation's kernel of the same name stays", () => {
  fs.mkdirSync(path.join(kernels, "deno"), { recursive: true });
  fs.writeFileSync(path.join(kernels, "deno/kernel.json"), foreign);
  const r = run();
  assert.is(r.status, 0, r.stderr);
  const tslab = JSON.parse(fs.readFileSync(path.join(kernels, "tslab/kernel.json"), "utf8")) as { argv: string[]; metadata: Record<string, string> };
  assert.is(tslab.argv[0], path.join(root, "node_modules/.bin/tslab"));
  assert.is(tslab.metadata["iommu-attach-lab"], root);
  assert.is(fs.readFileSync(path.join(kernels, "deno/kernel.json"), "utf8"), foreign, "the user's deno kernel is untouched");
  if (hasDeno) {
    // The notebooks' cells name their files (../dist/lib/x.js): the kernel needs no sloppy imports.
    const deno = JSON.parse(fs.readFileSync(path.join(kernels, "iommu-lab-deno/kernel.json"), "utf8")) as { argv: string[] };
    assert.equal(deno.argv.slice(1, 3), ["jupyter", "--kernel"]);
  }
  if (fs.existsSync("/usr/bin/jupyter")) {
    const list = spawnSync("/usr/bin/jupyter", ["kernelspec", "list", "--json"], { encoding: "utf8", env });
    const names = Object.keys((JSON.parse(list.stdout) as { kernelspecs: object }).kernelspecs);
    assert.ok(names.includes("tslab") && (!hasDeno || names.includes("iommu-lab-deno")), names.join());
  }
});

test("--remove takes out only the kernels this script wrote; a bad argument is exit 2", () => {
  const r = run("--remove");
  assert.is(r.status, 0, r.stderr);
  assert.equal(fs.readdirSync(kernels), ["deno"]);
  assert.is(fs.readFileSync(path.join(kernels, "deno/kernel.json"), "utf8"), foreign);
  const bad = run("--frobnicate");
  assert.is(bad.status, 2);
  assert.match(bad.stderr, /^kernels: unexpected argument "--frobnicate"/);
});

test.run();
