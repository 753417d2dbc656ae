/**
 * Driver properties: each one carries its type and range, its default, what it means and the
 * kernel field or test it stands for. A driver declares one shape per bag (instance, device,
 * domain); from it come the typed props its checks read (`c.dev.props.ssidBits`), the defaults a
 * platform fills in, the checks of scenario and experiment files, the JSON Schemas (propZod: a
 * zod schema, `.describe()` and `.meta({ kernel })`) and `iommu-lab drivers`.
 *
 * A property is plain data; its zod schema is made the first time one is asked for. Loading the
 * drivers then builds no zod schema (about a hundred of them, each ~0.1 ms while zod is cold:
 * most of a notebook's import cell's time in hardware/), and the compiled library loads zod only
 * when something validates with it (scripts/build.cjs, lazy requires).
 *
 * The exported types do not name zod: a notebook cell importing the compiled library then does
 * not parse zod's declarations (see scripts/build-slim-dts.cjs). A PropSchema is seen through its
 * value type only.
 */
import { z } from "zod";

export type PropValue = number | boolean | string;

/** A props bag (model.ts Props; not imported, so that this module sits below model.ts). */
type Props = Record<string, PropValue>;

/** One property, with a default. Build it with int(), flag(), text(), oneOf() or span(). */
export interface PropSchema<T extends PropValue = PropValue> {
  /** The type of its values (a type only). */
  readonly _output: T;
}

/** What a PropSchema is at run time. */
interface PropDef {
  readonly type: "number" | "boolean" | "string";
  readonly def: PropValue;
  readonly kernel: string;
  readonly what: string;
  /** int(): the inclusive range. */
  readonly min?: number;
  readonly max?: number;
  /** oneOf(): the values. */
  readonly values?: readonly [string, ...string[]];
}
const prop = <T extends PropValue>(d: PropDef) => d as unknown as PropSchema<T>;
const defOf = (s: PropSchema) => s as unknown as PropDef;

/** A bag's properties by name. */
export type PropShape = { readonly [name: string]: PropSchema };

/** The values of a bag, every property present (defaults filled in). */
export type PropsOf<S extends PropShape> = { -readonly [K in keyof S]: S[K]["_output"] };

/** The three bags of a driver. */
export interface PropShapes {
  instance: PropShape;
  device: PropShape;
  domain: PropShape;
}

/** Largest number a property takes unless it says otherwise (the widest is a 32-bit mask or id). */
export const NUMBER_MAX = 0xffff_ffff;

/**
 * An integer property. Every documented number is a count, an index, a width or a mask: from 0
 * (from -1, "none", when the default is negative) to NUMBER_MAX unless the hardware fixes a range.
 */
export function int(def: number, kernel: string, what: string, range: { min?: number; max?: number } = {}): PropSchema<number> {
  return prop({ type: "number", def, kernel, what, min: range.min ?? (def < 0 ? -1 : 0), max: range.max ?? NUMBER_MAX });
}

export function flag(def: boolean, kernel: string, what: string): PropSchema<boolean> {
  return prop({ type: "boolean", def, kernel, what });
}

export function text(def: string, kernel: string, what: string): PropSchema<string> {
  return prop({ type: "string", def, kernel, what });
}

/** A string with a fixed set of values (a stage, a page-table mode). */
export function oneOf<const T extends readonly [string, ...string[]]>(values: T, def: T[number], kernel: string, what: string): PropSchema<T[number]> {
  return prop({ type: "string", def, kernel, what, values });
}

/** Properties written "start-end" (hex or decimal), e.g. s390's zdev->start_dma/end_dma. */
const SPANS = new WeakSet<PropSchema>();

/** A "start-end" range property; "" (no range) is valid only when it is the default. */
export function span(def: string, kernel: string, what: string): PropSchema<string> {
  const s = text(def, kernel, what);
  SPANS.add(s);
  return s;
}

/** Is `s` a span() ("start-end") property? */
export function isSpan(s: PropSchema): boolean {
  return SPANS.has(s);
}

const ZOD = new WeakMap<PropSchema, z.ZodType>();

/**
 * The property as a zod schema with its default, description and `kernel` meta (made once). Typed
 * `unknown`, so that the declarations notebooks import do not name zod: callers cast (z.ZodType).
 */
export function propZod(s: PropSchema): unknown {
  let schema = ZOD.get(s);
  if (!schema) {
    const d = defOf(s);
    const base = d.values ? z.enum(d.values) : d.type === "number" ? z.number().int().min(d.min!).max(d.max!) : d.type === "boolean" ? z.boolean() : z.string();
    schema = (base as z.ZodType<PropValue>).default(d.def).describe(d.what).meta({ kernel: d.kernel });
    ZOD.set(s, schema);
  }
  return schema;
}

/** The inclusive range of an int() property, else null. */
export function propRange(s: PropSchema): { min: number; max: number } | null {
  const d = defOf(s);
  return d.type === "number" ? { min: d.min!, max: d.max! } : null;
}

/** "number", "boolean" or "string": the JavaScript type of the property's values. */
export function propValueType(s: PropSchema): "number" | "boolean" | "string" {
  return defOf(s).type;
}

export function propDefault(s: PropSchema): PropValue {
  return defOf(s).def;
}

export function propKernel(s: PropSchema): string {
  return defOf(s).kernel;
}

export function propWhat(s: PropSchema): string {
  return defOf(s).what;
}

/** The fixed values of a oneOf() property, else null. */
export function propValues(s: PropSchema): readonly string[] | null {
  return defOf(s).values ?? null;
}

/** A property as `iommu-lab drivers --json` lists it. */
export interface PropDoc {
  name: string;
  kernel: string;
  what: string;
  default: PropValue;
}

export function propDocs(shape: PropShape): PropDoc[] {
  return Object.keys(shape).map((name) => ({ name, kernel: propKernel(shape[name]!), what: propWhat(shape[name]!), default: propDefault(shape[name]!) }));
}

/** The schema of `name`, or undefined; own keys only ("__proto__" or "toString" is no property). */
export function propSchema(shape: PropShape, name: string): PropSchema | undefined {
  return Object.prototype.hasOwnProperty.call(shape, name) ? shape[name] : undefined;
}

export function propNames(shape: PropShape): string {
  return Object.keys(shape).join(", ") || "none";
}

const DEFAULTS = new WeakMap<PropShape, Props>();

/** Every property at its default (one object per shape, made once: copy before changing it). */
export function propDefaults(shape: PropShape): Readonly<Props> {
  let d = DEFAULTS.get(shape);
  if (!d) {
    d = {};
    for (const name of Object.keys(shape)) d[name] = propDefault(shape[name]!);
    DEFAULTS.set(shape, Object.freeze(d));
  }
  return d;
}

/** `given` over the defaults: a new bag holding every property. */
export function withPropDefaults(shape: PropShape, given: Props | undefined): Props {
  return Object.assign({}, propDefaults(shape), given);
}
