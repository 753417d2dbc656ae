/**
 * The iommu-lab command as a user runs it: the done-when predictions on the two-SMMUv3
 * example, bad input (exit 2, JSON path named, no stack trace), and byte-identical JSON.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { RunResult } from "../lib/scenario/run.ts";
import { cliNow } from "./cli-now.ts";

const root = path.resolve(__dirname, "..");
const example = path.join(root, "hardware/platforms/arm-server-2x-smmuv3.json");

/** `iommu-lab ARGS` as a process: its exit status and streams. */
function spawnCli(...args: string[]) {
  const r = spawnSync(process.execPath, [path.join(root, "bin/iommu-lab.cjs"), ...args], { encoding: "utf8", cwd: root });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** The same command in this process (test/cli-now.ts): the byte-identical test compares the two. */
const cli = (...args: string[]) => cliNow(args);

function runJson(era: string): RunResult {
  const r = cli("run", example, "--era", era, "--json");
  assert.is(r.code, 0, r.err);
  return JSON.parse(r.out) as RunResult;
}

const step = (r: RunResult, i: number) => r.steps[i]!;

test("pre-2022: second SMMU's device on the first SMMU's domain is ENXIO with a dev_err line", () => {
  const s = step(runJson("pre-2022"), 2);
  assert.is(s.errno, "ENXIO");
  assert.is(s.ret, -6);
  assert.is(s.outcome, "hard-failure");
  assert.equal(s.log.map((l) => l.level), ["err"]);
  assert.match(s.log[0]!.text, "cannot attach to SMMU smmu0 (upstream of smmu1)");
});

test("einval-6.2: the same attach is EINVAL, a soft failure, with no error-level line", () => {
  const s = step(runJson("einval-6.2"), 2);
  assert.is(s.errno, "EINVAL");
  assert.is(s.outcome, "soft-failure");
  assert.is(s.spam, 0);
  assert.ok(s.log.every((l) => l.level === "dbg"));
});

test("VFIO type1 ends on a new domain in both eras: the merge errno is not inspected", () => {
  for (const era of ["pre-2022", "einval-6.2"]) {
    const s = step(runJson(era), 6);
    assert.is(s.outcome, "attached-new", era);
    assert.is(s.softFailures, 1, era);
    assert.is(s.attempts, 3, `${era}: attach new, try merge, re-attach new`);
  }
});

test("iommufd: unavailable before v6.2; continues past EINVAL, fails on another errno", () => {
  const pre = runJson("pre-2022");
  assert.ok(pre.steps.slice(7).every((s) => s.outcome === "unavailable" && /iommufd does not exist in era pre-2022/.test(s.detail ?? "")));
  const r = runJson("einval-6.2");
  assert.is(step(r, 8).outcome, "attached-new");
  assert.is(step(r, 8).softFailures, 1);
  assert.is(step(r, 9).outcome, "attached-existing");
  assert.is(step(r, 10).outcome, "hard-failure");
  assert.is(step(r, 10).errno, "EPERM");
});

test("the same scenario twice gives byte-identical JSON (with trace), in two processes and in this one", () => {
  const a = spawnCli("run", example, "--era", "mainline-2025", "--json", "--trace");
  const b = spawnCli("run", example, "--era", "mainline-2025", "--json", "--trace");
  assert.is(a.code, 0);
  assert.ok(a.out.length > 1000);
  assert.is(a.out, b.out);
  assert.equal(cli("run", example, "--era", "mainline-2025", "--json", "--trace"), a);
});

test("human output is a table with a summary line", () => {
  const r = cli("run", example, "--era", "einval-6.2");
  assert.is(r.code, 0);
  assert.match(r.out, /#\s+op\s+target\s+result/);
  assert.match(r.out, /-EINVAL/);
  assert.match(r.out, /summary: 11 steps/);
});

test("eras and drivers list what exists, as text and JSON", () => {
  const eras = JSON.parse(cli("eras", "--json").out) as Array<{ id: string }>;
  assert.equal(eras.map((e) => e.id), ["2014-nesting", "pre-2022", "emediumtype-2022", "einval-6.2", "mainline-2025", "test-dev-2025"]);
  const drivers = JSON.parse(cli("drivers", "--json").out) as Array<{ id: string; attach: Array<{ id: string; perEra?: Record<string, { errno: string } | null> }> }>;
  const smmu = drivers.find((d) => d.id === "arm-smmu-v3")!;
  const mismatch = smmu.attach.find((s) => s.id === "smmu-mismatch")!;
  assert.is(mismatch.perEra!["pre-2022"]!.errno, "ENXIO");
  assert.is(mismatch.perEra!["einval-6.2"]!.errno, "EINVAL");
  assert.not.ok("2014-nesting" in mismatch.perEra!);
  assert.match(cli("drivers").out, /smmu-mismatch/);
});

// ---- bad input ------------------------------------------------------------------------

const base = JSON.parse(fs.readFileSync(example, "utf8")) as Record<string, unknown>;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "iommu-lab-"));

