/**
 * Random machines and random operation sequences, played through the core and the consumers
 * with the invariants checked after every step, and the core paths taken counted (paths.ts).
 * Shared by the fixed-seed tests (test/properties.test.ts, test/fuzz-mutants.test.ts) and the long
 * campaign (`npm run fuzz`), through campaign.ts.
 *
 * Per-operation promises checked here, besides the global invariants:
 * - mainline-2025 on: a failed attach/replace leaves group->domain and every device's hardware
 *   exactly as before; a failed PASID attach/replace leaves the PASID "in the old config";
 * - before that (no rollback): group->domain is unchanged, the devices before the failing one
 *   stay on the new domain, the failing one is unchanged or detached (drivers that detach
 *   first), the rest are unchanged - the historical inconsistency, asserted as such;
 * - every era: iommu_attach_group/iommu_attach_device on a group whose group->domain is a caller's
 *   domain (not default_domain, not blocking_domain) fails with EBUSY; a group walk that called
 *   the devices and returned 0 left group->domain on the new domain and every device with it;
 * - test-dev-2025: an attach_dev that follows a passing test_dev fails only with ENOMEM/ENOSPC;
 * - every errno is a known one, and the trace's top-level event returns what the call returned.
 */
import fc from "fast-check";
import { drivers } from "../../hardware/index.ts";
import { iommuAttachDevice, iommuAttachGroup, iommuDetachDevice, iommuDetachGroup, iommuReplaceGroup } from "../../lib/core/attach.ts";
import { domainAlloc, domainFree, domainUsers } from "../../lib/core/domain.ts";
import { iommuGroupClaimDmaOwner, iommuGroupReleaseDmaOwner } from "../../lib/core/owner.ts";
import { iommuAttachDevicePasid, iommuDetachDevicePasid, iommuReplaceDevicePasid } from "../../lib/core/pasid.ts";
import { iommuDeferredAttach, pciDevResetIommuDone, pciDevResetIommuPrepare } from "../../lib/core/reset.ts";
import { Ioas, IommufdCtx, iommufdDeviceAttachIoas } from "../../lib/consumers/iommufd.ts";
import { VfioContainer, vfioType1AttachGroup } from "../../lib/consumers/vfio-type1.ts";
import type { DriverModel } from "../../lib/driver.ts";
import { type PropDoc, propDocs, type PropShape } from "../../lib/props.ts";
import { errnoName, type Ret } from "../../lib/errno.ts";
import { ERAS, type EraId } from "../../lib/eras.ts";
import { type Device, type Domain, EraUnavailableError, type Group, Kernel, type Props } from "../../lib/model.ts";
import type { TraceEvent } from "../../lib/trace.ts";
import { buildPlatform, type DeviceSpec, type InstanceSpec, type PlatformSpec } from "../../lib/platform.ts";
import { checkInvariants } from "./invariants.ts";
import { countPaths, type PathHits } from "./paths.ts";

// ---- random machines -------------------------------------------------------------------

/**
 * Random property bags of a shape: one arbitrary per shape, made once. Arbitraries hold no state
 * (each value comes from the random source it is given), so the campaign draws the same values as
 * with a fresh one per draw; the machines' .chain() would otherwise rebuild it, and the shape's
 * docs, for every instance and device drawn (~5% of a fixed-seed campaign when the docs were read
 * through zod; driver properties are plain data since).
 */
const PROP_ARBS = new WeakMap<PropShape, fc.Arbitrary<Props>>();
function propArb(shape: PropShape): fc.Arbitrary<Props> {
  let arb = PROP_ARBS.get(shape);
  if (arb) return arb;
  const fields: Record<string, fc.Arbitrary<number | boolean | string>> = {};
  for (const d of propDocs(shape) as readonly PropDoc[]) {
    if (typeof d.default === "boolean") fields[d.name] = fc.boolean();
    else if (typeof d.default === "number") fields[d.name] = fc.constantFrom(d.default, 0, Math.max(0, d.default - 9), d.default + 1);
    else fields[d.name] = fc.constant(d.default);
  }
  arb = fc.record(fields, { requiredKeys: [] }) as fc.Arbitrary<Props>;
  PROP_ARBS.set(shape, arb);
  return arb;
}

