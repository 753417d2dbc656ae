/**
 * The scenario ops, each declared once: its fields (the zod shape a step is checked against), the
 * kernel function it models (the JSON Schema's description), what the step acts on (the run's
 * "target" column) and how it is played through the core or a consumer. schema.ts derives
 * StepSchema from this table, run.ts plays steps through it; the table's order is the order of
 * the schema's "anyOf" and of the loader's "unknown op" list.
 */
import { z } from "zod";
import { iommuAttachDevice, iommuAttachGroup, iommuDetachDevice, iommuDetachGroup, iommuReplaceGroup } from "../core/attach.ts";
import { domainAlloc, domainFree } from "../core/domain.ts";
import { iommuGroupClaimDmaOwner, iommuGroupReleaseDmaOwner } from "../core/owner.ts";
import { iommuAttachDevicePasid, iommuDetachDevicePasid, iommuReplaceDevicePasid } from "../core/pasid.ts";
import { iommuDeferredAttach, pciDevResetIommuDone, pciDevResetIommuPrepare } from "../core/reset.ts";
import { Ioas, type IommufdCtx, iommufdDeviceAttachIoas, iommufdDeviceUnbind } from "../consumers/iommufd.ts";
import { VfioContainer, vfioType1AttachGroup } from "../consumers/vfio-type1.ts";
import type { Ret } from "../errno.ts";
import { type Domain, EraUnavailableError, type Kernel } from "../model.ts";
import { classifyRet, groupHwOn, type Outcome, type OutcomeClass } from "../outcome.ts";
import { id, note, pasid, props } from "./fields.ts";

/** What the scenario run keeps across steps, which ops read and write. */
export interface OpState {
  readonly k: Kernel;
  /** Domains allocated by alloc-domain steps, by scenario id (the scenario holds them). */
  readonly named: Map<string, Domain>;
  readonly containers: Map<string, VfioContainer>;
  readonly ioases: Map<string, Ioas>;
  readonly fd: IommufdCtx;
  /** Step indexes of free-domain steps, and of alloc-domain steps that failed, by domain id. */
  readonly freedAt: Map<string, number>;
  readonly failedAt: Map<string, number>;
}

/** A played step's result; the run adds the log lines and the step's identity. */
export interface Played {
  ret: Ret;
  /** The group's (or PASID's) domain after the step, the new domain, or the consumer's choice. */
  domain: string | null;
  outcome: OutcomeClass;
  extra?: { attempts?: number; softFailures?: number; domainsAllocated?: number; detail?: string };
}

/** One op: `dom` is the step's domain, looked up (and found) by the run when the op has a `domain` field. */
interface OpDef<N extends string, S extends z.ZodRawShape> {
  readonly name: N;
  readonly schema: z.ZodObject<{ op: z.ZodLiteral<N> } & S & { note: typeof note }, z.core.$strict>;
  readonly target: (st: StepOf<N, S>) => string;
  readonly play: (s: OpState, st: StepOf<N, S>, dom: Domain | null, index: number) => Played;
}
type StepOf<N extends string, S extends z.ZodRawShape> = z.infer<OpDef<N, S>["schema"]>;

function op<const N extends string, S extends z.ZodRawShape>(name: N, doc: string, fields: S, target: OpDef<N, S>["target"], play: OpDef<N, S>["play"]): OpDef<N, S> {
  return { name, schema: z.strictObject({ op: z.literal(name), ...fields, note }).describe(doc), target, play };
}

const dev = (k: Kernel, d: string) => k.devices.get(d)!;
const grp = (k: Kernel, g: string) => k.groups.get(g)!;
/**
 * A device with no IOMMU has no iommu_group: the core answers for it (ENODEV from
 * iommu_attach_device and the PASID calls, 0 from detach, deferred attach and PCI reset).
 */
const groupOf = (k: Kernel, d: string) => dev(k, d).group?.id ?? null;

/** The group's domain after the step; a 0 that left the hardware elsewhere than `want` is a fake success. */
function groupResult(k: Kernel, g: string | null, ret: Ret, want: Domain | null): Played {
  if (g === null) return { ret, domain: null, outcome: classifyRet(k, ret), extra: { detail: "the device has no IOMMU (no iommu_group)" } };
  const group = grp(k, g);
  const outcome = ret === 0 && want && group.domain === want && !groupHwOn(group, want) ? "fake-success" : classifyRet(k, ret);
  return { ret, domain: group.domain?.id ?? null, outcome };
}

function fromOutcome(o: Outcome): Played {
  return { ret: o.ret, domain: o.domain, outcome: o.outcome, extra: { attempts: o.attempts, softFailures: o.softFailures, domainsAllocated: o.domainsAllocated, ...(o.detail ? { detail: o.detail } : {}) } };
}

