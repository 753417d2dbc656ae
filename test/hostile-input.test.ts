/**
 * Hostile input (issue #15): what used to give a silently wrong result, a crash, a hang or
 * unbounded work is refused with exit 2 and one bounded line, from the file's counts, before
 * any work. Every case below was accepted (or crashed, or hung) before the fixes.
 */
import { drivers } from "../hardware/index.ts";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { cli } from "../tools/cli/main.ts";
import { Kernel, LabArgumentError } from "../lib/index.ts";
import { parseScenario } from "../lib/scenario/load.ts";
import { runScenario } from "../lib/scenario/run.ts";
import { resolveExperiment } from "../tools/sweep/load.ts";
import { catchOutput, cliInChild } from "./cli-now.ts";
import { manyDevicesScenario } from "../scripts/bench-waits.ts";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "iommu-lab-hostile-"));

/** A small valid scenario: two SMMUv3 devices and one s390 function. */
function scenario(): Record<string, any> {
  return {
    name: "hostile",
    instances: [
      { id: "smmu0", driver: "arm-smmu-v3" },
      { id: "zpci0", driver: "s390-iommu" },
    ],
    devices: [
      { id: "a", instance: "smmu0" },
      { id: "b", instance: "smmu0" },
      { id: "z", instance: "zpci0" },
    ],
    steps: [{ op: "alloc-domain", id: "d0", device: "a", type: "unmanaged" }],
  };
}

function experiment(): Record<string, any> {
  return { name: "hostile", platform: { generate: { instances: 4, drivers: { "arm-smmu-v3": 1, "s390-iommu": 1 } } }, devices: 100, consumer: "direct", eras: ["mainline-2025"] };
}

let n = 0;
function file(content: string | object, ext = "json"): string {
  const f = path.join(tmp, `case-${++n}.${ext}`);
  fs.writeFileSync(f, typeof content === "string" ? content : JSON.stringify(content));
  return f;
}

/** The command in this process, its output caught. */
function cliNow(...args: string[]) {
  const caught = catchOutput();
  try {
    const code = cli(args);
    return { code, out: caught.out, err: caught.err };
  } finally {
    caught.restore();
  }
}

/**
 * Every refusal: exit 2, nothing on stdout, one line of at most 300 characters with no control
 * character. Each answer is kept for the last test, which checks the line's form on it (running
 * the large inputs again would only repeat the same work).
 */
type Answer = ReturnType<typeof cliNow>;
const all: Array<{ what: string; r: Answer }> = [];
function refused(what: string, args: string[], want: RegExp): Answer {
  return expectRefusal(what, cliNow(...args), want);
}
function expectRefusal(what: string, r: Answer, want: RegExp): Answer {
  all.push({ what, r });
  assert.is(r.code, 2, `${what}: ${r.err}`);
  assert.is(r.out, "", what);
  assert.match(r.err, want, what);
  return r;
}

/**
 * Refusals of inputs too large to work on, in one child process whose heap is capped at
 * SIZE_HEAP_MB: "before any work" checked without a clock. The refusals fit in 48 MB (not in 32);
 * work done before the refusal does not fit in 64 and the child runs out of memory: the 5M-item
 * list parsed before it is counted, 10^7 device objects made before the fleet's size is checked,
 * the 200 million device steps listed before they are counted (the three mutants it rejects).
 */
const SIZE_HEAP_MB = 64;
function refusedBeforeWork(cases: Array<{ what: string; args: string[]; want: RegExp }>) {
  const answers = cliInChild(cases.map(({ args }) => ({ args })), { cwd: tmp, timeout: 60_000, heapMB: SIZE_HEAP_MB });
  cases.forEach(({ what, want }, i) => expectRefusal(what, answers[i]!, want));
}

