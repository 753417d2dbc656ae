/**
 * schemas/*.schema.json: current (regenerated in memory from the zod schemas, compared with the
 * committed files), carrying the driver, era, op and variant enums, named by "$schema" in every
 * shipped platform and experiment file, and accepting each of them.
 *
 * No JSON Schema validator is installed (no ajv), so the files are checked by a small validator
 * below that knows exactly the keywords the generated schemas use; the test first checks the
 * schemas use no other keyword, so nothing is skipped silently. The loaders (zod) read every
 * shipped file as well.
 */
import { drivers } from "../hardware/index.ts";
import * as fs from "node:fs";
import * as path from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { ERA_IDS } from "../lib/eras.ts";
import { loadScenario } from "../lib/scenario/load.ts";
import { loadExperiment } from "../tools/sweep/load.ts";
import { buildSchemas, SCHEMA_DIR } from "../scripts/schemas.ts";

const root = path.resolve(__dirname, "..");
type S = { [k: string]: any };
const built = buildSchemas();
const scenario = JSON.parse(built["scenario.schema.json"]!) as S;
const experiment = JSON.parse(built["experiment.schema.json"]!) as S;
const jsonFiles = (dir: string) => fs.readdirSync(path.join(root, dir)).filter((f) => f.endsWith(".json")).map((f) => path.join(root, dir, f));
const platforms = jsonFiles("hardware/platforms");
const experiments = jsonFiles("experiments");

const KNOWN = new Set(["$schema", "title", "description", "type", "properties", "required", "additionalProperties", "propertyNames", "items", "enum", "enumDescriptions", "const", "oneOf", "anyOf", "pattern", "minItems", "maxItems", "minimum", "maximum", "exclusiveMinimum", "minLength", "maxLength", "allOf", "if", "then", "default", "kernel"]);

/** Errors of `v` against `s` (the keywords in KNOWN, draft-07 meaning), as "path: what". */
function check(s: S, v: unknown, at = "$"): string[] {
  const errs: string[] = [];
  const t = Array.isArray(v) ? "array" : v === null ? "null" : typeof v;
  if (s.type && !(s.type === t || (s.type === "integer" && Number.isInteger(v)))) return [`${at}: expected ${s.type}`];
  if (s.enum && !s.enum.includes(v)) errs.push(`${at}: not in enum`);
  if ("const" in s && s.const !== v) errs.push(`${at}: expected ${JSON.stringify(s.const)}`);
  if (typeof v === "string") {
    if (s.pattern && !new RegExp(s.pattern, "u").test(v)) errs.push(`${at}: pattern`);
    if (s.minLength !== undefined && v.length < s.minLength) errs.push(`${at}: too short`);
    if (s.maxLength !== undefined && v.length > s.maxLength) errs.push(`${at}: too long`);
  }
  if (typeof v === "number") {
    if (s.minimum !== undefined && v < s.minimum) errs.push(`${at}: < minimum`);
    if (s.maximum !== undefined && v > s.maximum) errs.push(`${at}: > maximum`);
    if (s.exclusiveMinimum !== undefined && v <= s.exclusiveMinimum) errs.push(`${at}: <= exclusiveMinimum`);
  }
  if (Array.isArray(v)) {
    if (s.minItems !== undefined && v.length < s.minItems) errs.push(`${at}: too few items`);
    if (s.maxItems !== undefined && v.length > s.maxItems) errs.push(`${at}: too many items`);
    if (s.items) v.forEach((x, i) => errs.push(...check(s.items, x, `${at}[${i}]`)));
  }
  if (t === "object") {
    const o = v as Record<string, unknown>;
    for (const r of s.required ?? []) if (!(r in o)) errs.push(`${at}: missing ${r}`);
    for (const [k, x] of Object.entries(o)) {
      if (s.propertyNames) errs.push(...check(s.propertyNames, k, `${at}.${k} (name)`));
      if (s.properties?.[k]) errs.push(...check(s.properties[k], x, `${at}.${k}`));
      else if (s.additionalProperties === false) errs.push(`${at}.${k}: not allowed`);
      else if (typeof s.additionalProperties === "object") errs.push(...check(s.additionalProperties, x, `${at}.${k}`));
    }
  }
  if (s.anyOf && !s.anyOf.some((b: S) => check(b, v, at).length === 0)) errs.push(`${at}: matches no anyOf branch`);
  if (s.oneOf && s.oneOf.filter((b: S) => check(b, v, at).length === 0).length !== 1) errs.push(`${at}: matches not exactly one oneOf branch`);
  for (const b of s.allOf ?? []) errs.push(...check(b, v, at));
  if (s.if && s.then && check(s.if, v, at).length === 0) errs.push(...check(s.then, v, at));
  return errs;
}

