/**
 * Reading a scenario: JSON syntax (with line and column), the zod schema (with the JSON path),
 * then the references between ids. Every problem becomes an `InputError`.
 */
import * as fs from "node:fs";
import { type JSONPath, type ParseErrorCode, printParseErrorCode, visit } from "jsonc-parser";
import type { ZodType } from "zod";
import type { DriverSet } from "../model.ts";
import { propNames, propSchema, type PropShape } from "../props.ts";
import { propValueProblem } from "./props.ts";
import { SCENARIO_LISTS, type Scenario, ScenarioSchema, ScenarioShellSchema } from "./schema.ts";
import { oneLine, pathKey, quote } from "../text.ts";

/** Largest input file read (see README "Limits"). */
export const MAX_INPUT_BYTES = 16 * 1024 * 1024;
/** Deepest nesting of arrays and objects in an input file (scenarios and experiments need 5). */
export const MAX_JSON_DEPTH = 64;
/** Most items in one JSON list (the longest lists a file may hold: 100,000 devices or steps). */
export const MAX_JSON_ITEMS = 100_000;
/** Most keys in one JSON object (the widest: a driver mix or a property record). */
export const MAX_JSON_KEYS = 1_000;
/** Most device-steps a scenario may ask for: each step counts the devices of the group it acts on. */
export const MAX_DEVICE_STEPS = 5_000_000;
/** Keys that name JavaScript's object machinery: a record would drop them silently. */
const FORBIDDEN_KEYS = new Set(["__proto__", "constructor", "prototype"]);

/** Bad input: names the file, the JSON path (or line) and what was expected. */
export class InputError extends Error {
  constructor(
    readonly where: string,
    message: string,
  ) {
    // One bounded line, control characters escaped: `where` may hold a user's file name.
    super(oneLine(`${where}: ${message}`));
    this.name = "InputError";
  }
}

/** ["steps", 3, "domain"] -> "steps[3].domain" */
export function jsonPath(path: ReadonlyArray<PropertyKey>): string {
  let out = "";
  for (const p of path) out += typeof p === "number" ? `[${p}]` : pathKey(String(p), out === "");
  return out || "(top level)";
}

function lineCol(text: string, pos: number): string {
  const before = text.slice(0, pos).split("\n");
  return `line ${before.length}, column ${before[before.length - 1]!.length + 1}`;
}

/** The offset of the first bracket nested deeper than MAX_JSON_DEPTH, or -1 (strings skipped). */
function tooDeepAt(text: string): number {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > MAX_JSON_DEPTH) return i;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return -1;
}

/**
 * JSON.parse with the error located by line and column. Before it, one pass of jsonc-parser in
 * strict mode (plain JSON: no comments, no trailing commas) locates syntax errors, and refuses
 * what JSON.parse would take silently: a duplicate key (the last one would win) and the keys of
 * JavaScript's object machinery. Nesting is bounded first (the parsers recurse).
 */
