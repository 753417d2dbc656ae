/**
 * The command-line layer as a user meets it: per-command help, `help [command]`, `--version`,
 * and every way of getting the arguments wrong (unknown flag, extra argument, a flag of another
 * command, conflicting flags) answered with exit 2 and one line; the inert-variant warning;
 * `drivers` listing variants and `eras` its sources; `--help` not loading the library; the
 * same layer in `npm run fuzz` and `npm run bench`.
 */
import { drivers } from "../hardware/index.ts";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { closest, helpText, parseCommand, UsageError } from "../tools/cli/args.ts";
import { COMMANDS } from "../tools/cli/commands.ts";
import { inertVariantWarnings, variantChanges } from "../tools/cli/variants.ts";
import type { SweepResult } from "../tools/sweep/index.ts";
import { sweepHtml, sweepText } from "../tools/sweep/report.ts";
import type { SweepRow } from "../tools/sweep/tally.ts";
import { cliNow } from "./cli-now.ts";

const root = path.resolve(__dirname, "..");
const example = path.join(root, "hardware/platforms/arm-server-2x-smmuv3.json");
const experiment = path.join(root, "experiments/log-spam-10k-vfs.json");
const REGRESSION = "arm-smmu-v3:regression-48e7b8e284e5";

/** `iommu-lab ARGS` as a process: its exit status and streams. */
function spawnCli(...args: string[]) {
  const r = spawnSync(process.execPath, [path.join(root, "bin/iommu-lab.cjs"), ...args], { encoding: "utf8", cwd: root });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** The same command in this process (test/cli-now.ts); the tests below check that both agree. */
const cli = (...args: string[]) => cliNow(args);

/** Exit 2, nothing on stdout, one line on stderr matching `re`, no stack, no unbalanced quote. */
function usageError(args: string[], re: RegExp) {
  const r = cli(...args);
  assert.is(r.code, 2, `${args.join(" ")}: ${r.err}`);
  assert.is(r.out, "", "nothing on stdout");
  assert.is(r.err.split("\n").length, 2, `one line: ${r.err}`);
  assert.match(r.err, re);
  assert.not.match(r.err, /\n\s+at /);
  assert.is((r.err.match(/"/g) ?? []).length % 2, 0, `balanced quotes: ${r.err}`);
  assert.not.match(r.err, /'/, "no single quote left open");
  return r.err;
}

test("an unknown flag: exit 2, one line, did you mean", () => {
  // A process answers as the command in this process does (a usage error, a help, output with a warning).
  for (const args of [["run", example, "--ear", "pre-2022"], ["eras", "--help"], ["run", example, "--variant", REGRESSION]]) {
    assert.equal(spawnCli(...args), cli(...args), args.join(" "));
  }
  usageError(["run", example, "--ear", "pre-2022"], /^iommu-lab: unknown option --ear; did you mean --era\? \(iommu-lab run --help for usage\)$/m);
  usageError(["matrix", "--jsno"], /unknown option --jsno; did you mean --json\?/);
  usageError(["eras", "--frobnicate"], /unknown option --frobnicate \(/);
  usageError(["eras", "-x"], /unknown option -x \(/);
  usageError(["rnu"], /unknown command "rnu"; did you mean run\?/);
  usageError(["run", example, "--era", "einval-6.3"], /--era: unknown era "einval-6\.3"; did you mean einval-6\.2\? \(expected one of: 2014-nesting, /);
});

test("extra and missing arguments: exit 2", () => {
  usageError(["drivers", "badarg"], /unexpected argument "badarg": iommu-lab drivers takes no arguments/);
  usageError(["run", example, example], /unexpected argument ".+": iommu-lab run takes <scenario\.json>/);
  usageError(["sweep"], /missing <experiment\.json>/);
  usageError(["run", example, "--era"], /--era needs a value \(ID\)/);
  usageError(["run", example, "--era", "--json"], /--era needs a value/);
  usageError(["run", example, "--json=yes"], /--json takes no value/);
  usageError(["run", example, "--era", "pre-2022", "--era", "einval-6.2"], /--era given twice/);
});

test("a flag of another command: exit 2, naming the commands it belongs to", () => {
  usageError(["eras", "--csv"], /--csv does not apply to iommu-lab eras, only to matrix, sweep/);
  usageError(["run", example, "--workers", "2"], /--workers does not apply to iommu-lab run, only to sweep/);
  usageError(["sweep", experiment, "--era", "pre-2022"], /--era does not apply to iommu-lab sweep, only to run/);
  usageError(["sweep", experiment, "--variant", REGRESSION], /--variant does not apply to iommu-lab sweep, only to run/);
  usageError(["--json", "eras"], /--json goes after the command \(iommu-lab eras \.\.\. --json\)/);
});

test("conflicting flags: exit 2", () => {
  usageError(["matrix", "--csv", "--json"], /--csv and --json cannot be used together \(iommu-lab matrix --help/);
  usageError(["sweep", experiment, "--json", "--csv"], /--csv and --json cannot be used together/);
});

test("each command has its own help, with its own flags and examples; help <command> prints the same", () => {
  const seen = new Set<string>();
  for (const [name, spec] of Object.entries(COMMANDS)) {
    const r = cli(name, "--help");
    assert.is(r.code, 0, name);
    assert.is(r.err, "");
    assert.ok(r.out.startsWith(`usage: iommu-lab ${name}`), r.out);
    for (const flag of Object.keys(spec.flags)) assert.match(r.out, `--${flag}`, `${name} --help lists --${flag}`);
    for (const [other, o] of Object.entries(COMMANDS)) {
      for (const flag of Object.keys(o.flags)) if (!(flag in spec.flags)) assert.not.match(r.out, new RegExp(`--${flag}\\b`), `${name} --help lists ${other}'s --${flag}`);
    }
    if (name !== "help") assert.match(r.out, /examples:\n {2}iommu-lab /);
    assert.is(cli("help", name).out, r.out, `help ${name}`);
    assert.is(cli(name, "-h").out, r.out);
    seen.add(r.out);
  }
  assert.is(seen.size, Object.keys(COMMANDS).length, "every command's help differs");
});

test("help with no command is the global help; help of an unknown command is exit 2", () => {
  const g = cli("--help");
  assert.is(g.code, 0);
  for (const c of Object.keys(COMMANDS)) assert.match(g.out, new RegExp(`^ {2}${c} `, "m"));
  assert.is(cli("help").out, g.out);
  assert.is(cli("-h").out, g.out);
  usageError(["help", "nope"], /unknown command "nope"/);
});

test("--version prints package.json's version", () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")) as { version: string };
  const r = spawnCli("--version");
  assert.is(r.code, 0);
  assert.is(r.out, `${pkg.version}\n`);
});

test("--help and usage errors load no command module (the library stays unloaded)", () => {
  const script = `
    const { cli } = require("./tools/cli/main.ts");
    const log = console.log, error = console.error;
    console.log = console.error = () => {};
    cli(["--help"]); cli(["run", "--help"]); cli(["eras", "--csv"]); cli(["sweep", "x.json", "--era", "x"]);
    console.log = log;
    console.log(Object.keys(require.cache).filter((f) => !f.includes("node_modules")).map((f) => f.slice(process.cwd().length + 1)).sort().join(" "));`;
  const r = spawnSync(process.execPath, ["-r", "tsx/cjs", "-e", script], { cwd: root, encoding: "utf8" });
  assert.is(r.status, 0, r.stderr);
  assert.is(r.stdout.trim(), "lib/eras.ts tools/cli/args.ts tools/cli/commands.ts tools/cli/main.ts");
});

test("a variant that changes nothing in the era gets a warning on stderr; one that changes something does not", () => {
  const inert = cli("run", example, "--variant", REGRESSION); // the scenario's era is einval-6.2
  assert.is(inert.code, 0);
  assert.is(inert.err, `iommu-lab: warning: variant ${REGRESSION} changes nothing in era einval-6.2 (it changes mainline-2025)\n`);
  const live = cli("run", example, "--era", "mainline-2025", "--variant", REGRESSION);
  assert.is(live.code, 0);
  assert.is(live.err, "");
  assert.match(live.out, /fake-success/);
});

test("variantChanges reads the variant's row through the era's parents and compares it with the baseline", () => {
  const smmu3 = drivers.get("arm-smmu-v3")!;
  // test-dev-2025's variant row (EINVAL) equals the baseline there: not a change.
  assert.equal(variantChanges(smmu3, "regression-48e7b8e284e5").map((c) => [c.check, c.era, c.to?.errno]), [["smmu-mismatch", "mainline-2025", 0]]);
  // mtk-iommu-v1's warn-foreign-domain row is written for mainline-2025 only; test-dev-2025 inherits it.
  assert.equal(variantChanges(drivers.get("mtk-iommu-v1")!, "warn-foreign-domain").map((c) => c.era), ["mainline-2025", "test-dev-2025"]);
  assert.equal(inertVariantWarnings([REGRESSION], ["mainline-2025"]), []);
  assert.equal(inertVariantWarnings([REGRESSION], ["einval-6.2", "mainline-2025"]), [], "not inert when it changes one of the eras");
  assert.equal(inertVariantWarnings([REGRESSION], ["pre-2022", "test-dev-2025"]), [`variant ${REGRESSION} changes nothing in eras pre-2022, test-dev-2025 (it changes mainline-2025)`]);
  assert.equal(inertVariantWarnings(["arm-smmu-v3:no-such-variant", "nodriver:x"], ["pre-2022"]), [], "unknown names are the loaders' business");
});

test("drivers lists each driver's variants with what they change; eras text shows the sources", () => {
  const d = cli("drivers");
  assert.is(d.code, 0);
  assert.match(d.out, /variants \(iommu-lab run --variant ID\):\n {4}arm-smmu-v3:regression-48e7b8e284e5: smmu-mismatch in mainline-2025: EINVAL -> 0!\n/);
  assert.match(d.out, /mtk-iommu-v1:emediumtype-converted: foreign-domain in emediumtype-2022: 0! -> EMEDIUMTYPE\/dbg/);
  const json = JSON.parse(cli("drivers", "--json").out) as Array<{ id: string; variants: Array<{ id: string; changes: Array<{ check: string; era: string }> }> }>;
  const v = json.find((x) => x.id === "arm-smmu-v3")!.variants;
  assert.equal(v.map((x) => [x.id, x.changes.map((c) => `${c.check}@${c.era}`)]), [[REGRESSION, ["smmu-mismatch@mainline-2025"]]]);
  const e = cli("eras");
  assert.match(e.out, /\nsources:\n {2}2014-nesting\n {4}f5c9ecebaf2a /);
  assert.match(e.out, /\n {2}einval-6\.2\n {4}00208852d351 /);
});

test("parseCommand: values, repeatable flags, did-you-mean distance", () => {
  const r = parseCommand(COMMANDS.run, ["x.json", "--variant", "a:b", "--variant=c:d", "--json"]);
  assert.equal(r.positionals, ["x.json"]);
  assert.equal(r.values.variant, ["a:b", "c:d"]);
  assert.is(r.values.json, true);
  assert.is(closest("trce", ["trace", "json"]), "trace");
  assert.is(closest("outt", ["out", "json"]), "out");
  assert.is(closest("zzzzzz", ["trace", "json"]), undefined);
  assert.throws(() => parseCommand(COMMANDS.eras, ["--json", "--json=1"]), (e: unknown) => e instanceof UsageError && /takes no value/.test(e.message));
  assert.match(helpText(COMMANDS.run), /--variant DRIVER:NAME .*\(repeatable\)/);
});

/** A sweep result of one cell: every device probed ok (probeSpam err/warn lines) and attached. */
function oneCell(probeOutcome: string, probeSpam: number): SweepResult {
  const row = (phase: SweepRow["phase"], outcome: string, spamLines: number): SweepRow => ({ consumer: "direct", era: "pre-2022", variant: "baseline", seed: 1, phase, outcome, errno: "", devices: 10, requests: 10, attempts: 10, softFailures: 0, domainsAllocated: 1, logLines: spamLines, spamLines });
  return {
    experiment: { name: "x", description: "", platform: "p", devices: 10, consumers: ["direct"], eras: ["pre-2022"], variants: [[]], seeds: [1], contextSize: 0, engine: "compressed" } as SweepResult["experiment"],
    rows: [row("probe", probeOutcome, probeSpam), row("attach", "ok", 3)],
    stats: [],
  };
}

test("sweep summary: the probe column appears filled when a probe failed or printed, and not at all otherwise", () => {
  const clean = sweepText(oneCell("ok", 0));
  assert.not.match(clean, /probe failed/);
  assert.match(clean, /\nprobe: every device probed onto its default domain with no err\/warn line \(in every cell\)$/);
  assert.not.match(sweepHtml(oneCell("ok", 0), []), /probe failed/);
  const noisy = sweepText(oneCell("ok", 4));
  assert.match(noisy, /probe failed\/spam\n/);
  assert.match(noisy, / 0\/4$/m);
  assert.match(sweepText(oneCell("hard-failure", 0)), / 10\/0$/m);
  assert.match(sweepHtml(oneCell("ok", 4), []), /<td>0 \/ 4<\/td><\/tr>/);
});

function script(name: string, ...args: string[]) {
  const r = spawnSync(process.execPath, ["--require", path.join(root, "scripts/tsx-cjs.cjs"), path.join(root, `scripts/${name}.ts`), ...args], { encoding: "utf8", cwd: root, timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test("npm run fuzz -- --help and npm run bench -- --help print their help; bad flags are one line", () => {
  const bads: Record<string, string> = {};
  for (const name of ["fuzz", "bench"]) {
    const h = script(name, "--help");
    assert.is(h.code, 0, h.err);
    assert.ok(h.out.startsWith(`usage: npm run ${name} -- [options]`), h.out);
    assert.is(h.err, "");
    const bad = script(name, "--rnus", "3");
    assert.is(bad.code, 2);
    assert.is(bad.out, "", "bench did not start");
    assert.is(bad.err.split("\n").length, 2, bad.err);
    bads[name] = bad.err;
  }
  assert.match(bads["fuzz"]!, /^npm run fuzz: unknown option --rnus; did you mean --runs\?/);
});

test.run();
