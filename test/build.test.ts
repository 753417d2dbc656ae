/**
 * dist/ (scripts/build.cjs): the bundled command line answers exactly as the sources do, and the
 * compiled library's declarations, rewritten without zod (scripts/build-slim-dts.cjs), keep the
 * types notebooks see identical to the sources' - under tslab's TypeScript 5.0 and its settings.
 * scripts/test.cjs builds dist/ before the suites run.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { catchOutput } from "./cli-now.ts";

const root = path.resolve(__dirname, "..");

/** A fresh folder under build/ (made first: in a fresh clone nothing may have made build/ yet). */
function buildTemp(prefix: string): string {
  fs.mkdirSync(path.join(root, "build"), { recursive: true });
  return fs.mkdtempSync(path.join(root, "build", prefix));
}
const { isCurrent } = require("../scripts/build.cjs") as { isCurrent(): boolean };

/**
 * Runs an entry point (bin/iommu-lab.cjs, or scripts/check.cjs, whose bundle is dist/BUNDLE);
 * `ran` says whether the bundle or the sources answered.
 */
function cli(args: string[], sources: boolean, entry = "bin/iommu-lab.cjs", bundle = "iommu-lab.cjs", env: Record<string, string> = {}) {
  const probe = `process.on('exit', () => require('fs').writeSync(2, '\\nran: ' + (Object.keys(require.cache).some((f) => f.endsWith(${JSON.stringify(bundle)}) && f.includes('dist')) ? 'bundle' : 'sources') + '\\n'))`;
  const r = spawnSync(process.execPath, ["--eval", `${probe}; process.argv.splice(1, 0, "entry"); require(${JSON.stringify(path.join(root, entry))})`, "--", ...args], {
    cwd: root,
    encoding: "utf8",
    env: { ...process.env, ...env, IOMMU_LAB_SOURCES: sources ? "1" : "0", NO_COLOR: "1" },
  });
  const m = /\nran: (\w+)\n$/.exec(r.stderr);
  return { status: r.status, stdout: r.stdout, stderr: r.stderr.replace(/\nran: \w+\n$/, ""), ran: m?.[1] };
}

/**
 * The sources' answer without a process of their own: `run` (the entry point's function) in this
 * process, which already runs TypeScript through tsx, with its output captured and `env` set.
 * Starting the sources through tsx costs ~0.5 s of CPU a run; one spawned run per entry point
 * (`here: false` below) still shows that the entry point falls back to them.
 */