export function parseJson(text: string, file: string): unknown {
  if (text.trim() === "") throw new InputError(file, "the file is empty (expected a JSON object)");
  const deep = tooDeepAt(text);
  if (deep >= 0) throw new InputError(`${file}, ${lineCol(text, deep)}`, `nested more than ${MAX_JSON_DEPTH} levels deep (limit MAX_JSON_DEPTH)`);
  // The visitor throws at the first problem, which ends the pass there.
  const open: Array<{ n: number; keys: Set<string> | null }> = [];
  const at = (line: number, col: number, path: string, msg: string) => new InputError(`${file}, line ${line + 1}, column ${col + 1}${path ? `: ${path}` : ""}`, msg);
  const value = (line: number, col: number, pathSupplier: () => JSONPath) => {
    const top = open[open.length - 1];
    if (top && !top.keys && ++top.n > MAX_JSON_ITEMS) throw at(line, col, jsonPath(pathSupplier()), `more than ${MAX_JSON_ITEMS} items in one list (limit MAX_JSON_ITEMS)`);
  };
  visit(
    text,
    {
      onObjectBegin: (_o, _l, line, col, pathSupplier) => {
        value(line, col, pathSupplier);
        open.push({ n: 0, keys: new Set() });
      },
      onArrayBegin: (_o, _l, line, col, pathSupplier) => {
        value(line, col, pathSupplier);
        open.push({ n: 0, keys: null });
      },
      onObjectEnd: () => void open.pop(),
      onArrayEnd: () => void open.pop(),
      onLiteralValue: (_v, _o, _l, line, col, pathSupplier) => value(line, col, pathSupplier),
      onObjectProperty: (name, _o, _l, line, col, pathSupplier) => {
        const seen = open[open.length - 1]!.keys!;
        const where = () => jsonPath([...pathSupplier(), name]); // built only for an error: it copies the path
        if (FORBIDDEN_KEYS.has(name)) throw at(line, col, where(), `the key ${quote(name)} is not allowed`);
        if (seen.has(name)) throw at(line, col, where(), `duplicate key ${quote(name)} (JSON keys must be unique in an object)`);
        if (seen.size >= MAX_JSON_KEYS) throw at(line, col, jsonPath(pathSupplier()), `more than ${MAX_JSON_KEYS} keys in one object (limit MAX_JSON_KEYS)`);
        seen.add(name);
      },
      onError: (error: ParseErrorCode, _o, _l, line, col) => {
        throw at(line, col, "", `invalid JSON: ${describeJsonError(printParseErrorCode(error))}`);
      },
    },
    { allowTrailingComma: false, disallowComments: true, allowEmptyContent: false },
  );
  return JSON.parse(text);
}

function describeJsonError(code: string): string {
  const words: Record<string, string> = {
    InvalidSymbol: "unexpected character",
    PropertyNameExpected: "expected a double-quoted property name",
    ValueExpected: "expected a value",
    ColonExpected: "expected ':'",
    CommaExpected: "expected ','",
    CloseBraceExpected: "expected '}'",
    CloseBracketExpected: "expected ']'",
    EndOfFileExpected: "unexpected text after the end of the JSON value",
    UnexpectedEndOfString: "unterminated string",
    InvalidCommentToken: "comments are not allowed in JSON",
  };
  return words[code] ?? code;
}

/** Validate with a zod schema; the first issue becomes an InputError naming its JSON path. */
export function validate<T>(schema: ZodType<T>, data: unknown, file: string): T {
  refuseForbiddenKeys(data, [], file);
  return validateAt(schema, data, file, []);
}

/** `data` sits at `path` in the file. */
function validateAt<T>(schema: ZodType<T>, data: unknown, file: string, path: PropertyKey[]): T {
  const r = schema.safeParse(data);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  let msg = issue.message;
  if (issue.code === "unrecognized_keys") msg = `Unrecognized key${issue.keys.length > 1 ? "s" : ""}: ${issue.keys.slice(0, 3).map((k) => quote(k)).join(", ")}`;
  if (issue.code === "invalid_union" && "note" in issue && issue.note === "No matching discriminator") {
    msg = `unknown op (expected one of: ${opNames().join(", ")})`;
  }
  throw new InputError(`${file}: ${jsonPath([...path, ...issue.path])}`, msg);
}

/** A scenario's shape, then its lists item by item, stopping at the first bad item. */
function validateScenario(data: unknown, file: string): Scenario {
  const s = validate(ScenarioShellSchema, data, file) as Record<keyof typeof SCENARIO_LISTS, unknown[]>;
  for (const key of Object.keys(SCENARIO_LISTS) as Array<keyof typeof SCENARIO_LISTS>) {
    s[key] = s[key].map((x, i) => validateAt(SCENARIO_LISTS[key], x, file, [key, i]));
  }
  return s as unknown as Scenario;
}