/** The instance props of a shape that enable PASID/SVA on a unit (booleans named pasid or sva), found once per shape. */
const PASID_PROPS = new WeakMap<PropShape, readonly string[]>();
function pasidProps(shape: PropShape): readonly string[] {
  let names = PASID_PROPS.get(shape);
  if (!names) PASID_PROPS.set(shape, (names = propDocs(shape).filter((doc) => /^(pasid|sva)$/i.test(doc.name) && typeof doc.default === "boolean").map((doc) => doc.name)));
  return names;
}

/** Instance props that enable PASID/SVA on a unit, set to `on`. */
function withPasidProps(d: DriverModel, p: Props, on: boolean): Props {
  const out: Props = { ...p };
  for (const name of pasidProps(d.instanceProps)) out[name] = on;
  return out;
}

/** Drivers that allocate in attach_dev: a fail-nth injection there fails a device mid-walk. */
const allocatesInAttach = (d: DriverModel) => d.attach.some((s) => s.kind === "effect" && s.allocRows !== undefined);

/**
 * One group of 2-3 devices behind a driver that allocates in attach_dev, some of them
 * require_direct, some kdump-deferred (their first real attach can come in a MUST_SUCCEED walk,
 * a detach back to the default domain): with fail-nth at every position, attach, replace, claim
 * and detach fail on any device of the walk - err_revert, and the MUST_SUCCEED walks.
 */
function revertGroupArb(drivers: readonly DriverModel[]): fc.Arbitrary<PlatformSpec> {
  return fc.constantFrom(...drivers).chain((d) =>
    fc.record({
      props: propArb(d.instanceProps),
      devs: fc.array(
        fc.record({ props: propArb(d.deviceProps), requireDirect: fc.constantFrom(false, false, false, true), attachDeferred: fc.boolean() }),
        { minLength: 2, maxLength: 3 },
      ),
    }).map(({ props, devs }) => ({
      instances: [{ id: "iommu0", driver: d.id, props }],
      devices: devs.map((x, n): DeviceSpec => ({ id: `dev${n}`, instance: "iommu0", group: d.singletonGroups ? `dev${n}` : "iommu0.g0", ...x })),
    })),
  );
}

const pasidDrivers = (era: EraId) => (ERAS[era].features.pasid ? drivers.list.filter((d) => d.exists.includes(era) && d.pasidEras.includes(era)) : []);

/**
 * One instance of a driver with set_dev_pasid and one group of 2-3 PASID-capable devices: what
 * __iommu_set_group_pasid's rollback needs (a device that succeeds before one that fails). The
 * drivers whose set_dev_pasid can fail on one device of a group and not another are drawn more
 * often: AMD (is_pasid_enabled per device, an allocation) and the iommufd mock (PASID 1024).
 */
function pasidGroupArb(drivers: readonly DriverModel[]): fc.Arbitrary<PlatformSpec> {
  const weight = (d: DriverModel) => (d.id === "amd-iommu" || d.id === "iommufd-mock" ? 3 : 1);
  return fc.oneof(...drivers.map((d) => ({ arbitrary: fc.constant(d), weight: weight(d) }))).chain((d) =>
    fc.record({
      // The unit's PASID/SVA support (AMD's "pasid", the SMMUv3's "sva") is on three times in four.
      props: propArb(d.instanceProps).chain((p) => fc.constantFrom(true, true, true, false).map((on) => withPasidProps(d, p, on))),
      devs: fc.array(fc.record({ props: propArb(d.deviceProps), maxPasids: fc.constantFrom(2048, 2048, 2048, 0), ats: fc.boolean(), attachDeferred: fc.constantFrom(false, false, true) }), { minLength: 2, maxLength: 3 }),
    }).map(({ props, devs }) => ({
      instances: [{ id: "iommu0", driver: d.id, props }],
      devices: devs.map((x, n): DeviceSpec => ({ id: `dev${n}`, instance: "iommu0", group: d.singletonGroups ? `dev${n}` : "iommu0.g0", ...x })),
    })),
  );
}

