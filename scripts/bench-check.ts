/**
 * `npm run bench:check`: how fast the classroom checker is.
 *
 *  1. The whole track, as `npm run check -- --solutions` runs it: a fresh process (tsx start-up,
 *     loading the library, every exercise's checks, one compiler run over the 12 files).
 *     Target: under 3 s.
 *  2. The same against the starters (the walk stops at exercise 01).
 *  3. A re-check of one exercise as watch mode does it after a save: the process is warm, the
 *     exercise file is reloaded, its checks run and the compiler checks that one file, in
 *     parallel. Target: well under 1 s.
 *
 * Options: --runs N (default 5). Prints medians, min and max, and exits 1 when a target is missed.
 */
import { spawnSync } from "child_process";
import { runChecks } from "../lib/exercises/runner";
import { PROJECT_ROOT, type TargetDir, targetFile } from "../lib/exercises/target";
import { loadTrack } from "../lib/exercises/track";
import { typecheck } from "../lib/exercises/typecheck";

const args = process.argv.slice(2);
const runsArg = args.indexOf("--runs");
const RUNS = runsArg >= 0 ? Math.max(1, Number(args[runsArg + 1]) || 5) : 5;

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const fmt = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const stats = (xs: number[]) => `median ${fmt(median(xs))}  (min ${fmt(Math.min(...xs))}, max ${fmt(Math.max(...xs))}, ${xs.length} runs)`;

function wholeTrack(extra: string[]): number[] {
  const out: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = process.hrtime.bigint();
    const r = spawnSync(process.execPath, ["--import", "tsx", "scripts/check.ts", ...extra], {
      cwd: PROJECT_ROOT,
      encoding: "utf8",
      env: { ...process.env, NO_COLOR: "1", IOMMU_LAB_PROGRESS: `${PROJECT_ROOT}/.progress.json.bench.tmp` },
    });
    out.push(Number(process.hrtime.bigint() - t0) / 1e6);
    if (r.status !== 0) throw new Error(`check ${extra.join(" ")} exited ${r.status}:\n${r.stdout}${r.stderr}`);
  }
  spawnSync(process.execPath, ["-e", `require("fs").rmSync(${JSON.stringify(`${PROJECT_ROOT}/.progress.json.bench.tmp`)}, { force: true })`]);
  return out;
}

async function recheck(id: string, dir: TargetDir): Promise<number> {
  const t0 = process.hrtime.bigint();
  await Promise.all([runChecks(id, dir), typecheck([targetFile(id, dir)])]);
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

async function main(): Promise<void> {
  const track = loadTrack();
  const ids = track.exercises.map((e) => e.id);
  console.log(`Checker benchmark: ${ids.length} exercises, ${RUNS} runs each, node ${process.version}\n`);

  const solutions = wholeTrack(["--solutions"]);
  console.log(`whole track, solutions/ (fresh process, with type check): ${stats(solutions)}`);
  const starters = wholeTrack([]);
  console.log(`whole track, exercises/ (starters; stops at 01):           ${stats(starters)}`);

  // Warm the process as watch mode is after its first run.
  for (const id of ids) await runChecks(id, "solutions");
  const per: Array<{ id: string; ms: number[] }> = [];
  for (const id of ids) {
    const ms: number[] = [];
    for (let i = 0; i < RUNS; i++) ms.push(await recheck(id, "solutions"));
    per.push({ id, ms });
  }
  console.log("\nwatch-mode re-check of one exercise (warm process; checks + type check of that file):");
  for (const p of per) console.log(`  ${p.id.padEnd(30)} ${stats(p.ms)}`);
  const worst = Math.max(...per.map((p) => median(p.ms)));
  console.log(`  worst median: ${fmt(worst)}`);

  const okTrack = median(solutions) < 3000;
  const okWatch = worst < 1000;
  console.log(`\ntargets: whole track < 3 s: ${okTrack ? "met" : "MISSED"}; one re-check < 1 s: ${okWatch ? "met" : "MISSED"}`);
  process.exitCode = okTrack && okWatch ? 0 : 1;
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : String(e));
  process.exitCode = 1;
});