/** Objects given through the API (not parsed from a file here) get the parser's key check. */
function refuseForbiddenKeys(data: unknown, path: PropertyKey[], file: string): void {
  if (typeof data !== "object" || data === null) return;
  if (path.length > MAX_JSON_DEPTH) throw new InputError(`${file}: ${jsonPath(path)}`, `nested more than ${MAX_JSON_DEPTH} levels deep (limit MAX_JSON_DEPTH)`);
  if (Array.isArray(data)) {
    data.forEach((x, i) => refuseForbiddenKeys(x, [...path, i], file));
    return;
  }
  for (const k of Object.keys(data)) {
    if (FORBIDDEN_KEYS.has(k)) throw new InputError(`${file}: ${jsonPath([...path, k])}`, `the key ${quote(k)} is not allowed`);
    refuseForbiddenKeys((data as Record<string, unknown>)[k], [...path, k], file);
  }
}

function opNames(): string[] {
  const steps = ScenarioSchema.shape.steps.element;
  return steps.options.map((o) => o.shape.op.value);
}

/** Every key documented and every value valid; `open`: undocumented keys pass (requests such as alloc flags). */
function checkProps(shape: PropShape, given: Record<string, unknown> | undefined, where: string, file: string, open = false): void {
  for (const [key, v] of Object.entries(given ?? {})) {
    const d = propSchema(shape, key);
    const at = `${file}: ${where}${pathKey(key)}`;
    if (!d) {
      if (open) continue;
      throw new InputError(at, `unknown property (known: ${propNames(shape)})`);
    }
    const problem = propValueProblem(d, v);
    if (problem) throw new InputError(at, problem);
  }
}

/** Ids must be unique and every reference must name something declared (domains: by an earlier alloc-domain). */
export function checkReferences(s: Scenario, file: string, drivers: DriverSet): void {
  const at = (path: string, msg: string) => new InputError(`${file}: ${path}`, msg);
  (s.variants ?? []).forEach((v, n) => {
    const problem = drivers.variantProblem(v);
    if (problem) throw at(`variants[${n}]`, problem);
  });
  const instances = new Map<string, string>();
  s.instances.forEach((i, n) => {
    if (instances.has(i.id)) throw at(`instances[${n}].id`, `duplicate id "${i.id}"`);
    const d = drivers.get(i.driver);
    if (!d) throw at(`instances[${n}].driver`, `unknown driver ${quote(i.driver)}`);
    checkProps(d.instanceProps, i.props, `instances[${n}].props`, file);
    instances.set(i.id, i.driver);
  });
  /** Device id -> its instance's id (null: no IOMMU); a map, so a step finds its device in O(1). */
  const devices = new Map<string, string | null>();
  const groups = new Map<string, string | null>();
  const groupSize = new Map<string, number>();
  const groupOf = new Map<string, string>();
  s.devices.forEach((d, n) => {
    if (devices.has(d.id)) throw at(`devices[${n}].id`, `duplicate id "${d.id}"`);
    const inst = d.instance ?? null;
    devices.set(d.id, inst);
    if (inst !== null && !instances.has(inst)) throw at(`devices[${n}].instance`, `no instance "${inst}" (declared: ${[...instances.keys()].join(", ")})`);
    if (inst !== null) checkProps(drivers.get(instances.get(inst)!)!.deviceProps, d.props, `devices[${n}].props`, file);
    const g = d.group ?? d.id;
    if (groups.has(g) && groups.get(g) !== inst) throw at(`devices[${n}].group`, `group "${g}" mixes devices behind different IOMMU instances`);
    groups.set(g, inst);
    groupSize.set(g, (groupSize.get(g) ?? 0) + 1);
    groupOf.set(d.id, g);
  });
  const domains = new Set<string>();
  const containers = new Map<string, string>();
  let work = s.devices.length; // the probe
  s.steps.forEach((st, n) => {
    const p = `steps[${n}]`;
    const g = "group" in st ? st.group : "device" in st && st.op !== "alloc-domain" ? groupOf.get(st.device) : undefined;
    work += g === undefined ? 1 : (groupSize.get(g) ?? 1);
    if ("device" in st && !devices.has(st.device)) throw at(`${p}.device`, `no device "${st.device}"`);
    if ("group" in st && groups.get(st.group) == null) {
      throw at(`${p}.group`, groups.has(st.group) ? `group "${st.group}" has no IOMMU` : `no group "${st.group}" (a device's group is its "group" field, or its own id)`);
    }
    if ("domain" in st && !domains.has(st.domain)) throw at(`${p}.domain`, `no domain "${st.domain}" allocated by an earlier alloc-domain step`);
    if (st.op === "alloc-domain") {
      if (domains.has(st.id)) throw at(`${p}.id`, `duplicate domain id "${st.id}"`);
      const inst = devices.get(st.device);
      if (!inst) throw at(`${p}.device`, `device "${st.device}" has no IOMMU to allocate a domain from`);
      checkProps(drivers.get(instances.get(inst)!)!.domainProps, st.props, `${p}.props`, file, true);
      domains.add(st.id);
    }
    if (st.op === "vfio-attach") {
      const t = st.type ?? "v2";
      if (containers.has(st.container) && containers.get(st.container) !== t) throw at(`${p}.type`, `container "${st.container}" was opened as ${containers.get(st.container)}`);
      containers.set(st.container, t);
    }
  });
  if (work > MAX_DEVICE_STEPS) {
    throw at("steps", `the steps act on ${work} devices in all (a step on a group counts its devices); at most ${MAX_DEVICE_STEPS} (limit MAX_DEVICE_STEPS)`);
  }
}