/** Every keyword used anywhere in a schema (property names under "properties" are not keywords). */
function keywords(s: S, out = new Set<string>()): Set<string> {
  for (const [k, v] of Object.entries(s)) {
    out.add(k);
    if (k === "properties") for (const p of Object.values(v as S)) keywords(p as S, out);
    else if (k === "oneOf" || k === "anyOf" || k === "allOf") for (const b of v as S[]) keywords(b, out);
    else if (v && typeof v === "object" && !Array.isArray(v)) keywords(v as S, out);
  }
  return out;
}

test("the committed schemas are the ones `npm run schemas` generates now", () => {
  for (const [file, text] of Object.entries(built)) assert.is(fs.readFileSync(path.join(SCHEMA_DIR, file), "utf8"), text, `${file} is stale: run npm run schemas`);
});

test("the schemas use only keywords the validator here knows", () => {
  for (const s of [scenario, experiment]) for (const k of keywords(s)) assert.ok(KNOWN.has(k), `unknown keyword ${k}`);
});

test("driver, era, op and variant enums are in the schemas", () => {
  const ids = drivers.list.map((d) => d.id);
  assert.equal(scenario.properties.instances.items.properties.driver.enum, ids);
  assert.equal(scenario.properties.era.enum, [...ERA_IDS]);
  assert.ok(scenario.properties.variants.items.enum.includes("arm-smmu-v3:regression-48e7b8e284e5"));
  const ops = (scenario.properties.steps.items.oneOf as S[]).map((b) => b.properties.op.const);
  assert.ok(ops.includes("attach-device") && ops.includes("iommufd-attach") && ops.length >= 18, ops.join());
  assert.equal(experiment.properties.eras.items.enum, [...ERA_IDS]);
  assert.equal(experiment.properties.platform.properties.generate.properties.drivers.propertyNames.enum, ids);
  assert.ok(experiment.properties.variants.items.items.enum.includes("sprd-iommu:emediumtype-converted"));
});

test("every shipped platform and experiment names its schema with $schema, and both validators accept it", () => {
  for (const [files, schema, name, load] of [
    [platforms, scenario, "scenario.schema.json", loadScenario],
    [experiments, experiment, "experiment.schema.json", loadExperiment],
  ] as const) {
    assert.ok(files.length >= 5);
    for (const f of files) {
      const data = JSON.parse(fs.readFileSync(f, "utf8")) as { $schema?: string };
      assert.ok(data.$schema, `${f}: no $schema`);
      assert.is(path.resolve(path.dirname(f), data.$schema!), path.join(SCHEMA_DIR, name), f);
      assert.equal(check(schema, data), [], f);
      load(f, drivers); // zod and the cross-checks: throws on bad input
    }
  }
});

test("the schemas reject what the loaders reject: unknown driver, op, era, variant, key; a missing field", () => {
  const base = JSON.parse(fs.readFileSync(path.join(root, "hardware/platforms/arm-server-2x-smmuv3.json"), "utf8")) as S;
  const bad: Array<[string, (s: S) => void]> = [
    ["driver", (s) => (s.instances[0].driver = "arm-smmu-v9")],
    ["op", (s) => (s.steps[0].op = "attach-everything")],
    ["era", (s) => (s.era = "2030")],
    ["variant", (s) => (s.variants = ["arm-smmu-v3:no-such"])],
    ["key", (s) => (s.steps[1].domian = "d0")],
    ["missing", (s) => delete s.name],
    ["property name", (s) => (s.instances[0].props = { coherant: true })],
    ["property type", (s) => (s.instances[0].props = { coherent: "yes" })],
  ];
  for (const [what, change] of bad) {
    const s = structuredClone(base);
    change(s);
    assert.ok(check(scenario, s).length > 0, `scenario with a bad ${what} passes`);
  }
  const exp = JSON.parse(fs.readFileSync(experiments.find((f) => f.includes("what-if-smmuv3"))!, "utf8")) as S;
  exp.platform.generate.drivers = { "arm-smmu-v9": 1 };
  assert.match(check(experiment, exp).join(), /drivers\.arm-smmu-v9 \(name\): not in enum/);
  // A driver's property ranges and value sets come from its zod shape (ssidBits: IDR1.SSIDSIZE, 0-20).
  const gen = structuredClone(exp.platform.generate);
  const props = (deviceProps: S) => check(experiment, { ...exp, platform: { generate: { ...gen, drivers: { "arm-smmu-v3": 1 }, deviceProps } } });
  assert.equal(props({ "arm-smmu-v3": { ssidBits: { values: [0, 20] } } }), []);
  assert.match(props({ "arm-smmu-v3": { ssidBits: { values: [0, 21] } } }).join(), /deviceProps\.arm-smmu-v3\.ssidBits: matches no anyOf branch/);
  assert.match(props({ "arm-smmu-v3": { ssidbits: 5 } }).join(), /deviceProps\.arm-smmu-v3\.ssidbits: not allowed/);
});

test.run();
