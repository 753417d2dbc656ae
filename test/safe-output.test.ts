/**
 * `--out` never destroys what the user did not ask to replace (issue #15, data loss):
 * `sweep --out DIR` replaces DIR only when it carries the marker an earlier sweep wrote (the
 * replacement itself: test/sweep-cli.test.ts, which runs two sweeps into one folder anyway),
 * never `.`, a folder holding the experiment nor one in a missing folder; `run --out` never
 * names its input (path, symlink, hard link); a write that fails midway leaves neither a
 * temporary file nor a half-written output, and the previous output stays as it was.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { OutputError, SWEEP_MARKER, writeOutDir, writeOutFile, type WriteFile } from "../lib/output.ts";
import { type ChildCall, cliInChild, cliNow as cliInProcess } from "./cli-now.ts";

const root = path.resolve(__dirname, "..");
const bin = path.join(root, "bin/iommu-lab.cjs");
const scenario = path.join(root, "hardware/platforms/arm-server-2x-smmuv3.json");
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "iommu-lab-out-"));

/** A fresh folder holding a copy of the scenario and a tiny experiment. */
function workdir(): string {
  const d = fs.mkdtempSync(path.join(tmp, "w-"));
  fs.copyFileSync(scenario, path.join(d, "s.json"));
  fs.writeFileSync(path.join(d, "e.json"), JSON.stringify({ name: "tiny", platform: { preset: "arm-server-2x-smmuv3" }, devices: 8, consumer: "direct", eras: ["mainline-2025"] }));
  return d;
}

/** `run` in this process (it is synchronous), output caught (test/cli-now.ts). Sweeps go to a child process. */
const cliNow = (cwd: string, ...args: string[]) => cliInProcess(args, cwd);

function spawn(cwd: string, args: string[], shell?: string) {
  const r = shell
    ? spawnSync("bash", ["-c", `${shell}; exec "$0" "$@"`, process.execPath, bin, ...args], { cwd, encoding: "utf8" })
    : spawnSync(process.execPath, [bin, ...args], { cwd, encoding: "utf8" });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** Every file under d with its content, for "nothing changed" checks. */
function snapshot(d: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of fs.readdirSync(d, { recursive: true }) as string[]) {
    const p = path.join(d, f);
    out[f] = fs.lstatSync(p).isFile() ? fs.readFileSync(p, "utf8") : "<dir>";
  }
  return out;
}

const oneLine = (r: { code: number | null; err: string }, want: RegExp) => {
  assert.is(r.code, 2, r.err);
  assert.is(r.err.trimEnd().split("\n").length, 1, r.err);
  assert.match(r.err, want);
};

test("sweep --out onto a user's folder, '.', the experiment, a folder holding it or into a missing folder: exit 2, nothing renamed or deleted", () => {
  // In a child process started in the temporary folder (one for all the calls): a regression must not reach the repository.
  const d = workdir();
  fs.mkdirSync(path.join(d, "mine"));
  fs.writeFileSync(path.join(d, "mine", "notes.txt"), "keep me");
  fs.mkdirSync(path.join(d, ".git"));
  fs.writeFileSync(path.join(d, ".git", "HEAD"), "ref: refs/heads/main\n");
  // A marker with other content is not the sweep's.
  fs.mkdirSync(path.join(d, "theirs"));
  fs.writeFileSync(path.join(d, "theirs", SWEEP_MARKER), "something else\n");
  const before = snapshot(d);
  const mine = path.join(d, "mine");
  const calls: Array<[ChildCall, RegExp]> = [
    [{ args: ["sweep", "e.json", "--out", "mine"] }, /--out "mine": exists and is not a sweep output/],
    [{ args: ["sweep", "e.json", "--out", "."] }, /--out "\.": contains the input file "e\.json"/],
    [{ args: ["sweep", "e.json", "--out", "e.json"] }, /--out "e\.json": is the input file/],
    [{ args: ["sweep", "../e.json", "--out", ".."], cwd: mine }, /contains the input file/],
    // A folder that holds no input but is not a sweep's either: still refused.
    [{ args: ["sweep", "../e.json", "--out", "."], cwd: mine }, /exists and is not a sweep output/],
    [{ args: ["sweep", "e.json", "--out", "theirs"] }, /--out "theirs": exists and is not a sweep output/],
    [{ args: ["sweep", "e.json", "--out", "no/such/res"] }, /the folder ".*no\/such" does not exist/],
  ];
  cliInChild(calls.map(([c]) => c), { cwd: d }).forEach((r, i) => oneLine(r, calls[i]![1]));
  assert.equal(snapshot(d), before);
});

