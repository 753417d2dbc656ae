/**
 * `npm run bench:check`: how fast the classroom checker is, against one bare `tsc` of one file
 * measured in the same run (the machine's speed, and its load, cancel out in the ratio).
 *
 *  0. The unit: the project's compiler on one exercise file (`tsc --noEmit file`), fresh process.
 *  1. The whole track, as `npm run check -- --solutions` runs it: a fresh process (tsx start-up,
 *     the worker thread loading the library, every exercise's checks including the generated
 *     cases, one compiler run over the 12 files). Target: <= 2 s.
 *  2. The same against the starters (the walk stops at exercise 01).
 *  3. A re-check of one exercise as watch mode does it after a save: a worker started ahead of
 *     time with that exercise's checks loaded, the checks, and the compiler on that one file in
 *     parallel. Target: <= 0.5 s.
 *
 * Options: --runs N (default 5). Prints medians, min and max, the ratios to the bare tsc, and
 * exits 1 when a target is missed.
 */
import { spawnSync } from "child_process";
import * as path from "path";
import { parseArgs } from "util";
import { CheckWorker } from "../tools/exercises/isolate.ts";
import { PROJECT_ROOT, type TargetDir, targetFile } from "../tools/exercises/target.ts";
import { loadTrack } from "../tools/exercises/track.ts";
import { compilerFlags, typecheck } from "../tools/exercises/typecheck.ts";

const { values } = parseArgs({ options: { runs: { type: "string" } } });
const RUNS = Math.max(1, Number(values.runs) || 5);

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const fmt = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const stats = (xs: number[]) => `median ${fmt(median(xs))}  (min ${fmt(Math.min(...xs))}, max ${fmt(Math.max(...xs))}, ${xs.length} runs)`;
const ms = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e6;

function bareTsc(file: string): number[] {
  const out: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = process.hrtime.bigint();
    spawnSync(process.execPath, [path.join(PROJECT_ROOT, "node_modules", "typescript", "bin", "tsc"), "--ignoreConfig", ...compilerFlags(), file], { cwd: PROJECT_ROOT });
    out.push(ms(t0));
  }
  return out;
}

function wholeTrack(extra: string[], want: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = process.hrtime.bigint();
    const r = spawnSync(process.execPath, ["scripts/check.cjs", ...extra], {
      cwd: PROJECT_ROOT,
      encoding: "utf8",
      env: { ...process.env, NO_COLOR: "1", IOMMU_LAB_PROGRESS: `${PROJECT_ROOT}/.progress.json.bench.tmp` },
    });
    out.push(ms(t0));
    if (r.status !== want) throw new Error(`check ${extra.join(" ")} exited ${r.status}, not ${want}:\n${r.stdout}${r.stderr}`);
  }
  spawnSync(process.execPath, ["-e", `require("fs").rmSync(${JSON.stringify(`${PROJECT_ROOT}/.progress.json.bench.tmp`)}, { force: true })`]);
  return out;
}

/** One watch-mode re-check: the warm worker (started and preloaded before the "save"), checks + tsc of that file. */
async function recheck(id: string, dir: TargetDir): Promise<number> {
  const w = new CheckWorker();
  w.warm([id]);
  await w.run({ id: "01-soft-or-hard", dir }); // waits until the worker is ready; not timed
  const t0 = process.hrtime.bigint();
  await Promise.all([w.run({ id, dir }), typecheck([targetFile(id, dir)])]);
  const t = ms(t0);
  w.close();
  return t;
}

async function main(): Promise<void> {
  const ids = loadTrack().exercises.map((e) => e.id);
  console.log(`Checker benchmark: ${ids.length} exercises, ${RUNS} runs each, node ${process.version}`);
  console.log("(the ratios to one bare tsc cancel the machine's speed and load; absolute times vary with both)\n");

  const unit = median(bareTsc(targetFile("07-iommufd-auto-domain", "solutions")));
  console.log(`bare tsc of one file (solutions/07):  median ${fmt(unit)}`);
  const solutions = wholeTrack(["--solutions"], 0);
  console.log(`whole track, solutions/ (fresh process, with type check): ${stats(solutions)}  = ${(median(solutions) / unit).toFixed(2)} x tsc`);
  const starters = wholeTrack([], 1);
  console.log(`whole track, exercises/ (starters; stops at 01):           ${stats(starters)}  = ${(median(starters) / unit).toFixed(2)} x tsc`);

  const per: Array<{ id: string; ms: number[] }> = [];
  for (const id of ids) {
    const xs: number[] = [];
    for (let i = 0; i < RUNS; i++) xs.push(await recheck(id, "solutions"));
    per.push({ id, ms: xs });
  }
  console.log("\nwatch-mode re-check of one exercise (warm worker; checks + type check of that file):");
  for (const p of per) console.log(`  ${p.id.padEnd(30)} ${stats(p.ms)}  = ${(median(p.ms) / unit).toFixed(2)} x tsc`);
  const worst = Math.max(...per.map((p) => median(p.ms)));
  console.log(`  worst median: ${fmt(worst)}  = ${(worst / unit).toFixed(2)} x tsc`);

  const okTrack = median(solutions) <= 2000;
  const okWatch = worst <= 500;
  console.log(`\ntargets: whole track <= 2 s: ${okTrack ? "met" : "MISSED"}; one re-check <= 0.5 s: ${okWatch ? "met" : "MISSED"}`);
  process.exitCode = okTrack && okWatch ? 0 : 1;
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : String(e));
  process.exitCode = 1;
});
