/**
 * Running a scenario: build the machine in one era, play the steps through the core and the
 * consumers, and record per step the return value, the resulting domain, the log lines and
 * the outcome class. The result is plain data (JSON-ready, deterministic).
 */
import { iommuAttachDevice, iommuAttachGroup, iommuDetachDevice, iommuDetachGroup, iommuReplaceGroup } from "../core/attach.ts";
import { domainAlloc, domainFree } from "../core/domain.ts";
import { iommuGroupClaimDmaOwner, iommuGroupReleaseDmaOwner } from "../core/owner.ts";
import { iommuAttachDevicePasid, iommuDetachDevicePasid, iommuReplaceDevicePasid } from "../core/pasid.ts";
import { iommuDeferredAttach, pciDevResetIommuDone, pciDevResetIommuPrepare } from "../core/reset.ts";
import { Ioas, IommufdCtx, iommufdDeviceAttachIoas, iommufdDeviceUnbind } from "../consumers/iommufd.ts";
import { VfioContainer, vfioType1AttachGroup } from "../consumers/vfio-type1.ts";
import { errnoName, neg, type Ret } from "../errno.ts";
import type { EraId } from "../eras.ts";
import { isSpam, type LogLine } from "../log.ts";
import { type Domain, EraUnavailableError, Kernel } from "../model.ts";
import { classifyRet, groupHwOn, type Outcome, type OutcomeClass } from "../outcome.ts";
import { buildPlatform } from "../platform.ts";
import type { TraceEvent } from "../trace.ts";
import type { Scenario, ScenarioStep } from "./schema.ts";
import "../variants.ts"; // installs the Kernel's variant check

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
  era?: EraId;
  trace?: boolean;
  variants?: string[];
}

const DEFAULT_ERA: EraId = "mainline-2025";

