/**
 * Reading an experiment: JSON syntax, the zod schema, then the checks that need the drivers
 * (hardware/index.ts: drivers, properties, variants, eras). Every problem is an InputError naming the
 * file and the JSON path, like scenario files. The result is a resolved, plain-data
 * `Experiment` (it crosses to worker threads by structured clone).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { drivers as allDrivers } from "../../hardware/index.ts";
import type { DriverModel } from "../../lib/driver.ts";
import { propDefault, propNames, propSchema, type PropSchema, type PropShape, withPropDefaults } from "../../lib/props.ts";
import { ERA_IDS, ERAS, type EraId } from "../../lib/eras.ts";
import type { InstanceSpec } from "../../lib/platform.ts";
import type { Props } from "../../lib/model.ts";
import { propValueProblem } from "../../lib/scenario/props.ts";
import { pathKey, quote } from "../../lib/text.ts";
import { InputError, loadScenario, parseJson, readInputFile, validate } from "../../lib/scenario/load.ts";
import { type ConsumerKind, type DistInput, type ExperimentInput, ExperimentSchema } from "./schema.ts";

export type PropValue = number | boolean | string;

export interface Dist<T = PropValue> {
  values: T[];
  weights: number[];
}

export interface PropDist extends Dist {
  name: string;
}

/** One device of a group, with every property filled in (defaults included). */
export interface DeviceTemplate {
  props: Props;
  maxPasids: number;
  requireDirect: boolean;
  attachDeferred: boolean;
  ats: boolean;
}

export interface GroupTemplate {
  /** Index into the platform's instances. */
  instance: number;
  members: DeviceTemplate[];
}

export interface PresetPlatform {
  kind: "preset";
  name: string;
  file: string;
  order: "shuffled" | "listed";
  instances: InstanceSpec[];
  /** The preset's IOMMU groups (devices without an IOMMU are left out). */
  groups: GroupTemplate[];
}

export interface GeneratedPlatform {
  kind: "generate";
  instances: number;
  drivers: Array<{ id: string; weight: number }>;
  instanceProps: Record<string, PropDist[]>;
  deviceProps: Record<string, PropDist[]>;
  groupSize: Dist<number>;
  models: number;
  requireDirect: number;
  attachDeferred: number;
}

export interface Experiment {
  name: string;
  description: string;
  /** The file it came from, or "<experiment>" for an object. */
  source: string;
  platform: PresetPlatform | GeneratedPlatform;
  devices: number;
  consumers: ConsumerKind[];
  vfioType: "v2" | "nesting";
  contextSize: number;
  eras: EraId[];
  variants: string[][];
  seeds: number[];
  domainsPerContext: number;
  /** Drivers the platform uses. */
  drivers: string[];
}

/**
 * The project's root. Under CommonJS (tsx, tslab) from this file's folder. Deno's Jupyter kernel
 * loads lib/ as ES modules, which have no __dirname: there the root is the nearest folder, from
 * the working directory up, that holds hardware/platforms (a notebook kernel starts in notebooks/).
 */
function projectRoot(): string {
  if (typeof __dirname === "string") return path.resolve(__dirname, "../..");
  for (let dir = process.cwd(); ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, "hardware", "platforms"))) return dir;
    if (path.dirname(dir) === dir) return process.cwd();
  }
}

export const PRESET_DIR = path.join(projectRoot(), "hardware", "platforms");

/** Largest fleet (see README "Limits"): the fleet is materialised per cell. */
export const MAX_FLEET_DEVICES = 2_000_000;
/** Most work per sweep: devices times cells (mixed-fleet-all-eras: 10^6 x 6). */
export const MAX_DEVICE_CELLS = 20_000_000;

/** Default cap on a context's domain list (see README "Experiments"). */
export const DEFAULT_DOMAINS_PER_CONTEXT = 1024;

/**
 * Alternatives for a few property names that real fleets vary (address widths, SSID bits, DMA
 * ranges): drivers that document a property of that name and type get the mix. Every other
 * property keeps its documented default, except booleans, flipped on 1 in 20.
 */