test("unknown variants are refused where they enter, listing the known ones as driver:name", () => {
  refused("scenario variants", ["run", file({ ...scenario(), variants: ["arm-smmu-v3:nope"] })], /: variants\[0\]: arm-smmu-v3 has no variant "nope" \(known: arm-smmu-v3:regression-48e7b8e284e5\)/);
  refused("--variant", ["run", file(scenario()), "--variant", "arm-smmu-v3:nope"], /arm-smmu-v3 has no variant "nope" \(known: arm-smmu-v3:regression-48e7b8e284e5\)/);
  refused("--variant of an unknown driver", ["run", file(scenario()), "--variant", "smmu9:x"], /unknown driver "smmu9" in variant "smmu9:x"; drivers with variants: arm-smmu-v3/);
  assert.throws(() => new Kernel({ era: "mainline-2025", drivers, variants: ["arm-smmu-v3:nope"] }), (e: unknown) => e instanceof LabArgumentError && /known: arm-smmu-v3:regression-48e7b8e284e5/.test((e as Error).message));
  assert.throws(() => runScenario(parseScenario(JSON.stringify(scenario()), drivers), { drivers, variants: ["intel-vtd:nope"] }), /intel-vtd has no variant "nope"/);
  // A known one still runs.
  assert.is(runScenario(parseScenario(JSON.stringify(scenario()), drivers), { drivers, variants: ["arm-smmu-v3:regression-48e7b8e284e5"] }).variants[0], "arm-smmu-v3:regression-48e7b8e284e5");
});

test("__proto__, constructor and prototype keys are refused with their path, never dropped", () => {
  const s1 = scenario();
  s1["instances"][0].props = JSON.parse('{"__proto__": {"ssidBits": -5}}');
  refused("props.__proto__ (object)", ["run", file(s1)], /, line 1, column \d+: instances\[0\]\.props\.__proto__: the key "__proto__" is not allowed/);
  refused("props.__proto__ (text)", ["run", file('{"name":"x","instances":[{"id":"s","driver":"arm-smmu-v3","props":{"constructor":1}}],"devices":[{"id":"a","instance":"s"}],"steps":[]}')], /instances\[0\]\.props\.constructor: the key "constructor" is not allowed/);
  const e1 = experiment();
  refused("experiment drivers.__proto__", ["sweep", file(JSON.stringify(e1).replace('"drivers":{', '"drivers":{"__proto__":1,'))], /platform\.generate\.drivers\.__proto__: the key "__proto__" is not allowed/);
  refused("experiment deviceProps", ["sweep", file(JSON.stringify(e1).replace('"instances":4,', '"instances":4,"deviceProps":{"arm-smmu-v3":{"__proto__":{"values":[1]}}},'))], /deviceProps\.arm-smmu-v3\.__proto__: the key "__proto__" is not allowed/);
  refused("experiment instanceProps", ["sweep", file(JSON.stringify(e1).replace('"instances":4,', '"instanceProps":{"prototype":{}},"instances":4,'))], /instanceProps\.prototype: the key "prototype" is not allowed/);
  // Through the API (an object parsed elsewhere), the same refusal with the path.
  const api = experiment();
  api["platform"].generate.deviceProps = JSON.parse('{"arm-smmu-v3": {"__proto__": {"values": [1]}}}');
  assert.throws(() => resolveExperiment(api), /<experiment>: platform\.generate\.deviceProps\.arm-smmu-v3\.__proto__: the key "__proto__" is not allowed/);
});

test("range strings and integer properties are validated against the driver's documented props", () => {
  const withDev = (props: object) => {
    const s = scenario();
    s["devices"][2].props = props;
    return file(s);
  };
  refused("dmaRange garbage", ["run", withDev({ dmaRange: "garbage" })], /devices\[2\]\.props\.dmaRange: expected a range "start-end" in hex/);
  refused("dmaRange reversed", ["run", withDev({ dmaRange: "0x5-0x1" })], /devices\[2\]\.props\.dmaRange: the range "0x5-0x1" starts after it ends/);
  refused("dmaRange past 64 bits", ["run", withDev({ dmaRange: "0x0-0x1ffffffffffffffff" })], /goes past 64 bits/);
  const ap = scenario();
  ap["steps"].push({ op: "alloc-domain", id: "dz", device: "z", type: "unmanaged", props: { aperture: "x" } });
  refused("alloc-domain aperture", ["run", file(ap)], /steps\[1\]\.props\.aperture: expected a range "start-end"/);
  for (const v of [-5, 2.5, 21]) {
    const s = scenario();
    s["devices"][0].props = { ssidBits: v };
    refused(`ssidBits ${v}`, ["run", file(s)], new RegExp(`devices\\[0\\]\\.props\\.ssidBits: expected an integer from 0 to 20, got ${v}`));
  }
  const e = experiment();
  e["platform"].generate.deviceProps = { "s390-iommu": { dmaRange: { values: ["0x1000-0x2000", "0x5-0x1"] } } };
  refused("experiment dmaRange", ["sweep", file(e)], /deviceProps\.s390-iommu\.dmaRange\.values\[1\]: the range "0x5-0x1" starts after it ends/);
  e["platform"].generate.deviceProps = { "arm-smmu-v3": { ssidBits: -5 } };
  refused("experiment ssidBits", ["sweep", file(e)], /deviceProps\.arm-smmu-v3\.ssidBits: expected an integer from 0 to 20, got -5/);
  // Valid values still pass (an empty aperture is the documented "not set").
  const ok = scenario();
  ok["devices"][2].props = { dmaRange: "0x1000-0xffff" };
  ok["devices"][0].props = { ssidBits: 20 };
  ok["steps"].push({ op: "alloc-domain", id: "dz", device: "z", type: "unmanaged", props: { aperture: "" } });
  assert.is(cliNow("run", file(ok)).code, 0);
});

