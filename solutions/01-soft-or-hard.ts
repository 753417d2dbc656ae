/**
 * Exercise 01 - Soft or hard? Reference solution.
 *
 * The soft errno is a property of the era's contract, not of the driver: before 2022 there is
 * none; the unmerged 2022 proposal used EMEDIUMTYPE; from v6.2 on it is EINVAL (00208852d351).
 */
import { errnoName, type EraId } from "../lib/index.ts";

export type AttachClass = "ok" | "soft-failure" | "hard-failure";

/** The errno a caller may read as "incompatible, try another domain", or null when there is none. */
function softErrno(era: EraId): string | null {
  switch (era) {
    case "2014-nesting":
    case "pre-2022":
      return null;
    case "emediumtype-2022":
      return "EMEDIUMTYPE";
    case "einval-6.2":
    case "mainline-2025":
    case "test-dev-2025":
      return "EINVAL";
  }
}

export function classify(era: EraId, ret: number): AttachClass {
  if (ret === 0) return "ok";
  const soft = softErrno(era);
  return soft !== null && errnoName(ret) === soft ? "soft-failure" : "hard-failure";
}
