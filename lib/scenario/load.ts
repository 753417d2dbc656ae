/**
 * Reading a scenario: JSON syntax (with line and column), the zod schema (with the JSON path),
 * then the references between ids. Every problem becomes an `InputError`.
 */
import * as fs from "node:fs";
import { type ParseError, parse as jsoncParse, printParseErrorCode } from "jsonc-parser";
import type { ZodType } from "zod";
import { lookupDriver } from "../../hardware/registry";
import type { PropDoc } from "../driver";
import { type Scenario, ScenarioSchema } from "./schema";

/** Bad input: names the file, the JSON path (or line) and what was expected. */
export class InputError extends Error {
  constructor(
    readonly where: string,
    message: string,
  ) {
    super(`${where}: ${message}`);
    this.name = "InputError";
  }
}

/** ["steps", 3, "domain"] -> "steps[3].domain" */
export function jsonPath(path: ReadonlyArray<PropertyKey>): string {
  let out = "";
  for (const p of path) out += typeof p === "number" ? `[${p}]` : out ? `.${String(p)}` : String(p);
  return out || "(top level)";
}

function lineCol(text: string, pos: number): string {
  const before = text.slice(0, pos).split("\n");
  return `line ${before.length}, column ${before[before.length - 1]!.length + 1}`;
}

/**
 * JSON.parse with the error located by line and column. Node's messages do not always carry a
 * position, so a syntax error is located with jsonc-parser in strict mode (no comments, no
 * trailing commas: plain JSON).
 */
export function parseJson(text: string, file: string): unknown {
  if (text.trim() === "") throw new InputError(file, "the file is empty (expected a JSON object)");
  const errors: ParseError[] = [];
  jsoncParse(text, errors, { allowTrailingComma: false, disallowComments: true, allowEmptyContent: false });
  if (errors.length) {
    const e = errors[0]!;
    throw new InputError(`${file}, ${lineCol(text, e.offset)}`, `invalid JSON: ${describeJsonError(printParseErrorCode(e.error))}`);
  }
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
  const r = schema.safeParse(data);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  let msg = issue.message;
  if (issue.code === "invalid_union" && "note" in issue && issue.note === "No matching discriminator") {
    msg = `unknown op (expected one of: ${opNames().join(", ")})`;
  }
  throw new InputError(`${file}: ${jsonPath(issue.path)}`, msg);
}

function opNames(): string[] {
  const steps = ScenarioSchema.shape.steps.element;
  return steps.options.map((o) => o.shape.op.value);
}

function checkProps(docs: readonly PropDoc[], given: Record<string, unknown> | undefined, where: string, file: string): void {
  for (const [key, v] of Object.entries(given ?? {})) {
    const d = docs.find((x) => x.name === key);
    if (!d) throw new InputError(`${file}: ${where}.${key}`, `unknown property (known: ${docs.map((x) => x.name).join(", ") || "none"})`);
    if (typeof v !== typeof d.default) throw new InputError(`${file}: ${where}.${key}`, `expected a ${typeof d.default}, got ${typeof v}`);
  }
}

/** Ids must be unique and every reference must name something declared (domains: by an earlier alloc-domain). */
export function checkReferences(s: Scenario, file: string): void {
  const at = (path: string, msg: string) => new InputError(`${file}: ${path}`, msg);
  const instances = new Map<string, string>();
  s.instances.forEach((i, n) => {
    if (instances.has(i.id)) throw at(`instances[${n}].id`, `duplicate id "${i.id}"`);
    const d = lookupDriver(i.driver);
    if (!d) throw at(`instances[${n}].driver`, `unknown driver "${i.driver}"`);
    checkProps(d.instanceProps, i.props, `instances[${n}].props`, file);
    instances.set(i.id, i.driver);
  });
  const devices = new Set<string>();
  const groups = new Map<string, string | null>();
  s.devices.forEach((d, n) => {
    if (devices.has(d.id)) throw at(`devices[${n}].id`, `duplicate id "${d.id}"`);
    devices.add(d.id);
    const inst = d.instance ?? null;
    if (inst !== null && !instances.has(inst)) throw at(`devices[${n}].instance`, `no instance "${inst}" (declared: ${[...instances.keys()].join(", ")})`);
    if (inst !== null) checkProps(lookupDriver(instances.get(inst)!)!.deviceProps, d.props, `devices[${n}].props`, file);
    const g = d.group ?? d.id;
    if (groups.has(g) && groups.get(g) !== inst) throw at(`devices[${n}].group`, `group "${g}" mixes devices behind different IOMMU instances`);
    groups.set(g, inst);
  });
  const domains = new Set<string>();
  const containers = new Map<string, string>();
  s.steps.forEach((st, n) => {
    const p = `steps[${n}]`;
    if ("device" in st && !devices.has(st.device)) throw at(`${p}.device`, `no device "${st.device}"`);
    if ("group" in st && groups.get(st.group) == null) {
      throw at(`${p}.group`, groups.has(st.group) ? `group "${st.group}" has no IOMMU` : `no group "${st.group}" (a device's group is its "group" field, or its own id)`);
    }
    if ("domain" in st && !domains.has(st.domain)) throw at(`${p}.domain`, `no domain "${st.domain}" allocated by an earlier alloc-domain step`);
    if (st.op === "alloc-domain") {
      if (domains.has(st.id)) throw at(`${p}.id`, `duplicate domain id "${st.id}"`);
      const dev = s.devices.find((d) => d.id === st.device)!;
      if (!dev.instance) throw at(`${p}.device`, `device "${st.device}" has no IOMMU to allocate a domain from`);
      domains.add(st.id);
    }
    if (st.op === "vfio-attach") {
      const t = st.type ?? "v2";
      if (containers.has(st.container) && containers.get(st.container) !== t) throw at(`${p}.type`, `container "${st.container}" was opened as ${containers.get(st.container)}`);
      containers.set(st.container, t);
    }
  });
}

/** A user's input file as text; a file that cannot be read is an InputError naming it. */
export function readInputFile(file: string): string {
  try {
    return fs.readFileSync(file, "utf8");
  } catch (e) {
    // Node gives an errno code; Deno's permission errors (NotCapable) have none, and their message says which flag to add.
    const err = e as NodeJS.ErrnoException;
    throw new InputError(file, `cannot read the file (${err.code ?? err.message.split("\n")[0]})`);
  }
}

/** Read, parse, validate and cross-check a scenario file. */
export function loadScenario(file: string): Scenario {
  return parseScenario(readInputFile(file), file);
}

export function parseScenario(text: string, file = "<scenario>"): Scenario {
  const s = validate(ScenarioSchema, parseJson(text, file), file);
  checkReferences(s, file);
  return s;
}
