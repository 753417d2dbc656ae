/**
 * Fleets: N devices over K IOMMU instances, in IOMMU groups, in the order the consumers meet
 * them. A fleet is stored compactly: the instances, the distinct group shapes ("classes": an
 * instance and the full properties of each member device, in order), and one class index per
 * group (an Int32Array), so a million devices take a few megabytes.
 *
 * Generated fleets draw every choice from the experiment's distributions with one seeded
 * generator (see ./rng), in a fixed order: the same seed gives the same fleet everywhere.
 */
import type { DeviceSpec, InstanceSpec, PlatformSpec } from "../../lib/platform.ts";
import type { Props } from "../../lib/model.ts";
import { drivers } from "../../hardware/index.ts";
import type { DeviceTemplate, Experiment, GeneratedPlatform, GroupTemplate, PresetPlatform, PropDist } from "./load.ts";
import { cumulative, Rng } from "./rng.ts";

export interface GroupClass {
  /** Canonical key: instance index and every member's properties, in order. */
  key: string;
  instance: number;
  members: DeviceTemplate[];
}

export interface Fleet {
  seed: number;
  instances: InstanceSpec[];
  classes: GroupClass[];
  /** Class index of each IOMMU group, in fleet order. */
  classOf: Int32Array;
  devices: number;
}

/**
 * Every fleet is made here, by one object literal: fleets from two literals would have two
 * hidden classes, and code V8 optimised for one (the sweep engine's loops) is thrown away when
 * the other comes.
 */
function fleetOf(seed: number, instances: InstanceSpec[], classes: GroupClass[], classOf: Int32Array, devices: number): Fleet {
  return { seed, instances, classes, classOf, devices };
}

/** Canonical key of a group shape. Property keys are sorted, so {} and the defaults agree. */
export function classKey(instance: number, members: readonly DeviceTemplate[]): string {
  const m = members.map((d) => {
    const props = Object.keys(d.props)
      .sort()
      .map((k) => `${k}=${JSON.stringify(d.props[k])}`)
      .join(";");
    return `${props}|${d.maxPasids}|${d.requireDirect ? 1 : 0}${d.attachDeferred ? 1 : 0}${d.ats ? 1 : 0}`;
  });
  return `${instance}#${m.join("#")}`;
}

class ClassTable {
  readonly classes: GroupClass[] = [];
  private readonly index = new Map<string, number>();

  intern(instance: number, members: DeviceTemplate[]): number {
    const key = classKey(instance, members);
    let i = this.index.get(key);
    if (i === undefined) {
      i = this.classes.length;
      this.classes.push({ key, instance, members });
      this.index.set(key, i);
    }
    return i;
  }
}

/** Largest-remainder split of `total` by `weights` (ties to the earlier entry). */
function apportion(total: number, weights: readonly number[]): number[] {
  const sum = weights.reduce((a, b) => a + b, 0);
  const exact = weights.map((w) => (w / sum) * total);
  const out = exact.map(Math.floor);
  let left = total - out.reduce((a, b) => a + b, 0);
  const order = exact.map((e, i) => ({ i, r: e - Math.floor(e) })).sort((a, b) => b.r - a.r || a.i - b.i);
  for (const { i } of order) {
    if (left-- <= 0) break;
    out[i]!++;
  }
  return out;
}

interface Drawer {
  dists: PropDist[];
  cums: number[][];
  /** Mixed-radix multipliers: a member's code is sum(index * mult). */
  mult: number[];
}

function drawer(dists: PropDist[]): Drawer {
  const mult: number[] = [];
  let m = 1;
  for (const d of dists) {
    mult.push(m);
    m *= d.values.length;
  }
  return { dists, cums: dists.map((d) => cumulative(d.weights)), mult };
}

function drawProps(rng: Rng, d: Drawer): Props {
  const out: Props = {};
  d.dists.forEach((dist, i) => (out[dist.name] = dist.values[rng.pick(d.cums[i]!)]!));
  return out;
}