/**
 * Drivers with set_dev_pasid in the era, and drivers that allocate in attach_dev (where a fail-nth
 * injection makes a detach's MUST_SUCCEED walk or an err_revert fail), are drawn more often.
 */
function driverWeight(d: DriverModel, era: EraId): number {
  return 1 + (d.pasidEras.includes(era) ? 2 : 0) + (allocatesInAttach(d) ? 2 : 0);
}

/**
 * A machine of 1-3 instances of drivers that exist in `era` and 1-6 devices, mostly in groups
 * of two or more (the walks with rollback need a device before the failing one), sometimes one
 * without an IOMMU (no group).
 */
export function platformArb(era: EraId): fc.Arbitrary<PlatformSpec> {
  const inEra = drivers.list.filter((d) => d.exists.includes(era));
  const driverArb = fc.oneof(...inEra.map((d) => ({ arbitrary: fc.constant(d), weight: driverWeight(d, era) })));
  const inst = driverArb.chain((d) => propArb(d.instanceProps).map((props) => ({ driver: d, props })));
  return fc.array(inst, { minLength: 1, maxLength: 3 }).chain((insts) => {
    const instances: InstanceSpec[] = insts.map((x, i) => ({ id: `iommu${i}`, driver: x.driver.id, props: x.props }));
    const dev = fc.nat({ max: insts.length - 1 }).chain((i) =>
      fc.record({
        i: fc.constant(i),
        group: fc.constantFrom(0, 0, 1),
        props: propArb(insts[i]!.driver.deviceProps),
        // 2048: room for the iommufd mock's PASID 1024.
        maxPasids: fc.constantFrom(0, 16, 16, 2048),
        requireDirect: fc.constantFrom(false, false, false, true),
        attachDeferred: fc.constantFrom(false, false, true),
        ats: fc.boolean(),
        noIommu: fc.constantFrom(false, false, false, false, false, false, false, true),
      }),
    );
    return fc.array(dev, { minLength: 1, maxLength: 6 }).map((ds) => ({
      instances,
      devices: ds.map(
        (d, n): DeviceSpec =>
          d.noIommu
            ? { id: `dev${n}` }
            : {
                id: `dev${n}`,
                instance: `iommu${d.i}`,
                group: insts[d.i]!.driver.singletonGroups ? `dev${n}` : `iommu${d.i}.g${d.group}`,
                props: d.props,
                maxPasids: d.maxPasids,
                requireDirect: d.requireDirect,
                attachDeferred: d.attachDeferred,
                ats: d.ats,
              },
      ),
    }));
  });
}

// ---- random operations -----------------------------------------------------------------

export type Op =
  | { op: "alloc"; dev: number; sva?: boolean }
  | { op: "free"; dom: number }
  | { op: "attachDevice" | "detachDevice"; dom: number; dev: number }
  | { op: "attachGroup" | "replaceGroup"; dom: number; grp: number }
  | { op: "detachGroup" | "claim" | "release"; grp: number }
  /** live: replace/detach a PASID the group has attached (the n-th, n = pasid), when it has one. */
  | { op: "attachPasid" | "replacePasid"; dom: number; dev: number; pasid: number; live?: boolean }
  | { op: "detachPasid"; dev: number; pasid: number; live?: boolean }
  | { op: "resetPrepare" | "resetDone" | "deferred" | "iommufd"; dev: number }
  | { op: "vfio"; grp: number; container: number }
  | { op: "inject"; n: number };

const ix = fc.nat({ max: 7 });
/** 1024: the iommufd mock fails every second set_dev_pasid of it (its selftest's rollback hook). */
const pasidArb = fc.constantFrom(1, 15, 16, 1024, 1024, 1024);

/**
 * Weighted towards what reaches the core's error paths: group attach/replace, PASID attach and
 * replace, and fail-nth injections whose position (the n-th allocation from now) covers every
 * allocation an attach, a PASID set or a revert makes.
 */