function targetOf(st: ScenarioStep): string {
  switch (st.op) {
    case "alloc-domain":
      return `${st.id} for ${st.device}`;
    case "free-domain":
      return st.domain;
    case "attach-device":
    case "detach-device":
      return `${st.domain} -> ${st.device}`;
    case "attach-group":
    case "replace-group":
      return `${st.domain} -> ${st.group}`;
    case "detach-group":
    case "release-dma-owner":
      return st.group;
    case "claim-dma-owner":
      return `${st.group} by ${st.owner}`;
    case "attach-pasid":
    case "replace-pasid":
    case "detach-pasid":
      return `${st.domain} -> ${st.device} pasid ${st.pasid}`;
    case "pci-reset-prepare":
    case "pci-reset-done":
    case "deferred-attach":
    case "iommufd-unbind":
      return st.device;
    case "vfio-attach":
      return `${st.group} -> container ${st.container}${st.type === "nesting" ? " (nesting)" : ""}`;
    case "iommufd-attach":
      return `${st.device} -> ${st.ioas}`;
  }
}

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

  constructor(
    readonly scenario: Scenario,
    opts: RunOptions = {},
  ) {
    const era = opts.era ?? scenario.era ?? DEFAULT_ERA;
    this.k = new Kernel({ era, variants: opts.variants ?? scenario.variants ?? [], trace: opts.trace === true });
    buildPlatform(this.k, {
      instances: scenario.instances.map((i) => ({ id: i.id, driver: i.driver, ...(i.props ? { props: i.props } : {}) })),
      devices: scenario.devices,
    });
    this.probeLog = this.k.log.slice();
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
    const rec = (ret: Ret, domain: string | null, outcome: StepOutcome, extra: Partial<StepRecord> = {}): StepRecord => {
      const log = k.log.slice(logFrom);
      return {
        index,
        op: st.op,
        target: targetOf(st),
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
    const fromOutcome = (o: Outcome): StepRecord => {
      this.allocated += o.domainsAllocated;
      return rec(o.ret, o.domain, o.outcome, {
        attempts: o.attempts,
        softFailures: o.softFailures,
        domainsAllocated: o.domainsAllocated,
        ...(o.detail ? { detail: o.detail } : {}),
      });
    };
    const dev = (id: string) => k.devices.get(id)!;
    const grp = (id: string) => k.groups.get(id)!;
    // A device with no IOMMU has no iommu_group: the core answers for it (ENODEV from
    // iommu_attach_device and the PASID calls, 0 from detach, deferred attach and PCI reset).
    const groupOf = (id: string) => dev(id).group?.id ?? null;
    const groupResult = (g: string | null, ret: Ret, want: Domain | null) => {
      if (g === null) return rec(ret, null, classifyRet(k, ret), { detail: "the device has no IOMMU (no iommu_group)" });
      const group = grp(g);
      const outcome = ret === 0 && want && group.domain === want && !groupHwOn(group, want) ? "fake-success" : classifyRet(k, ret);
      return rec(ret, group.domain?.id ?? null, outcome);
    };
    try {
      if ("domain" in st && !this.named.has(st.domain)) {
        return rec(0, null, "skipped", { errno: "-", detail: this.whyMissing(st.domain, st.op === "free-domain") });
      }
      const dom = "domain" in st ? this.named.get(st.domain)! : null;
      if ("group" in st && !k.groups.has(st.group)) {
        // Reached only through the API (the loader refuses it): a device with no IOMMU has no
        // iommu_group, so there is nothing to claim or attach; iommu_group_get() is NULL -> ENODEV.
        const none = st.op === "detach-group" || st.op === "release-dma-owner";
        return rec(none ? 0 : neg("ENODEV"), null, none ? "ok" : "hard-failure", { detail: `no iommu_group "${st.group}" (no IOMMU behind its devices)` });
      }
      switch (st.op) {
        case "alloc-domain": {
          const d = domainAlloc(k, { dev: dev(st.device), id: st.id, ...(st.type ? { type: st.type } : {}), ...(st.props ? { props: st.props } : {}), ...(st.pasid !== undefined ? { pasid: st.pasid } : {}) });
          if (typeof d === "number") {
            this.failedAt.set(st.id, index);
            return rec(d, null, classifyRet(k, d));
          }
          this.named.set(st.id, d);
          this.allocated++;
          return rec(0, d.id, "ok", { domainsAllocated: 1 });
        }
        case "free-domain":
          domainFree(k, dom!);
          this.named.delete(st.domain);
          this.freedAt.set(st.domain, index);
          return rec(0, null, "ok");
        case "attach-device":
          return groupResult(groupOf(st.device), iommuAttachDevice(k, dom!, dev(st.device)), dom);
        case "detach-device":
          iommuDetachDevice(k, dom!, dev(st.device));
          return groupResult(groupOf(st.device), 0, null);
        case "attach-group":
          return groupResult(st.group, iommuAttachGroup(k, dom!, grp(st.group)), dom);
        case "detach-group":
          iommuDetachGroup(k, null, grp(st.group));
          return groupResult(st.group, 0, null);
        case "replace-group":
          return groupResult(st.group, iommuReplaceGroup(k, grp(st.group), dom), dom);
        case "claim-dma-owner":
          return groupResult(st.group, iommuGroupClaimDmaOwner(k, grp(st.group), st.owner), null);
        case "release-dma-owner":
          iommuGroupReleaseDmaOwner(k, grp(st.group));
          return groupResult(st.group, 0, null);
        case "attach-pasid":
        case "replace-pasid": {
          const d = dev(st.device);
          const ret = st.op === "attach-pasid" ? iommuAttachDevicePasid(k, dom!, d, st.pasid) : iommuReplaceDevicePasid(k, dom!, d, st.pasid, `handle-${index}`);
          if (!d.group) return groupResult(null, ret, null);
          const now = d.group.pasidArray.get(st.pasid)?.domain ?? null;
          const fake = ret === 0 && d.group.devices.some((x) => x.maxPasids > 0 && x.hwPasid.get(st.pasid) !== dom);
          return rec(ret, now?.id ?? null, fake ? "fake-success" : classifyRet(k, ret));
        }
        case "detach-pasid":
          iommuDetachDevicePasid(k, dom!, dev(st.device), st.pasid);
          return rec(0, null, "ok");
        case "pci-reset-prepare":
          return groupResult(groupOf(st.device), pciDevResetIommuPrepare(k, dev(st.device)), null);
        case "pci-reset-done":
          pciDevResetIommuDone(k, dev(st.device));
          return groupResult(groupOf(st.device), 0, null);
        case "deferred-attach": {
          const d = dev(st.device);
          // No dev->iommu: iommu_deferred_attach() is not even reached by the DMA API (no domain to pass); 0.
          if (!d.group) return groupResult(null, 0, null);
          const target = d.group.domain ?? d.group.defaultDomain!;
          const ret = iommuDeferredAttach(k, d, target);
          return rec(ret, d.hwDomain?.id ?? null, classifyRet(k, ret));
        }
        case "vfio-attach": {
          let c = this.containers.get(st.container);
          if (!c) this.containers.set(st.container, (c = new VfioContainer(st.container, st.type ?? "v2")));
          return fromOutcome(vfioType1AttachGroup(k, c, grp(st.group)));
        }
        case "iommufd-attach": {
          let io = this.ioases.get(st.ioas);
          if (!io) this.ioases.set(st.ioas, (io = new Ioas(st.ioas)));
          return fromOutcome(iommufdDeviceAttachIoas(k, this.fd, io, dev(st.device)));
        }
        case "iommufd-unbind":
          if (!k.features.iommufd) throw new EraUnavailableError("iommufd", k.era.id, "iommufd was merged in v6.2");
          iommufdDeviceUnbind(k, this.fd, dev(st.device));
          return rec(0, dev(st.device).hwDomain?.id ?? null, "ok");
      }
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

export function runScenario(s: Scenario, opts: RunOptions = {}): RunResult {
  return new ScenarioRun(s, opts).runAll().result();
}