function badCase(name: string, content: string | ((s: any) => void), expect: RegExp, extraArgs: string[] = []) {
  test(`bad input: ${name} -> exit 2, ${expect}`, () => {
    let text: string;
    if (typeof content === "string") text = content;
    else {
      const s = structuredClone(base);
      content(s);
      text = JSON.stringify(s, null, 2);
    }
    const file = path.join(tmp, `${name.replace(/\W+/g, "_")}.json`);
    fs.writeFileSync(file, text);
    const r = cli("run", file, ...extraArgs);
    assert.is(r.code, 2, `exit code; stderr: ${r.err}`);
    assert.is(r.out, "", "nothing on stdout");
    assert.match(r.err, expect);
    assert.not.match(r.err, /\n\s+at /, "no stack trace");
    assert.is(r.err.trim().split("\n").length, 1, "one line");
  });
}

badCase("empty file", "", /empty/);
badCase("invalid JSON", '{\n  "name": "x",\n}', /line 3, column 1: invalid JSON/);
badCase("wrong type", (s) => (s.name = 3), /: name: .*expected string/);
badCase("unknown driver", (s) => (s.instances[1].driver = "arm-smmu-v9"), /instances\[1\]\.driver: unknown driver "arm-smmu-v9"/);
badCase("device on a missing instance", (s) => (s.devices[2].instance = "smmu7"), /devices\[2\]\.instance: no instance "smmu7"/);
badCase("duplicate device id", (s) => (s.devices[1].id = s.devices[0].id), /devices\[1\]\.id: duplicate id/);
badCase("unknown op", (s) => (s.steps[3].op = "attach-everything"), /steps\[3\]\.op: unknown op \(expected one of: alloc-domain/);
badCase("missing field", (s) => delete s.steps[1].domain, /steps\[1\]\.domain: .*expected string/);
badCase("unknown key", (s) => (s.steps[1].domian = "d0"), /steps\[1\]: Unrecognized key: "domian"/);
badCase("domain used before allocation", (s) => (s.steps[1].domain = "d9"), /steps\[1\]\.domain: no domain "d9" allocated by an earlier alloc-domain step/);
badCase("unknown device property", (s) => (s.devices[0].props = { ssidbits: 5 }), /devices\[0\]\.props\.ssidbits: unknown property \(known: ssidBits/);
badCase("huge PASID", (s) => s.steps.push({ op: "attach-pasid", domain: "d0", device: s.devices[0].id, pasid: 1e12 }), /steps\[11\]\.pasid: .*(too big|<=)/);
badCase("driver absent in the era", () => {}, /arm-smmu-v3 does not exist in era 2014-nesting/, ["--era", "2014-nesting"]);
badCase("unknown era flag", () => {}, /--era: unknown era "2030"/, ["--era", "2030"]);

test("a missing file is exit 2 with the file named", () => {
  const r = cli("run", path.join(tmp, "nope.json"));
  assert.is(r.code, 2);
  assert.match(r.err, /nope\.json: cannot read the file \(ENOENT\)/);
});

test.run();
