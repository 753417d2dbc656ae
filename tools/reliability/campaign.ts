/**
 * One era's fuzz campaign: random machines and operation sequences (sequences.ts) from a seed
 * of its own, with the core paths each run took counted (paths.ts). Shared by `npm run fuzz`
 * and the fixed-seed tests (coverage and mutation tests).
 */
import fc from "fast-check";
import type { EraId } from "../../lib/eras.ts";
import type { Kernel } from "../../lib/model.ts";
import { pathsOf, type PathHits } from "./paths.ts";
import { caseArb, playSequence } from "./sequences.ts";

/**
 * The seed of `era` in a campaign started from `master`: FNV-1a over "master/era", so each era
 * plays different machines and `--seed master --era ID` replays exactly one era's part.
 */
export function eraSeed(master: number, era: EraId): number {
  let h = 0x811c9dc5;
  for (const ch of `${master}/${era}`) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193) >>> 0;
  return h & 0x7fffffff;
}

export interface CampaignOptions {
  seed: number;
  runs: number;
  /** Longest operation sequence (default 60). */
  maxOps?: number;
  /** A deliberate bug to install in every kernel (mutation test). */
  mutate?: (k: Kernel) => void;
  /** Stop at the first violation without shrinking it (mutation tests only need to know it is caught). */
  noShrink?: boolean;
}

export interface CampaignResult {
  era: EraId;
  seed: number;
  sequences: number;
  played: number;
  steps: number;
  /** Hits per path id of pathsOf(era), every one listed (0 when not reached). */
  hits: PathHits;
  /** The first violation (the shrunk counterexample's, unless noShrink), or null. */
  violation: string | null;
  /** fast-check's report of the failure (seed, path, counterexample), or null. */
  report: string | null;
}

export function runCampaign(era: EraId, o: CampaignOptions): CampaignResult {
  const hits: PathHits = new Map(pathsOf(era).map((id) => [id, 0]));
  let sequences = 0;
  let played = 0;
  let steps = 0;
  const prop = fc.property(caseArb(era, o.maxOps ?? 60), ([p, ops]) => {
    const r = playSequence(era, p, ops, { hits, mutate: o.mutate });
    sequences++;
    steps += r.steps;
    fc.pre(!r.discarded);
    played++;
    if (r.violations.length) throw new Error(r.violations.join("\n"));
  });
  const r = fc.check(prop, { seed: o.seed, numRuns: o.runs, maxSkipsPerRun: 1, endOnFailure: o.noShrink === true });
  const err: unknown = r.failed ? (r.errorInstance ?? "failed") : null;
  return {
    era,
    seed: o.seed,
    sequences,
    played,
    steps,
    hits,
    violation: err instanceof Error ? err.message : err === null ? null : String(err),
    report: r.failed ? (fc.defaultReportMessage(r) ?? null) : null,
  };
}
