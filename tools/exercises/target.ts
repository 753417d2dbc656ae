/**
 * Where an exercise's code is loaded from: exercises/ (the student's files) or solutions/ (the
 * reference). The same tests run against both. Outside the checker the environment variable
 * EXERCISES_DIR picks the folder; the normal test suite leaves it unset and so checks solutions/.
 */
import { execFileSync } from "child_process";
import * as path from "path";

export type TargetDir = "exercises" | "solutions";

export const TARGET_DIRS: readonly TargetDir[] = ["exercises", "solutions"];

/** The project folder (this file is tools/exercises/target.ts). */
export const PROJECT_ROOT = path.resolve(__dirname, "..", "..");

export function isTargetDir(s: string): s is TargetDir {
  return s === "exercises" || s === "solutions";
}

/** EXERCISES_DIR, or "solutions" when unset. */
export function targetDirFromEnv(): TargetDir {
  const v = process.env["EXERCISES_DIR"];
  if (v === undefined || v === "") return "solutions";
  if (!isTargetDir(v)) throw new Error(`EXERCISES_DIR must be "exercises" or "solutions", not "${v}"`);
  return v;
}

/**
 * The folder of `dir`. IOMMU_LAB_EXERCISES (an absolute path) stands in for exercises/: the
 * checker's own tests run it on a copy of the starters with bad code in them.
 */
export function targetRoot(dir: TargetDir): string {
  const alt = process.env["IOMMU_LAB_EXERCISES"];
  return dir === "exercises" && alt ? path.resolve(alt) : path.join(PROJECT_ROOT, dir);
}

/** Absolute path of an exercise's file in `dir`. */
export function targetFile(id: string, dir: TargetDir): string {
  return path.join(targetRoot(dir), `${id}.ts`);
}

/** The path as a student reads it: "exercises/07-iommufd-auto-domain.ts". */
export function relativeToRoot(file: string): string {
  return path.relative(PROJECT_ROOT, file).split(path.sep).join("/");
}

/**
 * Load an exercise module afresh (a saved edit is picked up without restarting the process).
 * Only the exercise file is reloaded; the library stays cached, which keeps a re-check fast.
 */
export function loadTarget<T>(id: string, dir: TargetDir = targetDirFromEnv()): T {
  return loadFile<T>(targetFile(id, dir));
}

/** Load a module file afresh (absolute path). */
export function loadFile<T>(file: string): T {
  const resolved = require.resolve(file);
  delete require.cache[resolved];
  return require(resolved) as T;
}

/**
 * The starter as committed (`git show HEAD:exercises/ID.ts`), whatever the student has done to
 * their copy since; null when there is no git or no such file.
 */
export function committedStarter(id: string): string | null {
  try {
    return execFileSync("git", ["show", `HEAD:exercises/${id}.ts`], { cwd: PROJECT_ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
  } catch {
    return null;
  }
}