const HINTS: Record<string, Dist> = {
  addressWidth: { values: [48, 39, 57], weights: [6, 3, 1] },
  ssidBits: { values: [0, 20, 5], weights: [6, 3, 1] },
  numStreams: { values: [1, 2], weights: [9, 1] },
  dmaRange: { values: ["0x100000000-0x3ffffffffff", "0x40000000000-0x7ffffffffff"], weights: [3, 1] },
};

/** The default distribution of a property. */
export function defaultDist(name: string, schema: PropSchema): PropDist {
  const def = propDefault(schema);
  const hint = HINTS[name];
  if (hint && hint.values.every((v) => typeof v === typeof def)) {
    if (hint.values.includes(def)) return { name, values: hint.values.slice(), weights: hint.weights.slice() };
    return { name, values: [def, ...hint.values], weights: [Math.max(...hint.weights), ...hint.weights] };
  }
  if (typeof def === "boolean") return { name, values: [def, !def], weights: [19, 1] };
  return { name, values: [def], weights: [1] };
}

function err(file: string, where: string, msg: string): InputError {
  return new InputError(`${file}: ${where}`, msg);
}

function toDist<T extends PropValue>(d: T | { values: T[]; weights?: number[] | undefined }, file: string, where: string): Dist<T> {
  if (typeof d !== "object") return { values: [d], weights: [1] };
  const weights = d.weights ?? d.values.map(() => 1);
  if (weights.length !== d.values.length) throw err(file, `${where}.weights`, `expected ${d.values.length} weights (one per value), got ${weights.length}`);
  checkWeightSum(weights, file, `${where}.weights`);
  return { values: d.values.slice(), weights: weights.slice() };
}

/** Weights are drawn from by their sum: a sum that overflows to Infinity would change the mix silently. */
function checkWeightSum(weights: readonly number[], file: string, where: string): void {
  let sum = 0;
  for (const w of weights) sum += w;
  if (!Number.isFinite(sum)) throw err(file, where, `the weights add up to more than ${Number.MAX_VALUE.toExponential(3)}; use smaller numbers (only their ratios matter)`);
}

function propDists(
  driver: DriverModel,
  shape: PropShape,
  given: Record<string, DistInput> | undefined,
  file: string,
  where: string,
): PropDist[] {
  for (const [name, d] of Object.entries(given ?? {})) {
    const at = `${where}${pathKey(name)}`;
    const doc = propSchema(shape, name);
    if (!doc) throw err(file, at, `unknown property of ${driver.id} (known: ${propNames(shape)})`);
    const dist = toDist(d, file, at);
    dist.values.forEach((v, i) => {
      const problem = propValueProblem(doc, v);
      if (problem) throw err(file, typeof d === "object" ? `${at}.values[${i}]` : at, problem);
    });
  }
  const out = Object.keys(shape).map((name) => {
    const d = given?.[name];
    return d === undefined ? defaultDist(name, shape[name]!) : { name, ...toDist(d, file, `${where}.${name}`) };
  });
  let combos = 1;
  for (const d of out) combos *= d.values.length;
  if (combos > 2 ** 40) throw err(file, where, `too many property combinations (${combos}); pin some properties`);
  return out;
}

function driverOrThrow(id: string, file: string, where: string): DriverModel {
  const d = allDrivers.get(id);
  if (!d) throw err(file, where, `unknown driver ${quote(id)} (known: ${allDrivers.ids.join(", ")})`);
  return d;
}