async function inThisProcess(run: () => number | Promise<number>, env: Record<string, string> = {}) {
  const saved = Object.fromEntries(Object.keys({ ...env, NO_COLOR: "" }).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env, { NO_COLOR: "1" });
  const caught = catchOutput();
  try {
    const status = await run();
    return { status, stdout: caught.out, stderr: caught.err };
  } finally {
    caught.restore();
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

test("dist/ is current after the test preamble's build", () => {
  assert.ok(isCurrent(), "run `npm run build`");
});

/** Both answers agree, and each came from where it should. */
function sameAnswer(b: ReturnType<typeof cli>, s: { status: number | null; stdout: string; stderr: string; ran?: string | undefined }, here: boolean, what: string) {
  assert.is(b.ran, "bundle", what);
  if (!here) assert.is(s.ran, "sources", what);
  assert.equal([b.status, b.stdout, b.stderr], [s.status, s.stdout, s.stderr], what);
}

// Few cases, the matrix runs every driver in every era; the one spawned on the sources is the cheapest.
const CASES: Array<{ args: string[]; here: boolean }> = [
  { args: ["matrix", "--csv"], here: true },
  { args: ["run", "hardware/platforms/tegra20-gart.json", "--json", "--trace"], here: true },
  { args: ["run", "test/fixtures/bad-scenarios/03-not-json.json"], here: false }, // bad input: exit 2, one line
];
for (const { args, here } of CASES) {
  test(`iommu-lab ${args.join(" ")}: the bundle answers, byte for byte as the sources do`, async () => {
    const b = cli(args, false);
    const s = here ? await inThisProcess(() => (require("../tools/cli/main.ts") as typeof import("../tools/cli/main.ts")).cli(args)) : cli(args, true);
    assert.not.match(b.stdout + b.stderr, /^usage: iommu-lab/m, "the command's arguments reached it");
    sameAnswer(b, s, here, args.join(" "));
  });
}

test("npm run check (scripts/check.cjs): the bundle answers, as the sources do", async () => {
  const dir = buildTemp("check-entry-");
  try {
    const env = { IOMMU_LAB_PROGRESS: path.join(dir, "progress.json") };
    for (const [args, here] of [[["--help"], true], [["--frobnicate"], false]] as const) {
      const b = cli([...args], false, "scripts/check.cjs", "check.cjs", env);
      const s = here ? await inThisProcess(() => (require("../tools/exercises/cli.ts") as typeof import("../tools/exercises/cli.ts")).main(args), env) : cli([...args], true, "scripts/check.cjs", "check.cjs", env);
      assert.ok(b.stdout.length + b.stderr.length > 0, args.join(" "));
      sameAnswer(b, s, here, args.join(" "));
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true }); // made above by mkdtemp
  }
});

test("declarations without zod keep the zod-inferred types exactly (tslab's TypeScript 5.0)", () => {
  for (const f of ["lib/props.d.ts", "lib/scenario/schema.d.ts", "lib/scenario/load.d.ts", "tools/sweep/schema.d.ts", "tools/exercises/track.d.ts"]) {
    assert.not.match(fs.readFileSync(path.join(root, "dist", f), "utf8"), /from "zod"/, f);
  }
  const dir = buildTemp("dts-check-");
  try {
    const pairs: Array<[string, string]> = [
      ["lib/scenario/schema", "Scenario"],
      ["lib/scenario/schema", "ScenarioStep"],
      ["tools/sweep/schema", "ExperimentInput"],
      ["tools/sweep/schema", "DistInput"],
      ["tools/exercises/track", "Source"],
      ["tools/exercises/track", "TrackExercise"],
      ["tools/exercises/track", "Track"],
    ];
    // The schemas' outputs too: a schema may be declared with an alias's name (build-slim-dts.cjs).
    const schemas: Array<[string, string]> = [
      ["lib/scenario/schema", "InstanceSchema"],
      ["lib/scenario/schema", "DeviceSchema"],
      ["lib/scenario/schema", "StepSchema"],
      ["lib/scenario/schema", "ScenarioSchema"],
      ["lib/scenario/schema", "ScenarioShellSchema"],
      ["tools/sweep/schema", "DistSchema"],
      ["tools/sweep/schema", "GenerateSchema"],
      ["tools/sweep/schema", "ExperimentSchema"],
      ["tools/exercises/track", "SourceSchema"],
      ["tools/exercises/track", "ExerciseSchema"],
      ["tools/exercises/track", "TrackSchema"],
    ];
    const lines = [
      "type Eq<X, Y> = (<T>() => T extends X ? 1 : 2) extends <T>() => T extends Y ? 1 : 2 ? true : false;",
      ...pairs.map(([m, t], i) => `import type { ${t} as S${i} } from "../../${m}";\nimport type { ${t} as D${i} } from "../../dist/${m}";\nexport const eq${i}: Eq<S${i}, D${i}> = true;`),
      ...schemas.map(([m, c], i) => `import { ${c} as SZ${i} } from "../../${m}";\nimport { ${c} as DZ${i} } from "../../dist/${m}";\nexport const eqz${i}: Eq<(typeof SZ${i})["_output"], (typeof DZ${i})["_output"]> = true;`),
      // A real zod schema still fits the declared one, and parse gives the exact type.
      'import { ScenarioSchema as Real } from "../../lib/scenario/schema";\nimport { ScenarioSchema as Slim, type Scenario } from "../../dist/lib/scenario/schema";',
      "export const fits: typeof Slim = Real;\nexport const parsed: Eq<ReturnType<typeof Slim.parse>, Scenario> = true;",
    ];
    // The sources name their imports with `.ts` (allowed with noEmit); dist/ must not need it.
    const flags = ["--noEmit", "--allowImportingTsExtensions", "--strict", "--module", "esnext", "--moduleResolution", "node10", "--esModuleInterop", "--skipLibCheck", "--target", "ES2022", "--lib", "ES2022", "--types", "node"];
    const same = path.join(dir, "same.ts");
    const differs = path.join(dir, "differs.ts");
    fs.writeFileSync(same, `${lines.join("\n")}\n`);
    // The control: the check must be able to fail. One program for both files.
    fs.writeFileSync(differs, `${lines[0]}\nimport type { Scenario as A } from "../../lib/scenario/schema";\nimport type { ScenarioStep as B } from "../../dist/lib/scenario/schema";\nexport const eq: Eq<A, B> = true;\n`);
    // The compiler in this process, asked only about the two files' types (and every file's
    // syntax): `tsc` would also type-check the bodies of the ~30 sources they import, twice the CPU
    // (the project's type check, TypeScript 7 with the same strict flags and ES2022, checks those).
    const ts = require("@tslab/typescript-for-tslab") as typeof import("@tslab/typescript-for-tslab");
    const cl = ts.parseCommandLine(flags);
    assert.equal(cl.errors, []);
    const program = ts.createProgram([same, differs], cl.options);
    const text = (d: import("@tslab/typescript-for-tslab").Diagnostic) => `${d.file ? path.relative(root, d.file.fileName) : "-"}: error TS${d.code}: ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`;
    const errors = [
      ...program.getOptionsDiagnostics(),
      ...program.getGlobalDiagnostics(),
      ...program.getSyntacticDiagnostics(),
      ...program.getSemanticDiagnostics(program.getSourceFile(same)),
      ...program.getSemanticDiagnostics(program.getSourceFile(differs)),
    ].map(text);
    assert.ok(program.getSourceFiles().some((f) => f.fileName.endsWith("/dist/tools/exercises/track.d.ts")), "the declarations were read");
    assert.equal(errors.filter((l) => !l.includes("differs.ts")), [], "same.ts compiles");
    assert.is(errors.filter((l) => l.includes("differs.ts")).length, 1, "the equality check rejects two different types");
  } finally {
    fs.rmSync(dir, { recursive: true, force: true }); // made above by mkdtemp
  }
});

test("dist/: what a notebook's import cell loads requires zod and the scenario schemas only when a scenario is loaded (build.cjs LAZY)", () => {
  const probe = `
    const loaded = (f) => Object.keys(require.cache).some((k) => k.endsWith(f));
    const dist = ${JSON.stringify(path.join(root, "dist"))};
    const { loadScenario } = require(dist + "/lib/scenario/load.js");
    require(dist + "/lib/index.js"); require(dist + "/lib/scenario/run.js");
    const { drivers } = require(dist + "/hardware/index.js");
    const before = ["vendor/zod.js", "scenario/schema.js", "scenario/ops.js"].filter(loaded);
    const s = loadScenario(${JSON.stringify(path.join(root, "hardware/platforms/arm-server-2x-smmuv3.json"))}, drivers);
    console.log(JSON.stringify({ before, after: loaded("vendor/zod.js") && loaded("scenario/schema.js"), steps: s.steps.length }));`;
  const r = spawnSync(process.execPath, ["--eval", probe], { cwd: root, encoding: "utf8" });
  assert.is(r.status, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout), { before: [], after: true, steps: 11 });
});

