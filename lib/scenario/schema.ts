/**
 * Scenario files: a machine (IOMMU instances, devices, groups) and a list of steps.
 * Validated with zod; every error names the JSON path and what was expected.
 */
import { type ZodType, z } from "zod";
import { ERA_IDS } from "../eras.ts";
import { id, note, props } from "./fields.ts";
import { OP_SCHEMAS } from "./ops.ts";

export const InstanceSchema = z.strictObject({ id, driver: z.string(), props: props.optional(), comment: note });

export const DeviceSchema = z.strictObject({
  id,
  instance: id.nullable().optional(),
  group: id.optional(),
  props: props.optional(),
  maxPasids: z.number().int().min(0).max(1 << 20).optional(),
  requireDirect: z.boolean().optional(),
  attachDeferred: z.boolean().optional(),
  ats: z.boolean().optional(),
  comment: note,
});

/** One step: its op picks its fields (the table in ops.ts). */
export const StepSchema = z.discriminatedUnion("op", OP_SCHEMAS);

export const ScenarioSchema = z.strictObject({
  $schema: z.string().optional(),
  name: z.string().min(1).max(200),
  description: z.string().max(5000).optional(),
  era: z.enum(ERA_IDS).optional(),
  variants: z.array(z.string().regex(/^[a-z0-9-]+:[A-Za-z0-9_.-]+$/, 'expected "driver:variant"')).max(64).optional(),
  instances: z.array(InstanceSchema).min(1).max(10_000),
  devices: z.array(DeviceSchema).min(1).max(100_000),
  steps: z.array(StepSchema).max(100_000),
});

/**
 * The scenario with its three lists' items left unchecked: the loader checks them one at a time
 * and stops at the first bad one (zod reports every issue of a list: 100,000 bad steps would
 * cost seconds and hundreds of MB to describe).
 */
export const ScenarioShellSchema = ScenarioSchema.extend({
  instances: z.array(z.unknown()).min(1).max(10_000),
  devices: z.array(z.unknown()).min(1).max(100_000),
  steps: z.array(z.unknown()).max(100_000),
});
/** The three lists' item schemas, checked one item at a time by the loader (typed loosely, so the compiled declarations need no zod). */
export const SCENARIO_LISTS: Readonly<Record<"instances" | "devices" | "steps", ZodType<unknown>>> = { instances: InstanceSchema, devices: DeviceSchema, steps: StepSchema };

export type Scenario = z.infer<typeof ScenarioSchema>;
export type ScenarioStep = z.infer<typeof StepSchema>;
