/**
 * What checking one exercise gives: each check's outcome and the exercise's status. Its own
 * module so that the worker side (isolate.ts) and the runner share it without importing each other.
 */
import type { Failure } from "./explain.ts";
import type { TargetDir } from "./target.ts";
import type { Diagnostic } from "./typecheck.ts";

export interface CheckOutcome {
  name: string;
  ok: boolean;
  failure?: Failure;
}

export type ExerciseStatus = "passed" | "failed" | "todo" | "load-error" | "type-error";

export interface ExerciseResult {
  id: string;
  dir: TargetDir;
  file: string;
  status: ExerciseStatus;
  checks: CheckOutcome[];
  /** Type errors in the file under test (file:line: message). */
  typeErrors: Diagnostic[];
  /** The module could not be loaded (a syntax error, an exception at the top level). */
  loadFailure?: Failure;
  ms: number;
}
