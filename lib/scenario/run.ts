/**
 * Running a scenario: build the machine in one era, play the steps through the core and the
 * consumers, and record per step the return value, the resulting domain, the log lines and
 * the outcome class. The result is plain data (JSON-ready, deterministic).
 */
import { IommufdCtx, type Ioas } from "../consumers/iommufd.ts";
import type { VfioContainer } from "../consumers/vfio-type1.ts";
import { errnoName, neg, type Ret } from "../errno.ts";
import type { EraId } from "../eras.ts";
import { isSpam, type LogLine } from "../log.ts";
import { type Domain, type DriverSet, EraUnavailableError, Kernel } from "../model.ts";
import type { OutcomeClass } from "../outcome.ts";
import { buildPlatform } from "../platform.ts";
import type { TraceEvent } from "../trace.ts";
import { type OpState, opOf } from "./ops.ts";
import type { Scenario, ScenarioStep } from "./schema.ts";

export type StepOutcome = OutcomeClass | "skipped";

export interface StepRecord {
  index: number;
  op: ScenarioStep["op"];
  /** What the step acted on, e.g. "d0 -> nic1". */
  target: string;
  ret: Ret;
  errno: string;
  /** The resulting domain: the group's (or PASID's) domain after the step, the new domain, or the consumer's choice. */
  domain: string | null;
  outcome: StepOutcome;
  log: LogLine[];
  spam: number;
  attempts?: number;
  softFailures?: number;
  domainsAllocated?: number;
  detail?: string;
  note?: string;
}

export interface RunResult {
  scenario: string;
  era: EraId;
  variants: string[];
  /** Lines printed while probing the devices (default domains). */
  probeLog: LogLine[];
  steps: StepRecord[];
  summary: {
    steps: number;
    byOutcome: Partial<Record<StepOutcome, number>>;
    logLines: number;
    spamLines: number;
    domainsAllocated: number;
  };
  /** Final state: each group's domain and owner, each device's RID and PASID hardware state. */
  state: {
    groups: Array<{ id: string; domain: string | null; owner: string | null; pasids: Record<string, string> }>;
    devices: Array<{ id: string; hwDomain: string | null; hwPasids: Record<string, string> }>;
  };
  trace?: TraceEvent[];
}

export interface RunOptions {
  /** The drivers the scenario's instances name (hardware/index.ts `drivers`). */
  drivers: DriverSet;
  era?: EraId;
  trace?: boolean;
  variants?: string[];
}

const DEFAULT_ERA: EraId = "mainline-2025";

/** One run of a scenario, step by step; its state stays inspectable between steps. */
export class ScenarioRun {
  readonly k: Kernel;
  /** Domains allocated by alloc-domain steps, by scenario id (the scenario holds them). */
  readonly named = new Map<string, Domain>();
  readonly containers = new Map<string, VfioContainer>();
  readonly ioases = new Map<string, Ioas>();
  readonly fd = new IommufdCtx();
  readonly records: StepRecord[] = [];
  readonly probeLog: LogLine[];
  private allocated = 0;
  /** Step indexes of free-domain steps, and of alloc-domain steps that failed, by domain id: why a later step finds no domain. */
  private readonly freedAt = new Map<string, number>();
  private readonly failedAt = new Map<string, number>();
  /** What the ops (ops.ts) read and write. */
  private readonly state: OpState;

  constructor(
    readonly scenario: Scenario,
    opts: RunOptions,
  ) {
    const era = opts.era ?? scenario.era ?? DEFAULT_ERA;
    this.k = new Kernel({ era, drivers: opts.drivers, variants: opts.variants ?? scenario.variants ?? [], trace: opts.trace === true });
    buildPlatform(this.k, {
      instances: scenario.instances.map((i) => ({ id: i.id, driver: i.driver, ...(i.props ? { props: i.props } : {}) })),
      devices: scenario.devices,
    });
    this.probeLog = this.k.log.slice();
    this.state = { k: this.k, named: this.named, containers: this.containers, ioases: this.ioases, fd: this.fd, freedAt: this.freedAt, failedAt: this.failedAt };
  }

  /** Every domain a holder outside the core keeps a reference to: scenario names, VFIO containers, iommufd hwpts. */
  heldDomains(): Set<Domain> {
    const out = new Set<Domain>(this.named.values());
    for (const c of this.containers.values()) for (const d of c.domains) out.add(d.domain);
    for (const io of this.ioases.values()) for (const h of io.hwpts) out.add(h.domain);
    return out;
  }