const domainType = z.enum(["unmanaged", "dma", "identity", "blocked", "nested", "sva"]);
const domainDevice = { domain: id, device: id };
const domainGroup = { domain: id, group: id };
const domainPasid = { domain: id, device: id, pasid };
const onDevice = (st: { domain: string; device: string }) => `${st.domain} -> ${st.device}`;
const onGroup = (st: { domain: string; group: string }) => `${st.domain} -> ${st.group}`;
const onPasid = (st: { domain: string; device: string; pasid: number }) => `${st.domain} -> ${st.device} pasid ${st.pasid}`;
const theGroup = (st: { group: string }) => st.group;
const theDevice = (st: { device: string }) => st.device;

/** attach-pasid and replace-pasid: the PASID's domain after the step; a device left elsewhere is a fake success. */
function pasidResult(s: OpState, st: { device: string; pasid: number }, dom: Domain, ret: Ret): Played {
  const d = dev(s.k, st.device);
  if (!d.group) return groupResult(s.k, null, ret, null);
  const now = d.group.pasidArray.get(st.pasid)?.domain ?? null;
  const fake = ret === 0 && d.group.devices.some((x) => x.maxPasids > 0 && x.hwPasid.get(st.pasid) !== dom);
  return { ret, domain: now?.id ?? null, outcome: fake ? "fake-success" : classifyRet(s.k, ret) };
}

