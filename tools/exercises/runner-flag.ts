/**
 * Set by the checker while it loads test files, so that they do not register with uvu. A module of
 * its own: the checker's main thread (runner.ts) needs the name without harness.ts, which loads the
 * whole library (only the worker thread runs checks).
 */
export const RUNNER_FLAG = "__iommuLabExerciseRunner";
