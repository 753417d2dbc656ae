/**
 * The bad-experiment corpus: every file under test/fixtures/bad-experiments must give exit
 * code 2 from `iommu-lab sweep`, one line naming the file and where it is wrong (JSON path, or
 * line and column), nothing on stdout, and no output folder. Expected messages are listed in
 * expected.json next to the files. Also: the same validation through the notebook API.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { cli } from "../tools/cli/main.ts";
import { InputError } from "../lib/scenario/load.ts";
import { runExperiment } from "../tools/sweep/index.ts";

const dir = path.join(__dirname, "fixtures/bad-experiments");
const manifest = JSON.parse(fs.readFileSync(path.join(dir, "expected.json"), "utf8")) as Record<string, { expect: string }>;
const outDir = fs.mkdtempSync(path.join(os.tmpdir(), "iommu-lab-bad-exp-"));

/**
 * `iommu-lab sweep` in this process: validation errors come back at once, before any work
 * starts, so the exit code is cli()'s return value. What it prints is caught at the streams.
 */
function sweepNow(file: string, out: string) {
  const caught = { out: "", err: "" };
  const streams = [process.stdout, process.stderr] as const;
  const writes = streams.map((s) => s.write);
  streams.forEach((s, i) => {
    s.write = ((chunk: string | Uint8Array) => {
      caught[i ? "err" : "out"] += String(chunk);
      return true;
    }) as typeof s.write;
  });
  try {
    const code = cli(["sweep", file, "--json", "--out", out]);
    return { code, out: caught.out.trimEnd(), err: caught.err.trimEnd() };
  } finally {
    streams.forEach((s, i) => (s.write = writes[i]!));
  }
}

test("the corpus has at least 10 files, each listed once", () => {
  const files = fs.readdirSync(dir).filter((f) => f !== "expected.json");
  assert.ok(files.length >= 10, `${files.length} files`);
  assert.equal(files.sort(), Object.keys(manifest).sort());
});

for (const [file, { expect }] of Object.entries(manifest)) {
  test(`${file}: exit 2, ${expect}`, () => {
    const out = path.join(outDir, `${file}.out`);
    const r = sweepNow(path.join(dir, file), out);
    // Exit 2, silence on stdout, exactly one line on stderr, and no folder written.
    assert.equal({ code: r.code, stdout: r.out, stderrLines: r.err.split("\n").length, wrote: fs.existsSync(out) }, { code: 2, stdout: "", stderrLines: 1, wrote: false }, r.err);
    // The line names the file first, then says where and what, and carries no stack frame.
    const named = r.err.startsWith(`iommu-lab: ${path.join(dir, file)}`);
    assert.ok(named && new RegExp(expect).test(r.err) && !/\(.*:\d+:\d+\)/.test(r.err), r.err);
  });
}

test("nothing half-written is left next to the output folders", () => {
  assert.equal(fs.readdirSync(outDir), []);
});

test("the notebook API validates the same way: an object's errors name <experiment> and the JSON path", async () => {
  try {
    await runExperiment({ name: "x", platform: { preset: "arm-server-2x-smmuv3" }, devices: -1, consumer: "direct" });
    assert.unreachable("accepted a negative fleet size");
  } catch (e) {
    assert.instance(e, InputError);
    assert.match((e as Error).message, /^<experiment>: devices: /);
  }
  try {
    await runExperiment(path.join(dir, "27-variant-unknown.json"));
    assert.unreachable("accepted an unknown variant");
  } catch (e) {
    assert.instance(e, InputError);
    assert.match((e as Error).message, new RegExp(manifest["27-variant-unknown.json"]!.expect));
  }
});

test("a context whose domain list outgrows the limit stops the run: exit 2 naming limits.domainsPerContext, nothing written", () => {
  const file = path.join(outDir, "omap.json");
  const exp = { name: "omap", platform: { generate: { instances: 2, drivers: { "omap-iommu": 1 } } }, devices: 40, consumer: "vfio-type1", eras: ["pre-2022"], limits: { domainsPerContext: 4 } };
  fs.writeFileSync(file, JSON.stringify(exp));
  const out = path.join(outDir, "omap.out");
  const r = spawnSync(process.execPath, [path.join(__dirname, "../bin/iommu-lab.cjs"), "sweep", file, "--out", out], { encoding: "utf8" });
  assert.is(r.status, 2, r.stderr);
  assert.is(r.stdout, "");
  assert.is(r.stderr.trim().split("\n").length, 1, r.stderr);
  assert.match(r.stderr, /omap\.json: limits\.domainsPerContext: one vfio-type1 context came to hold more than 4 domains/);
  assert.not.ok(fs.existsSync(out));
  fs.rmSync(file);
});

test.run();
