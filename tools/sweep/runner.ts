/**
 * What one IOMMU group goes through in a sweep, shared by both engines (./reference and
 * ./compressed): its probe (buildPlatform -> iommu_probe_device), then its consumer request
 * through the real library: VFIO type1 (vfioType1AttachGroup), iommufd's auto-domain search
 * (iommufdDeviceAttachIoas, one request per device) or a direct iommu_attach_group to the
 * context's one domain. Nothing here decides an attach; it only calls the library and
 * classifies what came back.
 */
import { iommuAttachGroup } from "../../lib/core/attach.ts";
import { domainAlloc } from "../../lib/core/domain.ts";
import { Ioas, IommufdCtx, iommufdDeviceAttachIoas } from "../../lib/consumers/iommufd.ts";
import { VfioContainer, vfioType1AttachGroup } from "../../lib/consumers/vfio-type1.ts";
import { errnoName, type Ret } from "../../lib/errno.ts";
import { type Domain, type Group, type Kernel } from "../../lib/model.ts";
import { classifyRet, groupHwOn, type Outcome } from "../../lib/outcome.ts";
import { buildPlatform, type DeviceSpec } from "../../lib/platform.ts";
import type { ConsumerKind } from "./schema.ts";

/** What one request (or one probe) ended as, with its counters. */
export interface Req {
  outcome: string;
  /** The errno name of a failure ("" otherwise). */
  errno: string;
  /** Devices the request stands for (a group's for VFIO and direct, one for iommufd). */
  devices: number;
  attempts: number;
  softFailures: number;
  domainsAllocated: number;
  logLines: number;
  spamLines: number;
}

/** A VFIO container, an iommufd file with one IOAS, or one directly attached domain. */
export class ConsumerContext {
  readonly vfio: VfioContainer | null;
  readonly fd: IommufdCtx | null;
  readonly ioas: Ioas | null;
  /** Direct: the domain allocated for the context's first device, or the errno of that allocation. */
  direct: Domain | Ret | null = null;

  constructor(
    readonly kind: ConsumerKind,
    vfioType: "v2" | "nesting",
  ) {
    this.vfio = kind === "vfio-type1" ? new VfioContainer("c0", vfioType) : null;
    this.fd = kind === "iommufd" ? new IommufdCtx() : null;
    this.ioas = kind === "iommufd" ? new Ioas("ioas0") : null;
  }

  /** How many domains the consumer holds (held().length, without making the list). */
  heldCount(): number {
    if (this.vfio) return this.vfio.domains.length;
    if (this.ioas) return this.ioas.hwpts.length;
    return this.direct !== null && typeof this.direct !== "number" ? 1 : 0;
  }

  /** Domains the consumer holds, in its search order. */
  held(): Domain[] {
    if (this.vfio) return this.vfio.domains.map((d) => d.domain);
    if (this.ioas) return this.ioas.hwpts.map((h) => h.domain);
    return this.direct !== null && typeof this.direct !== "number" ? [this.direct] : [];
  }
}

/**
 * Probe one group: add its devices to the kernel, which runs iommu_probe_device (default
 * domain, first attach). buildPlatform does not hand back the probe's return value, so the
 * outcome is read from what it leaves: the core's WARN "first domain attach failed" means a
 * failure, a device not on its default domain without that WARN a fake success.
 */
export function probeGroup(k: Kernel, devices: DeviceSpec[]): Req {
  const from = k.log.length;
  buildPlatform(k, { instances: [], devices });
  const g = k.groups.get(devices[0]!.group!)!;
  let outcome = "ok";
  for (let i = from; i < k.log.length; i++) {
    const l = k.log[i]!;
    if (l.level === "WARN" && l.text.includes("first domain attach failed")) outcome = "hard-failure";
  }
  if (outcome === "ok" && !g.devices.every((d) => d.attachDeferred || (g.defaultDomain !== null && d.hwDomain === g.defaultDomain))) outcome = "fake-success";
  return { outcome, errno: "", devices: devices.length, attempts: 0, softFailures: 0, domainsAllocated: 0, logLines: k.log.length - from, spamLines: k.spamSince(from) };
}

function fromOutcome(o: Outcome, devices: number, onHw: (d: Domain) => boolean, k: Kernel): Req {
  let outcome: string = o.outcome;
  if (o.ret === 0 && o.domain !== null) {
    const d = k.domains.get(o.domain);
    if (d && !onHw(d)) outcome = "fake-success";
  }
  return {
    outcome,
    errno: o.ret ? errnoName(o.ret) : "",
    devices,
    attempts: o.attempts,
    softFailures: o.softFailures,
    domainsAllocated: o.domainsAllocated,
    logLines: o.log.length,
    spamLines: o.spam,
  };
}

function unavailable(devices: number): Req {
  return { outcome: "unavailable", errno: "", devices, attempts: 0, softFailures: 0, domainsAllocated: 0, logLines: 0, spamLines: 0 };
}

function direct(k: Kernel, ctx: ConsumerContext, g: Group): Req {
  const from = k.log.length;
  let allocated = 0;
  if (ctx.direct === null) {
    ctx.direct = domainAlloc(k, { dev: g.devices[0]! });
    if (typeof ctx.direct !== "number") allocated = 1;
  }
  const n = g.devices.length;
  if (typeof ctx.direct === "number") {
    return { outcome: "hard-failure", errno: errnoName(ctx.direct), devices: n, attempts: 0, softFailures: 0, domainsAllocated: 0, logLines: k.log.length - from, spamLines: k.spamSince(from) };
  }
  const d = ctx.direct;
  const ret = iommuAttachGroup(k, d, g);
  const outcome = ret === 0 ? (groupHwOn(g, d) ? "ok" : "fake-success") : classifyRet(k, ret);
  return { outcome, errno: ret ? errnoName(ret) : "", devices: n, attempts: 1, softFailures: outcome === "soft-failure" ? 1 : 0, domainsAllocated: allocated, logLines: k.log.length - from, spamLines: k.spamSince(from) };
}

/** One group's consumer request(s): one for VFIO and direct, one per device for iommufd. */
export function attachGroup(k: Kernel, ctx: ConsumerContext, g: Group): Req[] {
  switch (ctx.kind) {
    case "vfio-type1":
      return [fromOutcome(vfioType1AttachGroup(k, ctx.vfio!, g), g.devices.length, (d) => groupHwOn(g, d), k)];
    case "iommufd":
      // Asked before the call, not caught after it: the library's answer in an era without
      // iommufd is an EraUnavailableError, and an Error per device (its stack trace) cost the
      // sweep-equivalence test 3% of its time.
      if (!k.features.iommufd) return g.devices.map(() => unavailable(1));
      return g.devices.map((dev) => fromOutcome(iommufdDeviceAttachIoas(k, ctx.fd!, ctx.ioas!, dev), 1, (d) => dev.hwDomain === d, k));
    case "direct":
      return [direct(k, ctx, g)];
  }
}

/** A context's domain list grew past the experiment's limit: the search is quadratic from there on. */
export class SweepLimitError extends Error {
  constructor(
    readonly where: string,
    message: string,
  ) {
    super(message);
    this.name = "SweepLimitError";
  }
}

export function checkLimit(ctx: ConsumerContext, limit: number): void {
  if (ctx.heldCount() > limit) {
    throw new SweepLimitError(
      "limits.domainsPerContext",
      `one ${ctx.kind} context came to hold more than ${limit} domains; every new group searches them all, so the run grows quadratically. Set "contextSize" (groups per context) or raise limits.domainsPerContext`,
    );
  }
}
