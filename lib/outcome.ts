/**
 * What one user-level request ended as. Consumers (VFIO type1, iommufd) and single core calls
 * both produce an `Outcome`, so tables and charts can put them side by side.
 */
import { errnoName, type Ret } from "./errno.ts";
import type { LogLine } from "./log.ts";
import { isSpam } from "./log.ts";
import type { Domain, Group, Kernel } from "./model.ts";

export type OutcomeClass =
  /** A consumer reused a domain it already had. */
  | "attached-existing"
  /** A consumer allocated a new domain for the request. */
  | "attached-new"
  /** A core call returned 0 and the hardware agrees. */
  | "ok"
  /** Returned 0 but at least one device's hardware is not on the domain (mtk_iommu_v1, the 2025 SMMUv3 regression). */
  | "fake-success"
  /** Failed with the era's soft ("incompatible, try another domain") errno. */
  | "soft-failure"
  /** Failed with any other errno; for consumers, the request failed. */
  | "hard-failure"
  /** The call or uAPI does not exist in this era. */
  | "unavailable";

export interface Outcome {
  outcome: OutcomeClass;
  ret: Ret;
  errno: string;
  /** The domain the request ended on, if any. */
  domain: string | null;
  /** attach calls made (iommu_attach_group and friends). */
  attempts: number;
  /** Failed attempts the consumer moved past. */
  softFailures: number;
  domainsAllocated: number;
  /** Log lines printed while serving the request. */
  log: LogLine[];
  /** err/warn/WARN lines among them. */
  spam: number;
  /** A short explanation (e.g. why the call is unavailable). */
  detail?: string;
}

/** Every device of the group has `domain` programmed for its RID. */
export function groupHwOn(g: Group, domain: Domain): boolean {
  return g.devices.every((d) => d.hwDomain === domain);
}

/** Classify a core call's return value in this era. */
export function classifyRet(k: Kernel, ret: Ret): OutcomeClass {
  if (ret === 0) return "ok";
  const soft = k.features.softErrno;
  return soft && errnoName(ret) === soft ? "soft-failure" : "hard-failure";
}

/** Build an outcome from the log lines printed since `logFrom`. */
export function makeOutcome(k: Kernel, logFrom: number, o: Omit<Outcome, "errno" | "log" | "spam">): Outcome {
  const log = k.log.slice(logFrom);
  let spam = 0;
  for (const l of log) if (isSpam(l)) spam++;
  // Written out rather than spread (this runs once per request); the key order is the spread's.
  const { outcome, ret, domain, attempts, softFailures, domainsAllocated, detail } = o;
  const errno = errnoName(ret);
  return detail === undefined
    ? { outcome, ret, domain, attempts, softFailures, domainsAllocated, errno, log, spam }
    : { outcome, ret, domain, attempts, softFailures, domainsAllocated, detail, errno, log, spam };
}
