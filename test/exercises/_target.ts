/**
 * The tiny indirection between the exercise tests and the code they check: EXERCISES_DIR
 * ("exercises" or "solutions", default "solutions") picks the folder. The checker passes the
 * folder explicitly instead. See tools/exercises/target.ts.
 */
export { loadTarget, targetDirFromEnv, targetFile, type TargetDir } from "../../tools/exercises/target.ts";