function resolvePreset(p: ExperimentInput["platform"], file: string): PresetPlatform {
  const name = p.preset!.replace(/\.json$/, "");
  const presetFile = path.join(PRESET_DIR, `${name}.json`);
  if (!fs.existsSync(presetFile)) {
    const known = fs.existsSync(PRESET_DIR) ? fs.readdirSync(PRESET_DIR).filter((f) => f.endsWith(".json")).map((f) => f.replace(/\.json$/, "")).sort() : [];
    throw err(file, "platform.preset", `no preset "${name}" under hardware/platforms (known: ${known.join(", ")})`);
  }
  const s = loadScenario(presetFile, allDrivers);
  const instances: InstanceSpec[] = s.instances.map((i) => ({ id: i.id, driver: i.driver, props: withPropDefaults(allDrivers.get(i.driver)!.instanceProps, i.props) }));
  const index = new Map(instances.map((i, n) => [i.id, n]));
  const groups = new Map<string, GroupTemplate>();
  for (const d of s.devices) {
    if (!d.instance) continue;
    const inst = index.get(d.instance)!;
    const gid = d.group ?? d.id;
    let g = groups.get(gid);
    if (!g) groups.set(gid, (g = { instance: inst, members: [] }));
    g.members.push({
      props: withPropDefaults(allDrivers.get(instances[inst]!.driver)!.deviceProps, d.props),
      maxPasids: d.maxPasids ?? 0,
      requireDirect: d.requireDirect ?? false,
      attachDeferred: d.attachDeferred ?? false,
      ats: d.ats ?? false,
    });
  }
  if (groups.size === 0) throw err(file, "platform.preset", `preset "${name}" has no device behind an IOMMU`);
  return { kind: "preset", name, file: presetFile, order: p.order ?? "shuffled", instances, groups: [...groups.values()] };
}

function resolveGenerated(g: NonNullable<ExperimentInput["platform"]["generate"]>, eras: readonly EraId[] | undefined, file: string): GeneratedPlatform {
  const where = "platform.generate";
  let drivers: Array<{ id: string; weight: number }>;
  if (g.drivers) {
    drivers = Object.entries(g.drivers).map(([id, weight]) => (driverOrThrow(id, file, `${where}.drivers${pathKey(id)}`), { id, weight }));
    if (drivers.length === 0) throw err(file, `${where}.drivers`, "expected at least one driver");
    checkWeightSum(drivers.map((d) => d.weight), file, `${where}.drivers`);
  } else {
    // Every registered driver that exists in every era of the experiment (all six by default).
    const need = eras ?? ERA_IDS;
    drivers = allDrivers.list.filter((d) => need.every((e) => d.exists.includes(e))).map((d) => ({ id: d.id, weight: 1 }));
    if (drivers.length === 0) throw err(file, `${where}.drivers`, `no registered driver exists in every era of ${need.join(", ")}; name the drivers`);
  }
  const mix = new Set(drivers.map((d) => d.id));
  const byDriver = (given: Record<string, Record<string, DistInput>> | undefined, kind: "instanceProps" | "deviceProps") => {
    const out: Record<string, PropDist[]> = {};
    for (const id of Object.keys(given ?? {})) {
      driverOrThrow(id, file, `${where}.${kind}${pathKey(id)}`);
      if (!mix.has(id)) throw err(file, `${where}.${kind}${pathKey(id)}`, `driver ${id} is not in the platform's driver mix (${[...mix].join(", ")})`);
    }
    for (const d of drivers) {
      const model = allDrivers.get(d.id)!;
      out[d.id] = propDists(model, model[kind], given?.[d.id], file, `${where}.${kind}.${d.id}`);
    }
    return out;
  };
  return {
    kind: "generate",
    instances: g.instances,
    drivers,
    instanceProps: byDriver(g.instanceProps, "instanceProps"),
    deviceProps: byDriver(g.deviceProps, "deviceProps"),
    groupSize: g.groupSize === undefined ? { values: [1, 2, 4], weights: [17, 2, 1] } : toDist(g.groupSize, file, `${where}.groupSize`),
    models: g.models ?? 4,
    requireDirect: g.requireDirect ?? 0,
    attachDeferred: g.attachDeferred ?? 0,
  };
}