export const opArb: fc.Arbitrary<Op> = fc.oneof(
  { arbitrary: fc.record({ op: fc.constant("alloc" as const), dev: ix, sva: fc.constantFrom(false, false, true) }), weight: 4 },
  fc.record({ op: fc.constant("free" as const), dom: ix }),
  { arbitrary: fc.record({ op: fc.constantFrom("attachDevice" as const, "detachDevice" as const), dom: ix, dev: ix }), weight: 3 },
  { arbitrary: fc.record({ op: fc.constantFrom("attachGroup" as const, "replaceGroup" as const), dom: ix, grp: ix }), weight: 4 },
  { arbitrary: fc.record({ op: fc.constantFrom("detachGroup" as const, "claim" as const, "release" as const), grp: ix }), weight: 2 },
  { arbitrary: fc.record({ op: fc.constant("attachPasid" as const), dom: ix, dev: ix, pasid: pasidArb }), weight: 3 },
  { arbitrary: fc.record({ op: fc.constant("replacePasid" as const), dom: ix, dev: ix, pasid: pasidArb, live: fc.constantFrom(true, true, false) }), weight: 3 },
  fc.record({ op: fc.constant("detachPasid" as const), dev: ix, pasid: pasidArb, live: fc.constantFrom(true, false) }),
  { arbitrary: fc.record({ op: fc.constantFrom("resetPrepare" as const, "resetDone" as const, "deferred" as const, "iommufd" as const), dev: ix }), weight: 2 },
  fc.record({ op: fc.constant("vfio" as const), grp: ix, container: fc.nat({ max: 1 }) }),
  { arbitrary: fc.record({ op: fc.constant("inject" as const), n: fc.integer({ min: 1, max: 6 }) }), weight: 3 },
);

/** Sequences long enough to build state (a domain, an attached group, a PASID) and then break it. */
export const opsArb = (maxOps: number) => fc.array(opArb, { minLength: Math.min(8, maxOps), maxLength: maxOps, size: "medium" });

const few = fc.nat({ max: 2 });

/**
 * Operations for a PASID group machine: mostly PASID attach/replace/detach on the PASIDs the
 * group has (a replace that fails after a device succeeded needs two calls on the same PASID),
 * SVA and paging domains, fail-nth positions, resets and group moves in between.
 */
const pasidOpArb: fc.Arbitrary<Op> = fc.oneof(
  { arbitrary: fc.record({ op: fc.constant("alloc" as const), dev: few, sva: fc.boolean() }), weight: 3 },
  { arbitrary: fc.record({ op: fc.constant("attachPasid" as const), dom: few, dev: few, pasid: pasidArb }), weight: 3 },
  { arbitrary: fc.record({ op: fc.constant("replacePasid" as const), dom: few, dev: few, pasid: few, live: fc.constant(true) }), weight: 4 },
  fc.record({ op: fc.constant("detachPasid" as const), dev: few, pasid: few, live: fc.constant(true) }),
  { arbitrary: fc.record({ op: fc.constant("inject" as const), n: fc.integer({ min: 1, max: 4 }) }), weight: 2 },
  { arbitrary: fc.record({ op: fc.constantFrom("resetPrepare" as const, "resetDone" as const, "deferred" as const), dev: few }), weight: 2 },
  fc.record({ op: fc.constantFrom("attachGroup" as const, "replaceGroup" as const), dom: few, grp: fc.constant(0) }),
);

/** Operations for a revert group: group moves, ownership, detach, and fail-nth at every position. */
const revertOpArb: fc.Arbitrary<Op> = fc.oneof(
  { arbitrary: fc.record({ op: fc.constant("alloc" as const), dev: few }), weight: 2 },
  { arbitrary: fc.record({ op: fc.constantFrom("attachGroup" as const, "replaceGroup" as const), dom: few, grp: fc.constant(0) }), weight: 3 },
  { arbitrary: fc.record({ op: fc.constantFrom("detachGroup" as const, "claim" as const, "release" as const), grp: fc.constant(0) }), weight: 3 },
  { arbitrary: fc.record({ op: fc.constant("inject" as const), n: fc.integer({ min: 1, max: 4 }) }), weight: 3 },
  fc.record({ op: fc.constant("vfio" as const), grp: fc.constant(0), container: fc.nat({ max: 1 }) }),
);