test("run --out naming the input (same path, ./path, symlink, hard link), a folder, or a missing folder: exit 2, input intact", () => {
  const d = workdir();
  fs.symlinkSync("s.json", path.join(d, "link.json"));
  fs.linkSync(path.join(d, "s.json"), path.join(d, "hard.json"));
  fs.mkdirSync(path.join(d, "folder"));
  const before = snapshot(d);
  for (const out of ["s.json", "./s.json", path.join(d, "s.json"), "link.json", "hard.json"]) oneLine(cliNow(d, "run", "s.json", "--out", out), /is the input file/);
  oneLine(cliNow(d, "run", "link.json", "--out", "s.json"), /is the input file/);
  oneLine(cliNow(d, "run", "s.json", "--out", "folder"), /--out "folder": is a folder/);
  oneLine(cliNow(d, "run", "s.json", "--out", "missing/r.txt"), /the folder ".*missing" does not exist/);
  assert.equal(snapshot(d), before);
  const ok = cliNow(d, "run", "s.json", "--out", "r.txt");
  assert.is(ok.code, 0, ok.err);
  assert.match(fs.readFileSync(path.join(d, "r.txt"), "utf8"), /^scenario: /);
});

const diskFull: (after: number) => WriteFile = (after) => {
  let n = 0;
  return (f, data) => {
    fs.writeFileSync(f, typeof data === "string" ? data.slice(0, 10) : data.slice(0, 10), { flag: "wx" }); // a partial write, then the failure
    if (++n > after) throw Object.assign(new Error("ENOSPC: no space left on device"), { code: "ENOSPC" });
  };
};

test("a write that fails midway (ENOSPC): OutputError, no temporary file, the previous output unchanged", () => {
  const d = workdir();
  const out = path.join(d, "r.txt");
  fs.writeFileSync(out, "previous\n");
  try {
    writeOutFile(out, "new content\n", [], diskFull(0));
    assert.unreachable("the failure was not reported");
  } catch (e) {
    assert.instance(e, OutputError);
    assert.match((e as Error).message, /cannot write \(ENOSPC: no space left on the device\); nothing was written/);
  }
  assert.equal(fs.readdirSync(d).sort(), ["e.json", "r.txt", "s.json"]);
  assert.is(fs.readFileSync(out, "utf8"), "previous\n");

  const res = path.join(d, "res");
  writeOutDir(res, [{ name: "a.txt", data: "first" }], []);
  for (const after of [0, 1, 2]) {
    assert.throws(() => writeOutDir(res, [{ name: "a.txt", data: "second" }, { name: "b.txt", data: "second" }], [], diskFull(after)), /ENOSPC.*the previous output is unchanged|ENOSPC.*nothing was written/);
    assert.equal(fs.readdirSync(d).sort(), ["e.json", "r.txt", "res", "s.json"], `failure after ${after} files`);
    assert.is(fs.readFileSync(path.join(res, "a.txt"), "utf8"), "first");
  }
});

test("a file too large for the process's limit (EFBIG, ulimit -f): exit 2, one line, no temporary file left", () => {
  const d = workdir();
  const r = spawn(d, ["run", "s.json", "--json", "--out", "r.json"], "ulimit -f 1");
  oneLine(r, /--out "r\.json": cannot write \(EFBIG: file too large\)/);
  const s = spawn(d, ["sweep", "e.json", "--out", "res"], "ulimit -f 1");
  oneLine(s, /--out "res": cannot write \(EFBIG/);
  assert.equal(fs.readdirSync(d).sort(), ["e.json", "s.json"]);
});

test.after(() => fs.rmSync(tmp, { recursive: true, force: true }));

test.run();