/** Validate a parsed experiment and resolve every default. `file` names it in errors. */
export function resolveExperiment(data: unknown, file = "<experiment>"): Experiment {
  const x = validate(ExperimentSchema, data, file);
  const p = x.platform;
  if ((p.preset === undefined) === (p.generate === undefined)) throw err(file, "platform", 'expected exactly one of "preset" or "generate"');
  if (p.order !== undefined && p.preset === undefined) throw err(file, "platform.order", '"order" applies to preset platforms only');
  if (x.eras) {
    const seen = new Set<string>();
    x.eras.forEach((e, i) => {
      if (seen.has(e)) throw err(file, `eras[${i}]`, `era ${e} is listed twice`);
      seen.add(e);
    });
  }
  const platform = p.preset !== undefined ? resolvePreset(p, file) : resolveGenerated(p.generate!, x.eras, file);
  const drivers = platform.kind === "preset" ? [...new Set(platform.instances.map((i) => i.driver))] : platform.drivers.map((d) => d.id);
  let eras: EraId[];
  if (x.eras) {
    eras = x.eras.slice();
    eras.forEach((e, i) => {
      const missing = drivers.filter((d) => !allDrivers.get(d)!.exists.includes(e));
      if (missing.length) throw err(file, `eras[${i}]`, `${missing.join(", ")} ${missing.length > 1 ? "do" : "does"} not exist in era ${e} (${ERAS[e].dates})`);
    });
  } else {
    eras = ERA_IDS.filter((e) => drivers.every((d) => allDrivers.get(d)!.exists.includes(e)));
    if (eras.length === 0) throw err(file, "eras", `no era in which every driver of the platform exists (${drivers.join(", ")}); list the eras or change the drivers`);
  }
  const consumers = typeof x.consumer === "string" ? [x.consumer] : x.consumer.slice();
  consumers.forEach((c, i) => {
    if (consumers.indexOf(c) !== i) throw err(file, `consumer[${i}]`, `consumer ${c} is listed twice`);
  });
  if (x.vfioType !== undefined && !consumers.includes("vfio-type1")) throw err(file, "vfioType", 'applies to the "vfio-type1" consumer only');
  const variants = (x.variants ?? [[]]).map((set, i) =>
    set.map((v, j) => {
      const problem = allDrivers.variantProblem(v);
      if (problem) throw err(file, `variants[${i}][${j}]`, problem);
      if (set.indexOf(v) !== j) throw err(file, `variants[${i}][${j}]`, `variant ${v} is listed twice in this set`);
      return v;
    }),
  );
  const seeds = x.seeds ?? [1];
  const cells = consumers.length * eras.length * variants.length * seeds.length;
  if (cells > 10_000) throw err(file, "seeds", `${cells} sweep cells (consumers x eras x variants x seeds); at most 10000`);
  if (x.devices > MAX_FLEET_DEVICES) throw err(file, "devices", `${x.devices} devices; at most ${MAX_FLEET_DEVICES} (limit MAX_FLEET_DEVICES)`);
  if (x.devices * cells > MAX_DEVICE_CELLS) {
    throw err(file, "devices", `${x.devices} devices x ${cells} cells (consumers x eras x variants x seeds) = ${x.devices * cells} device-cells; at most ${MAX_DEVICE_CELLS} (limit MAX_DEVICE_CELLS)`);
  }
  return {
    name: x.name,
    description: x.description ?? "",
    source: file,
    platform,
    devices: x.devices,
    consumers,
    vfioType: x.vfioType ?? "v2",
    contextSize: x.contextSize ?? 0,
    eras,
    variants,
    seeds,
    domainsPerContext: x.limits?.domainsPerContext ?? DEFAULT_DOMAINS_PER_CONTEXT,
    drivers,
  };
}

/** The files a sweep of `exp` reads: its experiment file and its preset (an output must not touch them). */
export function experimentInputs(exp: Experiment): string[] {
  return [...(exp.source !== "<experiment>" ? [exp.source] : []), ...(exp.platform.kind === "preset" ? [exp.platform.file] : [])];
}

/** Read, parse, validate and resolve an experiment file. */
export function loadExperiment(file: string): Experiment {
  return resolveExperiment(parseJson(readInputFile(file), file), file);
}

/** An experiment given as a file name, a parsed object or an already resolved one. */
export function toExperiment(input: string | object): Experiment {
  if (typeof input === "string") return loadExperiment(input);
  if (isResolved(input)) return input;
  return resolveExperiment(input);
}

function isResolved(x: object): x is Experiment {
  const e = x as Partial<Experiment>;
  return typeof e.source === "string" && Array.isArray(e.consumers) && typeof e.platform === "object" && e.platform !== null && "kind" in e.platform;
}
