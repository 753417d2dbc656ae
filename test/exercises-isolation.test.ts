/**
 * The checker survives bad student code (issue #18): an endless loop, a promise that never
 * settles, a throw at load and a stack overflow each give one line at the exercise's file and a
 * non-zero exit within the time limit, with --only, the full run and --watch (which must still
 * quit on a signal). The student's folder is a temporary copy (IOMMU_LAB_EXERCISES): solutions
 * for 01-06 so that the full run reaches 07, the starters after that, and the bad file.
 */
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { ownWorkImported } from "../tools/exercises/cheats.ts";
import { CheckWorker } from "../tools/exercises/isolate.ts";
import { PROJECT_ROOT } from "../tools/exercises/target.ts";
import { loadTrack } from "../tools/exercises/track.ts";

const ids = loadTrack().exercises.map((e) => e.id);
const abs = (text: string) => text.replace(/from "\.\.\//g, `from "${PROJECT_ROOT}/`);

/** A student folder: solutions up to `upTo` (exclusive), starters after, `bad` for one file. */
function studentDir(upTo: number, bad: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "iommu-lab-iso-"));
  ids.forEach((id, i) => {
    const from = path.join(PROJECT_ROOT, i < upTo ? "solutions" : "exercises", `${id}.ts`);
    fs.writeFileSync(path.join(dir, `${id}.ts`), abs(bad[id] ?? fs.readFileSync(from, "utf8")));
  });
  return dir;
}

/**
 * The checker's limit per check, in seconds: an endless loop burns it in full, so it is short.
 * Up to exercise 07 every check takes milliseconds; the runs that go on to exercise 12 (whose
 * solutions before it run fast-check cases and render a chart) get a looser one. A `--only` run
 * checks one exercise, whose checks before the one that hangs take milliseconds: the shortest
 * (the spinning loop burns it in CPU, the promise waits it out), and the line must name the check
 * that hung, so that a limit hit earlier cannot pass for it.
 */
const LIMIT = { upTo07: "1", upTo12: "2", only: "0.5" };

function check(dir: string, args: string[], limit: string) {
  const r = spawnSync(process.execPath, ["scripts/check.cjs", "--timeout", limit, ...args], {
    cwd: PROJECT_ROOT,
    encoding: "utf8",
    env: { ...process.env, IOMMU_LAB_EXERCISES: dir, IOMMU_LAB_PROGRESS: path.join(dir, "progress.json"), NO_COLOR: "1" },
    timeout: 60_000,
  });
  return { code: r.status, out: r.stdout + r.stderr };
}

const solution07 = fs.readFileSync(path.join(PROJECT_ROOT, "solutions", "07-iommufd-auto-domain.ts"), "utf8");
const solution12 = fs.readFileSync(path.join(PROJECT_ROOT, "solutions", "12-what-if-chart.ts"), "utf8");

/** Exercise 07's solution with `body` run without end inside its loop over the hwpts. */
const loop07 = (body: string) => solution07.replace("for (const hwpt of ioas.hwpts) {", `for (const hwpt of ioas.hwpts) {\n      while (hwpt) ${body};`);
/**
 * A synchronous endless loop that never returns to the event loop, as the spinning one, but
 * blocks in each turn instead of spinning: the checker must stop it the same way (its timer in
 * the main thread, then terminating the worker), and the limit it waits out costs no CPU.
 * The `--only` runs keep the spinning loop (V8 must interrupt code that never blocks).
 */
const idleLoop07 = abs(loop07("{ r.attempts++; Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20); }"));

const BAD: Array<{ what: string; id: string; text: string; line: RegExp; limit: string; hangs?: { check: string; onlyLimit: string }; fullText?: string }> = [
  {
    what: "an endless loop",
    id: "07-iommufd-auto-domain",
    text: loop07("r.attempts++"),
    line: /07-iommufd-auto-domain\.ts: your code did not finish within (1|0\.5) s \(an endless loop\?\)/,
    limit: LIMIT.upTo07,
    // The first check whose IOAS holds a hwpt (the loop's body runs).
    hangs: { check: "a device behind the same SMMU reuses the existing auto hwpt", onlyLimit: LIMIT.only },
    // The full run: the blocking loop, and the one full run with the type check beside the
    // checks (merging the two must keep the timeout's line).
    fullText: idleLoop07,
  },
  {
    what: "a promise that never settles",
    id: "12-what-if-chart",
    text: solution12.replace("return renderSvg(chartSpec(rows));", "return new Promise<string>(() => void chartSpec(rows));"),
    line: /12-what-if-chart\.ts: your code did not finish within (2|0\.5) s \(an endless loop\?\)/,
    limit: LIMIT.upTo12,
    hangs: { check: "chartSvg(rows): the chart of the rows it is given, rendered by Vega", onlyLimit: LIMIT.only },
  },
  {
    what: "a throw at load",
    id: "07-iommufd-auto-domain",
    text: `${solution07}\nthrow new Error("half-written");\n`,
    line: /07-iommufd-auto-domain\.ts:\d+: the file could not be loaded: your code threw Error: half-written/,
    limit: LIMIT.upTo07,
  },
  {
    what: "a stack overflow",
    id: "07-iommufd-auto-domain",
    text: solution07.replace("export function autoGetDomain(", "function depth(n: number): number {\n  return depth(n + 1) + 1;\n}\nexport function autoGetDomain(").replace("r.attempts++;", "r.attempts += depth(0);"),
    line: /07-iommufd-auto-domain\.ts(:\d+)?: your code called itself without end \(RangeError: Maximum call stack size exceeded\)/,
    limit: LIMIT.upTo07,
  },
];

for (const b of BAD) {
  test(`${b.what}: one line at the file and exit 1, with --only and in the full run`, () => {
    const dir = studentDir(ids.indexOf(b.id), { [b.id]: b.text });
    try {
      const only = check(dir, ["--only", b.id.slice(0, 2), "--no-typecheck"], b.hangs?.onlyLimit ?? b.limit);
      assert.is(only.code, 1, only.out);
      assert.match(only.out, b.line);
      const hungIn = b.hangs && `within ${b.hangs.onlyLimit} s (an endless loop?)\n  (in the check "${b.hangs.check}";`;
      if (hungIn) assert.ok(only.out.includes(hungIn), only.out);
      assert.not.match(only.out, /\n\s+at .*\(/, "a stack trace leaked");
      // The other full runs skip the student's type check (exercises-track tests it in full runs).
      if (b.fullText) fs.writeFileSync(path.join(dir, `${b.id}.ts`), b.fullText);
      const full = check(dir, b.fullText ? [] : ["--no-typecheck"], b.limit);
      assert.is(full.code, 1, full.out);
      assert.match(full.out, b.line);
      if (b.hangs) assert.ok(full.out.includes(`within ${b.limit} s (an endless loop?)\n  (in the check "${b.hangs.check}";`), full.out);
      assert.match(full.out, new RegExp(`✓ ${ids[ids.indexOf(b.id) - 1]!.slice(0, 2)} `), "the exercises before it were not reported");
      assert.match(full.out, new RegExp(`${ids.indexOf(b.id)}/${ids.length}`));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
}

test("--watch: an endless loop saved in an exercise is reported, the watcher goes on and quits on Ctrl-C", async () => {
  const id = "07-iommufd-auto-domain";
  const dir = studentDir(ids.indexOf(id), {});
  const child = spawn(process.execPath, ["scripts/check.cjs", "--watch", "--timeout", LIMIT.upTo07, "--no-typecheck"], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, IOMMU_LAB_EXERCISES: dir, IOMMU_LAB_PROGRESS: path.join(dir, "progress.json"), NO_COLOR: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout.on("data", (b: Buffer) => (out += b.toString()));
  child.stderr.on("data", (b: Buffer) => (out += b.toString()));
  const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
  // One generous deadline for the whole conversation (a loaded machine may be slow at any step);
  // each step polls for its answer in the output printed since the previous step, so no step can
  // be satisfied by old output and no fixed sleep can race the watcher.
  const deadline = Date.now() + 240_000;
  let from = 0;
  const until = async (step: string, re: RegExp): Promise<void> => {
    for (;;) {
      const m = re.exec(out.slice(from));
      if (m) {
        from += m.index + m[0].length;
        return;
      }
      if (Date.now() > deadline) throw new Error(`${step}: no ${re} within the test's deadline; output:\n${out}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  try {
    await until("the first check", /Watching exercises[^\n]*07-/);
    fs.writeFileSync(path.join(dir, `${id}.ts`), idleLoop07);
    await until("the endless loop saved", /07-iommufd-auto-domain\.ts: your code did not finish within 1 s \(an endless loop\?\)/);
    await until("watching again after the loop", /Watching exercises[^\n]*07-/);
    // A save that fixes it is picked up by the fresh worker.
    fs.writeFileSync(path.join(dir, `${id}.ts`), abs(solution07));
    await until("the fix saved", /✓ 07 [\s\S]*Watching exercises[^\n]*08-/);
    const t0 = Date.now();
    child.kill("SIGINT");
    // Ctrl-C quits at once when nothing is running; the bound only has to tell "quits" from "hangs".
    const code = await Promise.race([exited, new Promise<"hung">((r) => setTimeout(() => r("hung"), 15_000))]);
    assert.is(code, 0, `Ctrl-C: the watcher did not quit (${code} after ${Date.now() - t0} ms); output:\n${out}`);
  } finally {
    child.kill("SIGKILL");
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("the checker's worker holds one copy of the library, from dist/ when current: the checks and the student's imports share it", async () => {
  const { isCurrent } = require("../scripts/build.cjs") as { isCurrent(): boolean };
  assert.ok(isCurrent(), "run `npm run build`");
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "iommu-lab-iso-"));
  const file = path.join(dir, "07-iommufd-auto-domain.ts");
  // Loaded after the exercise's checks (which load the library too): the copies of lib/model it sees.
  fs.writeFileSync(
    file,
    abs(`import { neg } from "../lib/index";\nexport const x = neg;\nconst copies = Object.keys(require.cache).filter((f) => /[\\\\/]lib[\\\\/]model\\.(ts|js)$/.test(f));\nthrow new Error(\`copies: \${copies.map((f) => f.slice(${JSON.stringify(PROJECT_ROOT)}.length + 1)).join(" ")}\`);\n`),
  );
  const w = new CheckWorker();
  try {
    const r = await w.run({ id: "07-iommufd-auto-domain", dir: "exercises", file }, 30_000);
    assert.is(r.status, "load-error", JSON.stringify(r));
    assert.match(r.loadFailure!.message, /your code threw Error: copies: dist\/lib\/model\.js$/);
  } finally {
    w.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("own work: importing or re-exporting the function the exercise asks for is refused, with the line", () => {
  const own = { names: ["autoGetDomain"] };
  const cheats = [
    `export { autoGetDomain } from "../lib/consumers/iommufd";`,
    `import { hwptAttach, autoGetDomain as lib } from "../lib/consumers/iommufd";\nexport const autoGetDomain = lib;`,
    `import * as lib from "../lib/consumers/iommufd";\nexport function autoGetDomain(...a: Parameters<typeof lib.autoGetDomain>) { return lib.autoGetDomain(...a); }`,
    `export * from "../lib/consumers/iommufd";`,
    `// a comment\nconst lib = require("../lib/consumers/iommufd");\nexport const autoGetDomain = lib["autoGetDomain"];`,
  ];
  for (const c of cheats) assert.ok(ownWorkImported(c, own), `not caught:\n${c}`);
  assert.is(ownWorkImported(cheats[4]!, own)!.line, 2);
  // The honest starter and solution, and a comment that names the function, are fine.
  for (const dirName of ["exercises", "solutions"]) assert.is(ownWorkImported(fs.readFileSync(path.join(PROJECT_ROOT, dirName, "07-iommufd-auto-domain.ts"), "utf8"), own), null);
  assert.is(ownWorkImported(`// import { autoGetDomain } from "../lib/consumers/iommufd"\nimport * as lib from "../lib/index";\nexport function autoGetDomain() { return lib.neg("EINVAL"); }`, own), null);
  assert.ok(ownWorkImported(`import { drivers } from "../hardware/index";`, { modules: ["hardware/"] }));
});

test.run();
