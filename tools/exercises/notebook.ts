/**
 * The notebook form of an exercise check: `checkExercise("07")` in a tslab cell runs the same
 * checks as `npm run check -- --only 07` and returns a report that prints as plain text.
 * It runs the checker in a child process, so the exercise file is always read fresh (tslab would
 * otherwise keep the first compiled copy) and nothing here depends on tslab's compiler.
 * Compiles under TypeScript 5.0 / ES2022 (what tslab bundles).
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { inspect } from "util";

/**
 * The project folder: the first folder above this module (or above the kernel's working folder,
 * in case tslab runs an emitted copy from elsewhere) that holds scripts/check.ts.
 */
function projectRoot(): string {
  for (const start of [__dirname, process.cwd()]) {
    for (let dir = path.resolve(start); ; dir = path.dirname(dir)) {
      if (fs.existsSync(path.join(dir, "scripts", "check.ts")) && fs.existsSync(path.join(dir, "exercises", "track.json"))) return dir;
      if (path.dirname(dir) === dir) break;
    }
  }
  return path.resolve(__dirname, "..", "..");
}

export interface ExerciseReport {
  id: string;
  title: string;
  dir: "exercises" | "solutions";
  status: string;
  passed: boolean;
  /** The checker's words: what was expected and what the code did. */
  text: string;
}

class Report implements ExerciseReport {
  constructor(
    readonly id: string,
    readonly title: string,
    readonly dir: "exercises" | "solutions",
    readonly status: string,
    readonly passed: boolean,
    readonly text: string,
  ) {}
  toString(): string {
    return this.text;
  }
  [inspect.custom](): string {
    return this.text;
  }
}

/**
 * Check one exercise ("07", "07-iommufd-auto-domain") against exercises/ (default) or solutions/.
 * The returned report prints as the checker's text; `.passed` says whether it passed.
 */
export function checkExercise(id: string, opts: { solutions?: boolean } = {}): ExerciseReport {
  const ROOT = projectRoot();
  const args = [path.join(ROOT, "scripts", "check.cjs"), "--only", id, "--json", ...(opts.solutions ? ["--solutions"] : [])];
  const r = spawnSync(process.execPath, args, { cwd: ROOT, encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } });
  const line = (r.stdout || "").trim().split("\n").pop() || "";
  try {
    const j = JSON.parse(line) as ExerciseReport;
    return new Report(j.id, j.title, j.dir, j.status, j.passed, j.text);
  } catch {
    const msg = (r.stderr || r.stdout || "").trim() || `exit ${r.status}`;
    return new Report(id, "", opts.solutions ? "solutions" : "exercises", "checker-error", false, `The checker could not run: ${msg}`);
  }
}