/** One draw of every property, as a mixed-radix code. */
function drawCode(rng: Rng, d: Drawer): number {
  let code = 0;
  for (let i = 0; i < d.dists.length; i++) if (d.cums[i]!.length > 1) code += rng.pick(d.cums[i]!) * d.mult[i]!;
  return code;
}

function decode(d: Drawer, code: number): Props {
  const out: Props = {};
  d.dists.forEach((dist, i) => (out[dist.name] = dist.values[Math.floor(code / d.mult[i]!) % dist.values.length]!));
  return out;
}

function generated(p: GeneratedPlatform, total: number, seed: number): Fleet {
  const rng = new Rng(seed);
  const counts = apportion(p.instances, p.drivers.map((d) => d.weight));
  const order: string[] = [];
  p.drivers.forEach((d, i) => {
    for (let n = 0; n < counts[i]!; n++) order.push(d.id);
  });
  rng.shuffle(order);
  const instances: InstanceSpec[] = order.map((driver, i) => ({ id: `iommu${i}`, driver, props: drawProps(rng, drawer(p.instanceProps[driver]!)) }));
  const devDrawers = new Map(p.drivers.map((d) => [d.id, drawer(p.deviceProps[d.id]!)]));
  // Device models: one property draw each (a code in the drawer's mixed radix), Zipf-weighted.
  const models = new Map<string, { codes: number[]; cum: number[] }>();
  for (const d of p.drivers) {
    const dr = devDrawers.get(d.id)!;
    const codes: number[] = [];
    for (let m = 0; m < p.models; m++) codes.push(drawCode(rng, dr));
    models.set(d.id, { codes, cum: cumulative(codes.map((_, m) => 1 / (m + 1))) });
  }
  const sizeCum = cumulative(p.groupSize.weights);
  const table = new ClassTable();
  // Interning by a short key of the member codes; the full key is built once per class. With
  // device models and no per-device flags a group is (instance, model, size): a number.
  const seen = new Map<string, number>();
  const seenFast = new Map<number, number>();
  const fast = p.models > 0 && p.requireDirect === 0 && p.attachDeferred === 0;
  const single = instances.map((i) => drivers.get(i.driver)!.singletonGroups === true);
  const instModels = instances.map((i) => models.get(i.driver)!);
  const instDrawers = instances.map((i) => devDrawers.get(i.driver)!);
  let classOf = new Int32Array(Math.min(total, 1 << 16));
  let groups = 0;
  let left = total;
  const codes: number[] = [];
  while (left > 0) {
    const inst = rng.int(0, instances.length - 1);
    const size = Math.min(single[inst] ? 1 : p.groupSize.values[rng.pick(sizeCum)]!, left);
    const d = instDrawers[inst]!;
    const model = instModels[inst]!;
    const mi = p.models > 0 ? rng.pick(model.cum) : -1;
    if (groups === classOf.length) {
      const grown = new Int32Array(Math.min(total, classOf.length * 2));
      grown.set(classOf);
      classOf = grown;
    }
    if (fast) {
      const key = (inst * p.models + mi) * 65 + size;
      let c = seenFast.get(key);
      if (c === undefined) {
        const props = decode(d, model.codes[mi]!);
        c = table.intern(inst, Array.from({ length: size }, () => ({ props: { ...props }, maxPasids: 0, requireDirect: false, attachDeferred: false, ats: false })));
        seenFast.set(key, c);
      }
      classOf[groups++] = c;
      left -= size;
      continue;
    }
    const shared = mi >= 0 ? model.codes[mi]! : -1;
    codes.length = 0;
    for (let m = 0; m < size; m++) {
      const code = shared >= 0 ? shared : drawCode(rng, d);
      let flags = 0;
      if (p.requireDirect > 0 && rng.unit() < p.requireDirect) flags |= 1;
      if (p.attachDeferred > 0 && rng.unit() < p.attachDeferred) flags |= 2;
      codes.push(code * 4 + flags);
    }
    const short = `${inst}:${codes.join(",")}`;
    let c = seen.get(short);
    if (c === undefined) {
      const members = codes.map((x) => ({ props: decode(d, Math.floor(x / 4)), maxPasids: 0, requireDirect: (x & 1) !== 0, attachDeferred: (x & 2) !== 0, ats: false }));
      c = table.intern(inst, members);
      seen.set(short, c);
    }
    classOf[groups++] = c;
    left -= size;
  }
  return fleetOf(seed, instances, table.classes, classOf.slice(0, groups), total);
}

