/**
 * The tidy table: one row per sweep cell (consumer x era x variant set x seed), phase
 * ("probe" or "attach"), outcome and errno, with the number of devices and requests that
 * ended that way and the counters summed over them. Rows come out in a fixed order, so the
 * same sweep gives byte-identical CSV and JSON.
 */
import type { EraId } from "../../lib/eras.ts";
import type { Req } from "./runner.ts";
import type { ConsumerKind } from "./schema.ts";

export interface SweepRow {
  consumer: ConsumerKind;
  era: EraId;
  /** "baseline", or the variant set joined with "+". */
  variant: string;
  seed: number;
  phase: "probe" | "attach";
  outcome: string;
  errno: string;
  devices: number;
  requests: number;
  attempts: number;
  softFailures: number;
  domainsAllocated: number;
  logLines: number;
  spamLines: number;
}

export const ROW_COLUMNS = [
  "consumer",
  "era",
  "variant",
  "seed",
  "phase",
  "outcome",
  "errno",
  "devices",
  "requests",
  "attempts",
  "softFailures",
  "domainsAllocated",
  "logLines",
  "spamLines",
] as const satisfies ReadonlyArray<keyof SweepRow>;

/** One cell of the sweep. */
export interface Cell {
  index: number;
  consumer: ConsumerKind;
  era: EraId;
  variants: string[];
  seed: number;
}

export function variantLabel(set: readonly string[]): string {
  return set.length ? set.join("+") : "baseline";
}

const OUTCOME_ORDER = ["ok", "attached-existing", "attached-new", "soft-failure", "hard-failure", "fake-success", "unavailable"];

function outcomeRank(o: string): number {
  const i = OUTCOME_ORDER.indexOf(o);
  return i < 0 ? OUTCOME_ORDER.length : i;
}

type Counters = Omit<SweepRow, "consumer" | "era" | "variant" | "seed" | "phase" | "outcome" | "errno">;

export class Tally {
  private readonly acc = new Map<string, { phase: SweepRow["phase"]; outcome: string; errno: string; c: Counters }>();

  /** Count `req` `times` times (a memoised request stands for several groups). */
  add(phase: SweepRow["phase"], req: Req, times = 1): void {
    if (times === 0) return;
    const key = `${phase}|${req.outcome}|${req.errno}`;
    let a = this.acc.get(key);
    if (!a) {
      a = { phase, outcome: req.outcome, errno: req.errno, c: { devices: 0, requests: 0, attempts: 0, softFailures: 0, domainsAllocated: 0, logLines: 0, spamLines: 0 } };
      this.acc.set(key, a);
    }
    const c = a.c;
    c.devices += req.devices * times;
    c.requests += times;
    c.attempts += req.attempts * times;
    c.softFailures += req.softFailures * times;
    c.domainsAllocated += req.domainsAllocated * times;
    c.logLines += req.logLines * times;
    c.spamLines += req.spamLines * times;
  }

  rows(cell: Cell): SweepRow[] {
    return [...this.acc.values()]
      .sort((a, b) => (a.phase === b.phase ? 0 : a.phase === "probe" ? -1 : 1) || outcomeRank(a.outcome) - outcomeRank(b.outcome) || a.outcome.localeCompare(b.outcome) || a.errno.localeCompare(b.errno))
      .map((a) => ({ consumer: cell.consumer, era: cell.era, variant: variantLabel(cell.variants), seed: cell.seed, phase: a.phase, outcome: a.outcome, errno: a.errno, ...a.c }));
  }
}

/** What an engine did for one cell (deterministic counts; no times). */
export interface CellStats {
  engine: "compressed" | "reference";
  groups: number;
  devices: number;
  /** Groups that exist as objects in the engine's kernel. */
  materialised: number;
  /** Probes and requests run through the library (a group built for its request runs its probe again). */
  simulated: number;
  /** Groups counted from a memoised transition. */
  memoised: number;
  restarts: number;
}

export interface CellResult {
  cell: Cell;
  rows: SweepRow[];
  stats: CellStats;
}
