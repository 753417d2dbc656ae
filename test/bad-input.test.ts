/**
 * The bad-input corpus: every file under test/fixtures/bad-scenarios must give exit code 2,
 * one line naming the file and where it is wrong (JSON path, or line and column), no stack
 * trace, nothing on stdout, and no output file (run --out). Expected messages are listed in
 * expected.json next to the files.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { cli } from "../tools/cli/main.ts";

const dir = path.join(__dirname, "fixtures/bad-scenarios");
const manifest = JSON.parse(fs.readFileSync(path.join(dir, "expected.json"), "utf8")) as Record<string, { expect: string; args?: string[] }>;
const outDir = fs.mkdtempSync(path.join(os.tmpdir(), "iommu-lab-bad-"));

/** Run the CLI in this process, capturing what it prints. */
function runCli(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const { log, error } = console;
  console.log = (...a: unknown[]) => void out.push(a.join(" "));
  console.error = (...a: unknown[]) => void err.push(a.join(" "));
  try {
    return { code: cli(args), out: out.join("\n"), err: err.join("\n") };
  } finally {
    console.log = log;
    console.error = error;
  }
}

test("the corpus has at least 40 files, each listed once", () => {
  const files = fs.readdirSync(dir).filter((f) => f !== "expected.json");
  assert.ok(files.length >= 40, `${files.length} files`);
  assert.equal(files.sort(), Object.keys(manifest).sort());
});

for (const [file, { expect, args = [] }] of Object.entries(manifest)) {
  test(`${file}: exit 2, ${expect}`, () => {
    const out = path.join(outDir, `${file}.out.json`);
    const r = runCli(["run", path.join(dir, file), "--json", "--out", out, ...args]);
    assert.is(r.code, 2, `exit code (stderr: ${r.err})`);
    assert.is(r.out, "");
    const lines = r.err.split("\n");
    assert.is(lines.length, 1, r.err);
    assert.ok(lines[0]!.startsWith(`iommu-lab: ${path.join(dir, file)}`), `names the file: ${lines[0]}`);
    assert.match(lines[0]!, new RegExp(expect));
    assert.not.match(r.err, /\bat .*\(.*:\d+:\d+\)/, "no stack trace");
    assert.not.ok(fs.existsSync(out), "no output file");
  });
}

test("nothing half-written is left in the output folder", () => {
  assert.equal(fs.readdirSync(outDir), []);
});

test("a good file with --out writes the file and prints nothing", () => {
  const out = path.join(outDir, "good.json");
  const r = runCli(["run", path.join(__dirname, "../hardware/platforms/arm-server-2x-smmuv3.json"), "--json", "--out", out]);
  assert.is(r.code, 0);
  assert.is(r.out, "");
  assert.is((JSON.parse(fs.readFileSync(out, "utf8")) as { era: string }).era, "einval-6.2");
  fs.rmSync(out);
});

test.run();