/**
 * A user's input file as text; a file that cannot be read is an InputError naming it. Only a
 * regular file of at most MAX_INPUT_BYTES is read, and it is looked at before it is opened: a
 * FIFO would block the open, /dev/zero would never end.
 */
export function readInputFile(file: string): string {
  // Node gives an errno code; Deno's permission errors (NotCapable) have none, and their message says which flag to add.
  const cannot = (e: unknown) => {
    const err = e as NodeJS.ErrnoException;
    return new InputError(file, `cannot read the file (${err.code ?? String(err.message).split("\n")[0]})`);
  };
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
  } catch (e) {
    throw cannot(e);
  }
  if (st.isDirectory()) throw new InputError(file, "is a folder, not a JSON file");
  if (!st.isFile()) throw new InputError(file, "is not a regular file (a FIFO, socket or device); expected a JSON file");
  if (st.size > MAX_INPUT_BYTES) throw new InputError(file, `the file has ${st.size} bytes; at most ${MAX_INPUT_BYTES} (limit MAX_INPUT_BYTES)`);
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  } catch (e) {
    throw cannot(e);
  }
  try {
    // Read at most one byte past the size seen: a file that grew since the stat is not cut short silently.
    const buf = Buffer.alloc(st.size + 1);
    let n = 0;
    for (let r; n < buf.length && (r = fs.readSync(fd, buf, n, buf.length - n, null)) > 0; ) n += r;
    if (n > st.size) throw new InputError(file, "the file changed while it was read");
    return buf.toString("utf8", 0, n);
  } catch (e) {
    throw e instanceof InputError ? e : cannot(e);
  } finally {
    fs.closeSync(fd);
  }
}

/** Read, parse, validate and cross-check a scenario file; its instances name drivers of `drivers`. */
export function loadScenario(file: string, drivers: DriverSet): Scenario {
  return parseScenario(readInputFile(file), drivers, file);
}

export function parseScenario(text: string, drivers: DriverSet, file = "<scenario>"): Scenario {
  const s = validateScenario(parseJson(text, file), file);
  checkReferences(s, file, drivers);
  return s;
}