  runAll(): this {
    for (let i = 0; i < this.scenario.steps.length; i++) this.step(i);
    return this;
  }

  /** Run steps[index] and record it. */
  step(index: number): StepRecord {
    const r = this.play(this.scenario.steps[index]!, index);
    this.records.push(r);
    return r;
  }

  private play(st: ScenarioStep, index: number): StepRecord {
    const k = this.k;
    const logFrom = k.log.length;
    const def = opOf(st.op);
    const rec = (ret: Ret, domain: string | null, outcome: StepOutcome, extra: Partial<StepRecord> = {}): StepRecord => {
      const log = k.log.slice(logFrom);
      return {
        index,
        op: st.op,
        target: def.target(st),
        ret,
        errno: errnoName(ret),
        domain,
        outcome,
        log,
        spam: log.filter(isSpam).length,
        ...extra,
        ...(st.note ? { note: st.note } : {}),
      };
    };
    try {
      if ("domain" in st && !this.named.has(st.domain)) {
        return rec(0, null, "skipped", { errno: "-", detail: this.whyMissing(st.domain, st.op === "free-domain") });
      }
      if ("group" in st && !k.groups.has(st.group)) {
        // Reached only through the API (the loader refuses it): a device with no IOMMU has no
        // iommu_group, so there is nothing to claim or attach; iommu_group_get() is NULL -> ENODEV.
        const none = st.op === "detach-group" || st.op === "release-dma-owner";
        return rec(none ? 0 : neg("ENODEV"), null, none ? "ok" : "hard-failure", { detail: `no iommu_group "${st.group}" (no IOMMU behind its devices)` });
      }
      const p = def.play(this.state, st, "domain" in st ? this.named.get(st.domain)! : null, index);
      this.allocated += p.extra?.domainsAllocated ?? 0;
      return rec(p.ret, p.domain, p.outcome, p.extra);
    } catch (e) {
      if (!(e instanceof EraUnavailableError)) throw e;
      return rec(0, null, "unavailable", { errno: "-", detail: e.message });
    }
  }

  /** Why a step's domain is not there, in the kernel's terms (the step is not played). */
  private whyMissing(id: string, freeing: boolean): string {
    const freed = this.freedAt.get(id);
    if (freed !== undefined) {
      return freeing
        ? `domain ${id} was already freed at step ${freed}: a second iommu_domain_free() would be a double free`
        : `domain ${id} was freed at step ${freed}: using it after iommu_domain_free() would be a use-after-free`;
    }
    const failed = this.failedAt.get(id);
    if (failed !== undefined) return `domain ${id} was not allocated: its alloc-domain at step ${failed} failed`;
    return `domain ${id} was not allocated`;
  }

  result(): RunResult {
    const k = this.k;
    const steps = this.records;
    const byOutcome: Partial<Record<StepOutcome, number>> = {};
    for (const r of steps) byOutcome[r.outcome] = (byOutcome[r.outcome] ?? 0) + 1;
    const result: RunResult = {
      scenario: this.scenario.name,
      era: k.era.id,
      variants: [...k.variants],
      probeLog: this.probeLog,
      steps,
      summary: {
        steps: steps.length,
        byOutcome,
        logLines: steps.reduce((n, r) => n + r.log.length, 0),
        spamLines: steps.reduce((n, r) => n + r.spam, 0),
        domainsAllocated: this.allocated,
      },
      state: {
        groups: [...k.groups.values()].map((g) => ({
          id: g.id,
          domain: g.domain?.id ?? null,
          owner: g.owner,
          pasids: Object.fromEntries([...g.pasidArray].map(([p, e]) => [String(p), e.domain.id])),
        })),
        devices: [...k.devices.values()].map((d) => ({
          id: d.id,
          hwDomain: d.hwDomain?.id ?? null,
          hwPasids: Object.fromEntries([...d.hwPasid].map(([p, x]) => [String(p), x.id])),
        })),
      },
    };
    if (k.trace) result.trace = k.trace;
    return result;
  }
}

export function runScenario(s: Scenario, opts: RunOptions): RunResult {
  return new ScenarioRun(s, opts).runAll().result();
}