/**
 * A machine and the operations to play on it: a random machine with random operations (half the
 * cases), a revert group with group moves under fail-nth, or (in eras with PASID) a PASID group
 * with PASID-heavy operations.
 */
export function caseArb(era: EraId, maxOps = 40): fc.Arbitrary<[PlatformSpec, Op[]]> {
  const ops = (a: fc.Arbitrary<Op>) => fc.array(a, { minLength: Math.min(8, maxOps), maxLength: maxOps, size: "medium" });
  const cases = [{ arbitrary: fc.tuple(platformArb(era), opsArb(maxOps)), weight: 2 }];
  const reverting = drivers.list.filter((d) => d.exists.includes(era) && allocatesInAttach(d));
  if (reverting.length) cases.push({ arbitrary: fc.tuple(revertGroupArb(reverting), ops(revertOpArb)), weight: 1 });
  const pasid = pasidDrivers(era);
  if (pasid.length) cases.push({ arbitrary: fc.tuple(pasidGroupArb(pasid), ops(pasidOpArb)), weight: 1 });
  return fc.oneof(...cases);
}

// ---- playing a sequence ----------------------------------------------------------------

const KNOWN = new Set(["0", "EPERM", "ENOENT", "EIO", "ENXIO", "ENOMEM", "EFAULT", "EBUSY", "EEXIST", "EXDEV", "ENODEV", "EINVAL", "ENOSPC", "EOPNOTSUPP", "EMEDIUMTYPE"]);

interface Snapshot {
  domain: Domain | null;
  hw: Array<Domain | null>;
  pasids: string;
}

const pasidKey = (g: Group) =>
  [...g.pasidArray].map(([p, e]) => `${p}:${e.domain.id}`).join(",") + "|" + g.devices.map((d) => [...d.hwPasid].map(([p, x]) => `${p}:${x.id}`).join(",")).join(";");

function snap(g: Group): Snapshot {
  return { domain: g.domain, hw: g.devices.map((d) => d.hwDomain), pasids: pasidKey(g) };
}

/**
 * Every era: a group walk (__iommu_group_set_domain[_internal]) that called the devices and
 * returned 0 left group->domain equal to the domain it was moving to, and every device of the
 * group on it - except a kdump-deferred device still on no domain (its default-domain attach is
 * skipped), a driver's fake success (mtk_iommu_v1), a device the kernel WARNed about, and a
 * device parked for a PCI reset. Checked on the last walk of each group in the operation (an
 * operation may walk twice). A walk to the domain the group is already on returns 0 at once:
 * before rollback, devices a failed walk left behind stay where they are (the historical state).
 */
function checkSucceededWalks(k: Kernel, from: number): string | null {
  const last = new Map<string, TraceEvent>();
  const tr = k.trace!;
  for (let i = from; i < tr.length; i++) {
    const e = tr[i]!;
    const walked = tr[i + 1] !== undefined && tr[i + 1]!.depth > e.depth;
    if (walked && (e.fn === "__iommu_group_set_domain_internal" || e.fn === "__iommu_group_set_domain")) last.set(String(e.args["group"]), e);
  }
  for (const [id, e] of last) {
    if (e.ret !== 0) continue;
    const g = k.groups.get(id)!;
    if (g.domain?.id !== e.args["domain"]) return `group ${id}: ${e.fn} returned 0 but group->domain is ${g.domain?.id ?? "NULL"}, not ${e.args["domain"]}`;
    for (const d of g.devices) {
      if (d.hwDomain === g.domain || ((d.attachDeferred || d.deferredAtBoot) && d.hwDomain === null) || d.fakeAttach === g.domain || d.wedged || d.inReset) continue;
      return `group ${id}: ${e.fn} returned 0 but device ${d.id} is on ${d.hwDomain?.id ?? "nothing"}, not ${g.domain!.id}`;
    }
  }
  return null;
}

