/**
 * Fault injection in the style of tools/testing/selftests/iommu/iommufd_fail_nth.c: run a
 * scenario once clean, then again with the n-th allocation failing, for n = 1, 2, ... until a
 * run completes without an injected failure. Each injected failure must surface as the era's
 * documented errno, and the state must stay consistent after every step (no leaked domain, no
 * half-attached group, no freed domain in use).
 */
import { lookupRows } from "../../lib/driver.ts";
import { errnoName } from "../../lib/errno.ts";
import type { EraId } from "../../lib/eras.ts";
import type { Kernel } from "../../lib/model.ts";
import { drivers } from "../../hardware/index.ts";
import { ScenarioRun } from "../../lib/scenario/run.ts";
import type { Scenario } from "../../lib/scenario/schema.ts";
import { checkInvariants } from "./invariants.ts";

/** The kernel's own cap on the fail_nth loop (raised from 400 to 1000 in Sept 2025). */
export const FAIL_NTH_CAP = 1000;

/** Errnos an allocation failure may surface as in an era (and on this machine's drivers). */
export function injectedErrnos(k: Kernel): Set<string> {
  const s = new Set(["ENOMEM"]);
  // Documented driver bugs, e.g. AMD's SVA kzalloc failure returned -EINVAL in mainline-2025.
  for (const inst of k.instances.values()) {
    for (const step of [...inst.driver.attach, ...inst.driver.setDevPasid]) {
      if (step.kind !== "effect" || !step.allocRows) continue;
      const v = lookupRows(step.allocRows, k.era.id);
      if (v && v.errno !== 0) s.add(v.errno);
    }
  }
  // VFIO type1: iommu_domain_alloc() returned NULL, reported as -EIO (before device-based allocation).
  if (!k.features.pagingAllocForDevice) s.add("EIO");
  // The 6.2 core reported a failed blocking-domain allocation (ownership claim) as -EINVAL.
  if (!k.features.rollback) s.add("EINVAL");
  return s;
}

export interface FailNthReport {
  /** Runs with an injected failure (the clean run is not counted). */
  runs: number;
  /** Problems found, each naming n and the step. */
  problems: string[];
}

export function failNth(s: Scenario, era: EraId): FailNthReport {
  const problems: string[] = [];
  let runs = 0;
  for (let n = 1; n <= FAIL_NTH_CAP; n++) {
    const run = new ScenarioRun(s, { drivers, era });
    const k = run.k;
    k.injectFailNth(n);
    const allowed = injectedErrnos(k);
    for (let i = 0; i < s.steps.length; i++) {
      const before = k.injected;
      const rec = run.step(i);
      if (k.injected > before && rec.ret !== 0 && !allowed.has(errnoName(rec.ret))) {
        problems.push(`n=${n} step ${i} (${rec.op} ${rec.target}): injected failure surfaced as ${errnoName(rec.ret)}`);
      }
      for (const v of checkInvariants(k, run.heldDomains())) problems.push(`n=${n} after step ${i} (${rec.op} ${rec.target}): ${v}`);
    }
    if (k.injected === 0) return { runs, problems };
    runs++;
    if (problems.length) return { runs, problems };
  }
  problems.push(`no run completed without an injected failure within ${FAIL_NTH_CAP} iterations`);
  return { runs, problems };
}