test("dist/ names no .ts module: relative requires and declaration imports read .js", () => {
  const bad: string[] = [];
  let js = 0;
  for (const dir of ["lib", "hardware"]) {
    for (const f of fs.readdirSync(path.join(root, "dist", dir), { recursive: true }).map(String)) {
      if (!/\.(js|d\.ts)$/.test(f)) continue;
      const text = fs.readFileSync(path.join(root, "dist", dir, f), "utf8").replace(/\/\*[\s\S]*?\*\/|^\s*\/\/.*$/gm, "");
      const re = f.endsWith(".d.ts") ? /(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s*)"(\.\.?\/[^"]*)"/gm : /\brequire\("(\.\.?\/[^"]*)"\)/g;
      for (const m of text.matchAll(re)) {
        if (!m[1]!.endsWith(".js")) bad.push(`${dir}/${f}: ${m[1]}`);
        else js++;
      }
    }
  }
  assert.equal(bad, []);
  assert.ok(js > 200, `${js} relative specifiers seen`);
});

test("jsSpecifiers: a compiled module's relative .ts requires become .js, nothing else", () => {
  const { jsSpecifiers } = require("../scripts/build.cjs") as { jsSpecifiers(js: string): string };
  const src = 'require("./a.ts"); require("../b/index.ts"); require("zod"); require("./c.json"); x("./d.ts"); path.join(d, "e.ts");';
  assert.is(jsSpecifiers(src), 'require("./a.js"); require("../b/index.js"); require("zod"); require("./c.json"); x("./d.ts"); path.join(d, "e.ts");');
});

test.run();