function preset(p: PresetPlatform, total: number, seed: number): Fleet {
  const table = new ClassTable();
  const full = p.groups.map((g: GroupTemplate) => table.intern(g.instance, g.members));
  const seq: number[] = [];
  let left = total;
  for (let j = 0; left > 0; j++) {
    const t = j % p.groups.length;
    const g = p.groups[t]!;
    if (g.members.length <= left) {
      seq.push(full[t]!);
      left -= g.members.length;
    } else {
      seq.push(table.intern(g.instance, g.members.slice(0, left))); // the last group, cut to fit
      left = 0;
    }
  }
  const classOf = Int32Array.from(seq);
  if (p.order === "shuffled") new Rng(seed).shuffle(classOf);
  return fleetOf(seed, p.instances.map((i) => ({ ...i, props: { ...i.props } })), table.classes, classOf, total);
}

/** The fleet of one seed. */
export function makeFleet(exp: Experiment, seed: number): Fleet {
  return exp.platform.kind === "preset" ? preset(exp.platform, exp.devices, seed) : generated(exp.platform, exp.devices, seed);
}

/** Group ids are g0, g1, ... in fleet order; device k of group j is gj.k. */
export function groupId(j: number): string {
  return `g${j}`;
}

/** The devices of group `j`, as buildPlatform takes them (under another group id if given). */
export function groupDevices(fleet: Fleet, j: number, gid = groupId(j)): DeviceSpec[] {
  const c = fleet.classes[fleet.classOf[j]!]!;
  const inst = fleet.instances[c.instance]!.id;
  return c.members.map((m, k) => ({
    id: `${gid}.${k}`,
    instance: inst,
    group: gid,
    props: { ...m.props },
    maxPasids: m.maxPasids,
    requireDirect: m.requireDirect,
    attachDeferred: m.attachDeferred,
    ats: m.ats,
  }));
}

/** The whole fleet as one platform (every device an object: small fleets only). */
export function fleetPlatform(fleet: Fleet): PlatformSpec {
  const devices: DeviceSpec[] = [];
  for (let j = 0; j < fleet.classOf.length; j++) devices.push(...groupDevices(fleet, j));
  return { instances: fleet.instances.map((i) => ({ ...i, props: { ...i.props } })), devices };
}

/** The fleet as deterministic JSON in the scenario file's shape (instances, devices; no steps). */
export function fleetJson(fleet: Fleet): string {
  const p = fleetPlatform(fleet);
  const devices = p.devices.map((d) => {
    const shape = drivers.get(fleet.instances.find((i) => i.id === d.instance)!.driver)!.deviceProps;
    const props: Props = {};
    for (const name of Object.keys(shape)) props[name] = d.props![name]!;
    const out: Record<string, unknown> = { id: d.id, instance: d.instance, group: d.group, props };
    if (d.maxPasids) out["maxPasids"] = d.maxPasids;
    if (d.requireDirect) out["requireDirect"] = true;
    if (d.attachDeferred) out["attachDeferred"] = true;
    if (d.ats) out["ats"] = true;
    return out;
  });
  return JSON.stringify({ seed: fleet.seed, instances: p.instances, devices }, null, 2);
}

/** Number of IOMMU groups. */
export function fleetGroups(fleet: Fleet): number {
  return fleet.classOf.length;
}