/** The promise an era makes about a failed group attach/replace. */
function checkFailedSet(k: Kernel, g: Group, before: Snapshot, target: Domain): string | null {
  if (g.domain !== before.domain) return `group ${g.id}: group->domain changed on a failed attach`;
  if (k.features.rollback) {
    // A kdump-deferred device had no kernel domain; the forward attempt cleared attach_deferred,
    // so err_revert attaches group->domain to it for real. That is the kernel's rollback.
    // A revert the driver faked (mtk_iommu_v1's return 0) is the driver's bug, not the core's.
    const reverted = (d: Device, i: number) =>
      d.hwDomain === before.hw[i] || (before.hw[i] === null && d.deferredAtBoot === true && d.hwDomain === g.domain) || (d.fakeAttach ?? null) === g.domain;
    const moved = g.devices.findIndex((d, i) => !reverted(d, i));
    return moved < 0 ? null : `group ${g.id}: device ${g.devices[moved]!.id} not rolled back after a failed attach`;
  }
  // No rollback: a prefix moved to `target`, then the failing device (unchanged or detached), then untouched devices.
  let i = 0;
  while (i < g.devices.length && g.devices[i]!.hwDomain === target && before.hw[i] !== target) i++;
  if (i < g.devices.length && g.devices[i]!.hwDomain !== before.hw[i] && g.devices[i]!.hwDomain !== null) return `group ${g.id}: failing device ${g.devices[i]!.id} ended on an unexpected domain`;
  for (let j = i + 1; j < g.devices.length; j++) if (g.devices[j]!.hwDomain !== before.hw[j]) return `group ${g.id}: device ${g.devices[j]!.id} after the failing one was touched`;
  return null;
}

const DRIVER_ATTACH_FNS = new Set(drivers.list.map((d) => d.fn.attach));

/** test-dev-2025: an attach_dev after a passing test_dev of the same (domain, dev) fails only with ENOMEM/ENOSPC. */
function checkTestDev(k: Kernel, from: number): string | null {
  const tr = k.trace!;
  const passed = new Set<string>();
  for (let i = from; i < tr.length; i++) {
    const e = tr[i]!;
    const key = `${e.args["domain"]}/${e.args["dev"]}`;
    if (e.fn === "__iommu_domain_test_device" && e.args["pasid"] === "NO_PASID" && e.ret === 0) passed.add(key);
    if (DRIVER_ATTACH_FNS.has(e.fn)) {
      if (!passed.has(key) || e.ret === undefined || e.ret === 0) continue;
      const name = errnoName(e.ret);
      if (name !== "ENOMEM" && name !== "ENOSPC") return `${e.fn}(${key}) failed with ${name} after test_dev passed`;
    }
  }
  return null;
}

/** The PASID an operation names: with `live`, one the device's group has attached (if any). */
function livePasid(dev: Device, op: { pasid: number; live?: boolean }): number {
  const attached = op.live && dev.group ? [...dev.group.pasidArray.keys()] : [];
  return attached.length ? attached[op.pasid % attached.length]! : op.pasid;
}

export interface SequenceResult {
  violations: string[];
  steps: number;
  /** The random machine did not probe cleanly (a unit that can translate nothing): not played. */
  discarded: boolean;
}

export interface PlayOptions {
  /** Count the core paths each operation takes (tools/reliability/paths.ts) into this map. */
  hits?: PathHits;
  /** Called once the machine has probed: a mutation test installs its deliberate bug here. */
  mutate?: (k: Kernel) => void;
}

/**
 * iommu_attach_group() / iommu_attach_device() while group->domain is a caller's domain (neither
 * default_domain nor blocking_domain): __iommu_attach_group() must refuse with -EBUSY; a second
 * owner must never silently take the group over. Returns the broken promise or null.
 */
function checkAttachBusy(g: Group, before: Snapshot, ret: Ret): string | null {
  const d = before.domain;
  if (ret !== 0 || !d || d === g.defaultDomain || d === g.blockingDomain) return null;
  return `group ${g.id}: attach succeeded while group->domain was ${d.id} (not a core domain): __iommu_attach_group must return -EBUSY`;
}

