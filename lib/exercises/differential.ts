/**
 * Differential checks over generated cases: the student's function and the library's reference
 * run side by side on many seeded situations (fast-check), and the smallest case where they
 * differ is reported in kernel terms with the seed, so that the run can be repeated. The checks
 * follow the library: when the model changes, the expected behaviour changes with it.
 *
 * The seed is fixed (deterministic output); IOMMU_LAB_SEED (or `npm run check -- --seed N`)
 * picks another one.
 */
import fc from "fast-check";
import { Mismatch } from "./harness";

export const DEFAULT_SEED = 18;

export function checkSeed(): number {
  const v = Number(process.env["IOMMU_LAB_SEED"]);
  return Number.isInteger(v) ? v : DEFAULT_SEED;
}

export interface DifferentialOptions {
  /** Generated cases (default 60: the whole track stays under the checker's time budget). */
  runs?: number;
  why?: string;
}

/**
 * Run `compare` (which throws a Mismatch when the student's code and the library differ) on
 * generated cases; on a difference, shrink to the smallest case and report it as `describe` says.
 * An exception from the student's code is re-thrown as it is (its line is the better news).
 */
export function differential<T>(arb: fc.Arbitrary<T>, compare: (c: T) => void, describe: (c: T) => string, opts: DifferentialOptions = {}): void {
  const seed = checkSeed();
  const runs = opts.runs ?? 60;
  const r = fc.check(fc.property(arb, (c) => compare(c)), { seed, numRuns: runs, endOnFailure: false });
  if (!r.failed || r.counterexample === null) return;
  const [smallest] = r.counterexample;
  try {
    compare(smallest);
  } catch (e) {
    if (!(e instanceof Mismatch)) throw e;
    throw new Mismatch(e.items, e.why ?? opts.why, `the smallest generated case that differs (seed ${seed}; npm run check -- --seed ${seed} repeats it):\n  ${describe(smallest)}`);
  }
  throw new Error(`internal: the generated case ${describe(smallest)} failed once and then passed (does the check depend on state?)`);
}

export { fc };
