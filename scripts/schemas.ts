/**
 * `npm run schemas`: writes schemas/scenario.schema.json and schemas/experiment.schema.json, the
 * JSON Schemas of scenario and experiment files, for editors (a file's "$schema" key points at
 * them: VS Code then completes and checks it). Generated from the zod schemas the loaders use
 * (z.toJSONSchema, draft-07 for the widest editor support), with what zod cannot know added as
 * enums: driver ids, "driver:variant" names; and each driver's instance and device properties
 * (their types, ranges, value sets, defaults and descriptions, from the drivers' zod shapes in
 * lib/props.ts) where the file names the driver. Eras and ops come from the zod enums and literals.
 * test/schemas.test.ts checks the committed files are current.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { z } from "zod";
import { drivers as allDrivers } from "../hardware/index.ts";
import { ScenarioSchema } from "../lib/scenario/schema.ts";
import { ExperimentSchema } from "../tools/sweep/schema.ts";
import { isRevisionVariant } from "../lib/eras.ts";
import { type PropShape, propZod } from "../lib/props.ts";

export const SCHEMA_DIR = path.resolve(__dirname, "..", "schemas");

type Json = { [k: string]: unknown };

/** The object at a path of property names, or an error naming the path (the zod schema changed shape). */
function at(schema: Json, keys: readonly string[]): Json {
  let node: unknown = schema;
  for (const k of keys) {
    node = (node as Json | undefined)?.[k];
    if (typeof node !== "object" || node === null) throw new Error(`schemas: no ${keys.join(".")} in the generated schema`);
  }
  return node as Json;
}

function enumOf(values: readonly string[], descriptions: readonly string[]): Json {
  return { enum: [...values], enumDescriptions: [...descriptions] };
}

/** The JSON Schema of each property of a bag, by name. */
function propSchemas(shape: PropShape): Record<string, Json> {
  const out: Record<string, Json> = {};
  for (const [name, s] of Object.entries(shape)) {
    const { $schema: _, ...rest } = z.toJSONSchema(propZod(s) as z.ZodType, { target: "draft-7", io: "input" }) as Json;
    out[name] = rest;
  }
  return out;
}

/** A bag's properties as an object schema: only these names, each with its type and range. */
function bagSchema(shape: PropShape, value: (s: Json) => Json = (s) => s): Json {
  const props = propSchemas(shape);
  return { type: "object", properties: Object.fromEntries(Object.entries(props).map(([n, s]) => [n, value(s)])), additionalProperties: false };
}

/** An experiment's property value: a fixed value, or values with weights. */
function distOf(s: Json): Json {
  const { description, default: _d, kernel: _k, ...value } = s;
  return { description, anyOf: [value, { type: "object", properties: { values: { type: "array", items: value, minItems: 1, maxItems: 64 }, weights: { type: "array", items: { type: "number", exclusiveMinimum: 0 }, minItems: 1, maxItems: 64 } }, required: ["values"], additionalProperties: false }] };
}

function generate(schema: z.ZodType, title: string, description: string, addEnums: (s: Json) => void): string {
  const s = z.toJSONSchema(schema, { target: "draft-7", io: "input" }) as Json;
  addEnums(s);
  const { $schema, ...rest } = s;
  return JSON.stringify({ $schema, title, description, ...rest }, null, 2) + "\n";
}

/** The two schema files, by file name, as they should be on disk. */
export function buildSchemas(): Record<string, string> {
  const drivers = enumOf(
    allDrivers.ids,
    allDrivers.list.map((d) => `${d.title} (${d.file})`),
  );
  const all = allDrivers.knownVariants();
  const variants = enumOf(
    all,
    all.map((v) => (isRevisionVariant(v) ? `an earlier posting of the ${v.split(":")[0]} proposal (iommu-lab eras shows it)` : `"what if" variant of ${v.split(":")[0]} (iommu-lab drivers shows what it changes)`)),
  );
  return {
    "scenario.schema.json": generate(ScenarioSchema, "iommu-lab scenario", "A machine (IOMMU instances, devices, groups) and a list of steps, for `iommu-lab run` (see the README, \"Scenario files\").", (s) => {
      Object.assign(at(s, ["properties", "instances", "items", "properties", "driver"]), drivers);
      // The props of an instance, per driver (a device's driver is its instance's: no schema can follow that reference).
      at(s, ["properties", "instances", "items"])["allOf"] = allDrivers.list.map((d) => ({
        if: { properties: { driver: { const: d.id } }, required: ["driver"] },
        then: { properties: { props: bagSchema(d.instanceProps) } },
      }));
      Object.assign(at(s, ["properties", "variants", "items"]), variants);
    }),
    "experiment.schema.json": generate(ExperimentSchema, "iommu-lab experiment", "A fleet-scale what-if sweep for `iommu-lab sweep` (see the README, \"Experiments\").", (s) => {
      const gen = ["properties", "platform", "properties", "generate", "properties"];
      for (const key of ["drivers", "instanceProps", "deviceProps"]) Object.assign(at(s, [...gen, key, "propertyNames"]), drivers);
      at(s, [...gen, "instanceProps"])["properties"] = Object.fromEntries(allDrivers.list.map((d) => [d.id, bagSchema(d.instanceProps, distOf)]));
      at(s, [...gen, "deviceProps"])["properties"] = Object.fromEntries(allDrivers.list.map((d) => [d.id, bagSchema(d.deviceProps, distOf)]));
      Object.assign(at(s, ["properties", "variants", "items", "items"]), variants);
    }),
  };
}

if (require.main === module) {
  fs.mkdirSync(SCHEMA_DIR, { recursive: true });
  for (const [file, text] of Object.entries(buildSchemas())) {
    const target = path.join(SCHEMA_DIR, file);
    const tmp = `${target}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, text);
    fs.renameSync(tmp, target);
    console.log(`schemas: wrote ${path.relative(process.cwd(), target)}`);
  }
}