/** Play `ops` on `platform` in `era`; stop at the first violated promise. */
export function playSequence(era: EraId, platform: PlatformSpec, ops: readonly Op[], opts: PlayOptions = {}): SequenceResult {
  const k = new Kernel({ era, drivers, trace: true });
  buildPlatform(k, platform);
  // A machine that does not probe cleanly (a unit that can translate nothing, a default domain
  // that cannot be allocated: the real probe would fail) is not played.
  if (k.log.some((l) => l.level === "WARN") || [...k.groups.values()].some((g) => !g.domain)) return { violations: [], steps: 0, discarded: true };
  // The probe's own walks count too: a kdump-deferred device is skipped there (and, with rollback, only there).
  if (opts.hits) countPaths(k.trace!, 0, { k, deferredBefore: new Set() }, opts.hits);
  k.trace!.length = 0;
  opts.mutate?.(k);
  // Devices without an IOMMU are kept: the core's "no group" branches are paths too.
  const devices = [...k.devices.values()];
  const groups = [...k.groups.values()];
  const doms: Domain[] = [];
  const containers = [new VfioContainer("c0", "v2"), new VfioContainer("c1", "v2")];
  const ioas = new Ioas("ioas0");
  const fd = new IommufdCtx();
  const held = () => {
    const s = new Set<Domain>(doms);
    for (const c of containers) for (const d of c.domains) s.add(d.domain);
    for (const h of ioas.hwpts) s.add(h.domain);
    return s;
  };
  const pick = <T>(xs: T[], i: number): T | undefined => (xs.length ? xs[i % xs.length] : undefined);
  const violations: string[] = [];
  // "group/pasid" whose revert to the old domain a driver failed (WARN in __iommu_set_group_pasid).
  const pasidWarned = new Set<string>();
  let steps = 0;
  for (const op of ops) {
    const traceFrom = k.trace!.length;
    let ret: Ret | null = null;
    let failedSet: { g: Group; before: Snapshot; target: Domain } | null = null;
    let busyCheck = false;
    const deferredBefore = opts.hits ? new Set(devices.filter((d) => d.attachDeferred).map((d) => d.id)) : null;
    let pasidCheck: { g: Group; pasid: number; before: string } | null = null;
    try {
      const dev: Device | undefined = "dev" in op ? pick(devices, op.dev) : undefined;
      const grp: Group | undefined = "grp" in op ? pick(groups, op.grp) : undefined;
      const dom: Domain | undefined = "dom" in op ? pick(doms, op.dom) : undefined;
      if (("dev" in op && !dev) || ("grp" in op && !grp) || ("dom" in op && !dom)) continue;
      switch (op.op) {
        case "alloc": {
          if (!dev!.instance) continue;
          const d = domainAlloc(k, op.sva ? { dev: dev!, type: "sva" } : { dev: dev! });
          if (typeof d === "number") ret = d;
          else doms.push(d);
          break;
        }
        case "free":
          if (domainUsers(k, dom!).length) continue; // a correct caller frees only unused domains
          domainFree(k, dom!);
          doms.splice(doms.indexOf(dom!), 1);
          break;
        case "attachDevice":
          if (dev!.group) failedSet = { g: dev!.group, before: snap(dev!.group), target: dom! };
          busyCheck = true;
          ret = iommuAttachDevice(k, dom!, dev!);
          break;
        case "detachDevice":
          iommuDetachDevice(k, dom!, dev!);
          break;
        case "attachGroup":
        case "replaceGroup":
          failedSet = { g: grp!, before: snap(grp!), target: dom! };
          busyCheck = op.op === "attachGroup";
          ret = op.op === "attachGroup" ? iommuAttachGroup(k, dom!, grp!) : iommuReplaceGroup(k, grp!, dom!);
          break;
        case "detachGroup":
          iommuDetachGroup(k, null, grp!);
          break;
        case "claim":
          ret = iommuGroupClaimDmaOwner(k, grp!, "user");
          break;
        case "release":
          if (grp!.owner !== "user" || grp!.pasidArray.size) continue;
          iommuGroupReleaseDmaOwner(k, grp!);
          break;
        case "attachPasid":
        case "replacePasid": {
          const pasid = livePasid(dev!, op);
          if (dev!.group) pasidCheck = { g: dev!.group, pasid, before: pasidKey(dev!.group) };
          ret = op.op === "attachPasid" ? iommuAttachDevicePasid(k, dom!, dev!, pasid) : iommuReplaceDevicePasid(k, dom!, dev!, pasid, `h${steps}`);
          break;
        }
        case "detachPasid": {
          const pasid = livePasid(dev!, op);
          const e = dev!.group?.pasidArray.get(pasid);
          if (!e) continue;
          iommuDetachDevicePasid(k, e.domain, dev!, pasid);
          break;
        }
        case "resetPrepare":
          ret = pciDevResetIommuPrepare(k, dev!);
          break;
        case "resetDone":
          pciDevResetIommuDone(k, dev!);
          break;
        case "deferred": {
          // The DMA API passes group->domain; before rollback that can be a freed domain (the
          // historical use-after-free the model reproduces), which a caller must not use.
          const target = dev!.group ? (dev!.group.domain ?? dev!.group.defaultDomain!) : null;
          if (!target || target.freed) continue;
          ret = iommuDeferredAttach(k, dev!, target);
          break;
        }
        case "vfio":
          ret = vfioType1AttachGroup(k, containers[op.container]!, grp!).ret;
          break;
        case "iommufd":
          ret = iommufdDeviceAttachIoas(k, fd, ioas, dev!).ret;
          break;
        case "inject":
          k.injectFailNth(op.n);
          continue;
      }
    } catch (e) {
      if (e instanceof EraUnavailableError) continue;
      throw e;
    }
    steps++;
    if (opts.hits) countPaths(k.trace!, traceFrom, { k, deferredBefore: deferredBefore! }, opts.hits);
    const v: string[] = [];
    if (ret !== null && busyCheck && failedSet) {
      const bad = checkAttachBusy(failedSet.g, failedSet.before, ret);
      if (bad) v.push(bad);
    }
    if (ret !== null && !KNOWN.has(errnoName(ret))) v.push(`unknown errno ${errnoName(ret)}`);
    if (ret !== null && ret !== 0 && failedSet) {
      const bad = checkFailedSet(k, failedSet.g, failedSet.before, failedSet.target);
      if (bad) v.push(bad);
    }
    for (const e of k.trace!.slice(traceFrom)) {
      if (e.fn === "__iommu_set_group_pasid" && e.log.some((l) => l.level === "WARN")) pasidWarned.add(`${e.args["group"]}/${e.args["pasid"]}`);
    }
    for (const key of pasidWarned) {
      const [g, p] = key.split("/");
      if (!k.groups.get(g!)?.pasidArray.has(Number(p))) pasidWarned.delete(key);
    }
    const warned = pasidCheck !== null && pasidWarned.has(`${pasidCheck.g.id}/${pasidCheck.pasid}`);
    if (ret !== null && ret !== 0 && pasidCheck && !warned && pasidKey(pasidCheck.g) !== pasidCheck.before) v.push(`group ${pasidCheck.g.id}: PASID state changed on a failed PASID attach/replace`);
    // The call's own top-level event is the last one it recorded (iommufd binds first).
    const top = k.trace!.slice(traceFrom).reverse().find((e) => e.depth === 0);
    if (ret !== null && top && top.ret !== ret) v.push(`trace says ${top.fn} returned ${top.ret}, the call returned ${ret}`);
    if (k.features.testDev) {
      const bad = checkTestDev(k, traceFrom);
      if (bad) v.push(bad);
    }
    const walked = checkSucceededWalks(k, traceFrom);
    if (walked) v.push(walked);
    v.push(...checkInvariants(k, held(), pasidWarned));
    if (v.length) {
      violations.push(...v.map((x) => `after ${JSON.stringify(op)} (step ${steps}): ${x}`));
      break;
    }
    k.trace!.length = 0; // keep memory flat on long sequences
  }
  return { violations, steps, discarded: false };
}
