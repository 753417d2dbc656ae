/**
 * Driver properties as zod schemas: each one carries its type and range, its default, what it
 * means (`.describe()`) and the kernel field or test it stands for (`.meta({ kernel })`). A
 * driver declares one shape per bag (instance, device, domain); from it come the typed props its
 * checks read (`c.dev.props.ssidBits`), the defaults a platform fills in, the checks of scenario
 * and experiment files, the JSON Schemas and `iommu-lab drivers`.
 *
 * The exported types do not name zod: a notebook cell importing the compiled library then does
 * not parse zod's declarations (see scripts/build-slim-dts.cjs). A PropSchema is a zod schema
 * seen through its value type only.
 */
import { z } from "zod";

export type PropValue = number | boolean | string;

/** A props bag (model.ts Props; not imported, so that this module sits below model.ts). */
type Props = Record<string, PropValue>;

/** One property: a zod schema with a default. Build it with int(), flag(), text(), oneOf() or span(). */
export interface PropSchema<T extends PropValue = PropValue> {
  /** The type of its values (zod's own `_output`, a type only). */
  readonly _output: T;
}

/** What a PropSchema is at run time. */
type ZodProp = z.ZodDefault<z.ZodNumber | z.ZodBoolean | z.ZodString | z.ZodEnum<Readonly<Record<string, string>>>>;
const zod = (s: PropSchema) => s as unknown as ZodProp;

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
  const min = range.min ?? (def < 0 ? -1 : 0);
  return z.number().int().min(min).max(range.max ?? NUMBER_MAX).default(def).describe(what).meta({ kernel });
}

export function flag(def: boolean, kernel: string, what: string): PropSchema<boolean> {
  return z.boolean().default(def).describe(what).meta({ kernel });
}

export function text(def: string, kernel: string, what: string): PropSchema<string> {
  return z.string().default(def).describe(what).meta({ kernel });
}

/** A string with a fixed set of values (a stage, a page-table mode). */
export function oneOf<const T extends readonly [string, ...string[]]>(values: T, def: T[number], kernel: string, what: string): PropSchema<T[number]> {
  return z.enum(values).default(def).describe(what).meta({ kernel }) as unknown as PropSchema<T[number]>;
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

/** The schema without its default. */
function inner(s: PropSchema) {
  return zod(s).def.innerType;
}

/** The inclusive range of an int() property, else null. */
export function propRange(s: PropSchema): { min: number; max: number } | null {
  const i = inner(s);
  return i instanceof z.ZodNumber ? { min: i.minValue ?? -Infinity, max: i.maxValue ?? Infinity } : null;
}

/** "number", "boolean" or "string": the JavaScript type of the property's values. */
export function propValueType(s: PropSchema): "number" | "boolean" | "string" {
  let t = VALUE_TYPES.get(s);
  if (t === undefined) {
    const i = inner(s);
    t = i instanceof z.ZodNumber ? "number" : i instanceof z.ZodBoolean ? "boolean" : "string";
    VALUE_TYPES.set(s, t);
  }
  return t;
}

/** propValueType per schema, found once: zod's instanceof walks the schema's traits, and buildPlatform asks for every property of every device. */
const VALUE_TYPES = new WeakMap<PropSchema, "number" | "boolean" | "string">();

export function propDefault(s: PropSchema): PropValue {
  return zod(s).def.defaultValue as PropValue;
}

export function propKernel(s: PropSchema): string {
  return String(z.globalRegistry.get(zod(s))?.["kernel"] ?? "");
}

export function propWhat(s: PropSchema): string {
  return zod(s).description ?? "";
}

/** The fixed values of a oneOf() property, else null. */
export function propValues(s: PropSchema): readonly string[] | null {
  const i = inner(s);
  return i instanceof z.ZodEnum ? (i.options as string[]) : null;
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