test("a duplicate key is refused with the file, line and JSON path", () => {
  const text = '{\n  "name": "dup",\n  "instances": [{ "id": "s", "driver": "arm-smmu-v3" }],\n  "devices": [{ "id": "a", "instance": "s" }],\n  "steps": [{ "op": "alloc-domain", "id": "d0", "device": "a" }],\n  "steps": []\n}\n';
  const f = file(text);
  refused("duplicate steps", ["run", f], new RegExp(`${f.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}, line 6, column 3: steps: duplicate key "steps"`));
  refused("duplicate nested", ["run", file(text.replace('"id": "a",', '"id": "a", "id": "b",').replace(/,\n  "steps": \[\]/, ""))], /line 4, column \d+: devices\[0\]\.id: duplicate key "id"/);
});

test("weights whose sum overflows are refused", () => {
  const e = experiment();
  e["platform"].generate.drivers = { "arm-smmu-v3": 1e308, "s390-iommu": 1e308 };
  refused("driver weights", ["sweep", file(e)], /platform\.generate\.drivers: the weights add up to more than/);
  const v = experiment();
  v["platform"].generate.deviceProps = { "arm-smmu-v3": { ssidBits: { values: [0, 5], weights: [1e308, 1e308] } } };
  refused("value weights", ["sweep", file(v)], /deviceProps\.arm-smmu-v3\.ssidBits\.weights: the weights add up to more than/);
});

test("attach after free and double free say what happened, in the kernel's terms", () => {
  const s = scenario();
  s["steps"].push({ op: "free-domain", domain: "d0" }, { op: "attach-device", domain: "d0", device: "a" }, { op: "free-domain", domain: "d0" });
  const r = runScenario(parseScenario(JSON.stringify(s), drivers), { drivers });
  assert.equal(
    r.steps.slice(2).map((x) => [x.outcome, x.detail]),
    [
      ["skipped", "domain d0 was freed at step 1: using it after iommu_domain_free() would be a use-after-free"],
      ["skipped", "domain d0 was already freed at step 1: a second iommu_domain_free() would be a double free"],
    ],
  );
});

test("deep nesting, control characters and huge names: one bounded line, escaped", () => {
  refused("10,000 [", ["run", file("[".repeat(10_000))], /line 1, column 65: nested more than 64 levels deep/);
  refused("10,000 [ in a key's value", ["run", file(`{"name":${"[".repeat(10_000)}`)], /nested more than 64 levels deep/);
  const s = scenario();
  s["instances"][0].driver = "evil\ndriver\u001b[2J";
  const r = refused("control characters in a driver name", ["run", file(s)], /unknown driver "evil\\ndriver\\x1b\[2J"/);
  const k = scenario();
  k["devices"][0].props = { "bad\nkey\u001b[31m": 1 };
  refused("control characters in a prop key", ["run", file(k)], /devices\[0\]\.props\["bad\\nkey\\x1b\[31m"\]: unknown property/);
  const big = scenario();
  big["x".repeat(10_000_000)] = 1;
  const b = refused("a 10 MB unknown key", ["run", file(big)], /Unrecognized key: "x+\.\.\."/);
  assert.ok(b.err.length < 300, `${b.err.length} characters`);
  assert.ok(r.err.length < 300);
});