export const OPS = [
  op(
    "alloc-domain",
    "iommu_domain_alloc() / iommu_paging_domain_alloc(): a domain from the device's IOMMU, named by id for later steps",
    { id, device: id, type: domainType.optional(), props: props.optional(), pasid: z.boolean().optional() },
    (st) => `${st.id} for ${st.device}`,
    (s, st, _dom, index) => {
      const d = domainAlloc(s.k, { dev: dev(s.k, st.device), id: st.id, ...(st.type ? { type: st.type } : {}), ...(st.props ? { props: st.props } : {}), ...(st.pasid !== undefined ? { pasid: st.pasid } : {}) });
      if (typeof d === "number") {
        s.failedAt.set(st.id, index);
        return { ret: d, domain: null, outcome: classifyRet(s.k, d) };
      }
      s.named.set(st.id, d);
      return { ret: 0, domain: d.id, outcome: "ok", extra: { domainsAllocated: 1 } };
    },
  ),
  op("free-domain", "iommu_domain_free(): free a domain allocated by an earlier step", { domain: id }, (st) => st.domain, (s, st, dom, index) => {
    domainFree(s.k, dom!);
    s.named.delete(st.domain);
    s.freedAt.set(st.domain, index);
    return { ret: 0, domain: null, outcome: "ok" };
  }),
  op("attach-device", "iommu_attach_device(): attach the domain to the device's (singleton) group", domainDevice, onDevice, (s, st, dom) =>
    groupResult(s.k, groupOf(s.k, st.device), iommuAttachDevice(s.k, dom!, dev(s.k, st.device)), dom),
  ),
  op("detach-device", "iommu_detach_device(): detach the domain from the device's group", domainDevice, onDevice, (s, st, dom) => {
    iommuDetachDevice(s.k, dom!, dev(s.k, st.device));
    return groupResult(s.k, groupOf(s.k, st.device), 0, null);
  }),
  op("attach-group", "iommu_attach_group(): attach the domain to every device of the group", domainGroup, onGroup, (s, st, dom) =>
    groupResult(s.k, st.group, iommuAttachGroup(s.k, dom!, grp(s.k, st.group)), dom),
  ),
  op("detach-group", "iommu_detach_group(): the group goes back to its core domain (default, or blocking while owned)", { group: id }, theGroup, (s, st) => {
    iommuDetachGroup(s.k, null, grp(s.k, st.group));
    return groupResult(s.k, st.group, 0, null);
  }),
  op("replace-group", "iommu_group_replace_domain(): move the group to the domain without a detach in between", domainGroup, onGroup, (s, st, dom) =>
    groupResult(s.k, st.group, iommuReplaceGroup(s.k, grp(s.k, st.group), dom), dom),
  ),
  op("claim-dma-owner", "iommu_group_claim_dma_owner(): a user (VFIO, iommufd) takes the group's DMA ownership", { group: id, owner: z.string().min(1).max(64) }, (st) => `${st.group} by ${st.owner}`, (s, st) =>
    groupResult(s.k, st.group, iommuGroupClaimDmaOwner(s.k, grp(s.k, st.group), st.owner), null),
  ),
  op("release-dma-owner", "iommu_group_release_dma_owner(): give the group's DMA ownership back", { group: id }, theGroup, (s, st) => {
    iommuGroupReleaseDmaOwner(s.k, grp(s.k, st.group));
    return groupResult(s.k, st.group, 0, null);
  }),
  op("attach-pasid", "iommu_attach_device_pasid(): attach the domain to one PASID of the device", domainPasid, onPasid, (s, st, dom) =>
    pasidResult(s, st, dom!, iommuAttachDevicePasid(s.k, dom!, dev(s.k, st.device), st.pasid)),
  ),
  op("replace-pasid", "iommu_replace_device_pasid(): move one PASID of the device to the domain", domainPasid, onPasid, (s, st, dom, index) =>
    pasidResult(s, st, dom!, iommuReplaceDevicePasid(s.k, dom!, dev(s.k, st.device), st.pasid, `handle-${index}`)),
  ),
  op("detach-pasid", "iommu_detach_device_pasid(): detach the domain from one PASID of the device", domainPasid, onPasid, (s, st, dom) => {
    iommuDetachDevicePasid(s.k, dom!, dev(s.k, st.device), st.pasid);
    return { ret: 0, domain: null, outcome: "ok" };
  }),
  op("pci-reset-prepare", "pci_dev_reset_iommu_prepare(): block the device's DMA before a PCI reset", { device: id }, theDevice, (s, st) =>
    groupResult(s.k, groupOf(s.k, st.device), pciDevResetIommuPrepare(s.k, dev(s.k, st.device)), null),
  ),
  op("pci-reset-done", "pci_dev_reset_iommu_done(): restore the device's domain after a PCI reset", { device: id }, theDevice, (s, st) => {
    pciDevResetIommuDone(s.k, dev(s.k, st.device));
    return groupResult(s.k, groupOf(s.k, st.device), 0, null);
  }),
  op("deferred-attach", "iommu_deferred_attach(): the DMA API's late attach of a device marked attachDeferred", { device: id }, theDevice, (s, st) => {
    const d = dev(s.k, st.device);
    // No dev->iommu: iommu_deferred_attach() is not even reached by the DMA API (no domain to pass); 0.
    if (!d.group) return groupResult(s.k, null, 0, null);
    const ret = iommuDeferredAttach(s.k, d, d.group.domain ?? d.group.defaultDomain!);
    return { ret, domain: d.hwDomain?.id ?? null, outcome: classifyRet(s.k, ret) };
  }),
  op(
    "vfio-attach",
    "vfio_iommu_type1_attach_group(): VFIO type1 attaches the group to one of the container's domains, or a new one",
    { container: id, group: id, type: z.enum(["v2", "nesting"]).optional() },
    (st) => `${st.group} -> container ${st.container}${st.type === "nesting" ? " (nesting)" : ""}`,
    (s, st) => {
      let c = s.containers.get(st.container);
      if (!c) s.containers.set(st.container, (c = new VfioContainer(st.container, st.type ?? "v2")));
      return fromOutcome(vfioType1AttachGroup(s.k, c, grp(s.k, st.group)));
    },
  ),
  op("iommufd-attach", "iommufd_device_attach(): iommufd attaches the device to a hwpt of the IOAS, or a new one", { ioas: id, device: id }, (st) => `${st.device} -> ${st.ioas}`, (s, st) => {
    let io = s.ioases.get(st.ioas);
    if (!io) s.ioases.set(st.ioas, (io = new Ioas(st.ioas)));
    return fromOutcome(iommufdDeviceAttachIoas(s.k, s.fd, io, dev(s.k, st.device)));
  }),
  op("iommufd-unbind", "iommufd_device_unbind(): iommufd lets go of the device", { device: id }, theDevice, (s, st) => {
    if (!s.k.features.iommufd) throw new EraUnavailableError("iommufd", s.k.era.id, "iommufd was merged in v6.2");
    iommufdDeviceUnbind(s.k, s.fd, dev(s.k, st.device));
    return { ret: 0, domain: dev(s.k, st.device).hwDomain?.id ?? null, outcome: "ok" };
  }),
] as const;

type AnyOp = (typeof OPS)[number];
export type OpName = AnyOp["name"];
/** The zod schemas of the ops, in the table's order, as a tuple (z.discriminatedUnion wants one). */
type SchemasOf<T extends readonly unknown[]> = { -readonly [I in keyof T]: T[I] extends { readonly schema: infer Z } ? Z : never };
export const OP_SCHEMAS = OPS.map((o) => o.schema) as unknown as SchemasOf<typeof OPS>;

const BY_NAME = new Map<string, AnyOp>(OPS.map((o) => [o.name, o]));
/**
 * The table's entry for a step's op, typed loosely: a valid step always matches its own entry,
 * which a lookup by name cannot tell TypeScript (the step was checked against that entry's schema).
 */
export function opOf(name: string): { target(st: unknown): string; play(s: OpState, st: unknown, dom: Domain | null, index: number): Played } {
  return BY_NAME.get(name) as never;
}