test("a FIFO, a device, a folder or a huge file is refused quickly, without reading it", () => {
  const fifo = path.join(tmp, "fifo.json");
  spawnSync("mkfifo", [fifo]);
  const huge = path.join(tmp, "huge.json");
  fs.writeFileSync(huge, "");
  fs.truncateSync(huge, 17 * 1024 * 1024);
  const cases: Array<[string, RegExp]> = [
    [fifo, /is not a regular file/],
    ["/dev/zero", /is not a regular file/],
    ["/dev/urandom", /is not a regular file/],
    [tmp, /is a folder/],
    [huge, /has 17825792 bytes; at most 16777216 \(limit MAX_INPUT_BYTES\)/],
  ];
  const calls = cases.flatMap(([input, want]) => ["run", "sweep"].map((cmd) => ({ args: [cmd, input], want })));
  // A folder and a huge file cannot block: in this process.
  for (const { args, want } of calls.slice(6)) refused(args.join(" "), args, want);
  // The FIFO and the devices in a child process with a timeout (one for the six calls): before the
  // fix the FIFO blocked forever and /dev/zero grew without end.
  cliInChild(calls.slice(0, 6).map(({ args }) => ({ args })), { cwd: tmp, timeout: 20_000 }).forEach((r, i) => {
    const what = calls[i]!.args.join(" ");
    assert.is(r.code, 2, `${what}: ${r.err}`);
    assert.match(r.err, calls[i]!.want, what);
  });
});

test("sizes are refused from the file's counts before any work, naming the limit; long lists and wide objects while the JSON is read, before it is parsed", () => {
  const devices = Array.from({ length: 100_000 }, (_, i) => ({ id: `d${i}`, instance: "s", group: "g" }));
  const steps: object[] = [{ op: "alloc-domain", id: "x", device: "d0", type: "unmanaged" }];
  for (let i = 0; i < 2000; i++) steps.push(i % 2 ? { op: "detach-group", group: "g" } : { op: "attach-group", domain: "x", group: "g" });
  const e = experiment();
  e["devices"] = 10_000_000;
  const e2 = { ...experiment(), devices: 2_000_000, eras: ["einval-6.2", "mainline-2025"], seeds: [1, 2, 3, 4, 5, 6] };
  const keys = Array.from({ length: 1001 }, (_, i) => `"k${i}":1`).join(",");
  // 100,000 bad steps: the first is reported (zod would describe all of them).
  const bad = Array.from({ length: 100_000 }, () => ({ op: "attach-device", domain: 1, device: 2 }));
  refusedBeforeWork([
    { what: "one group of 100k devices, 2,000 steps", args: ["run", file({ name: "big", instances: [{ id: "s", driver: "arm-smmu-v3" }], devices, steps })], want: /steps: the steps act on 200100001 devices in all .*at most 5000000 \(limit MAX_DEVICE_STEPS\)/ },
    { what: "10^7 devices", args: ["sweep", file(e)], want: /devices: 10000000 devices; at most 2000000 \(limit MAX_FLEET_DEVICES\)/ },
    { what: "devices x cells", args: ["sweep", file(e2)], want: /devices: 2000000 devices x 12 cells .* at most 20000000 \(limit MAX_DEVICE_CELLS\)/ },
    { what: "5M-item list", args: ["run", file(`{"name":"x","steps":[${"{},".repeat(5_000_000)}{}]}`)], want: /steps\[100000\]: more than 100000 items in one list \(limit MAX_JSON_ITEMS\)/ },
    { what: "1,001 keys", args: ["sweep", file(`{"name":"x","platform":{"generate":{"instances":1,"drivers":{${keys}}}}}`)], want: /platform\.generate\.drivers: more than 1000 keys in one object \(limit MAX_JSON_KEYS\)/ },
    { what: "100,000 bad steps", args: ["run", file({ ...scenario(), steps: bad })], want: /steps\[0\]\.domain: Invalid input: expected string/ },
  ]);
});

test("a scenario of 60,000 devices and 60,000 steps loads, every step with its device (how fast: npm run bench's loader/linear)", () => {
  const s = parseScenario(manyDevicesScenario(60_000), drivers);
  assert.is(s.devices.length, 60_000);
  assert.is(s.steps.length, 60_000);
  assert.equal(s.steps[59_999], { op: "alloc-domain", id: "xd59999", device: "d59999" });
});

test("every refusal above: exit 2, one line of at most 300 characters, no control character", () => {
  assert.ok(all.length >= 25, `${all.length} cases`);
  for (const { what, r } of all) {
    const line = `${r.err.replace(/\n$/, "")}`;
    assert.is(r.code, 2, what);
    assert.ok(!line.includes("\n") && line.length <= 300, `${what}: ${line.length} characters`);
    assert.not.match(line, /[\u0000-\u001f\u007f]/, what);
    assert.not.match(line, /\(.*:\d+:\d+\)|internal error/, what);
  }
});

test.after(() => fs.rmSync(tmp, { recursive: true, force: true }));

test.run();
