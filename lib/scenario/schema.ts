/**
 * Scenario files: a machine (IOMMU instances, devices, groups) and a list of steps.
 * Validated with zod; every error names the JSON path and what was expected.
 */
import { type ZodType, z } from "zod";
import { ERA_IDS } from "../eras.ts";

const id = z.string().regex(/^[A-Za-z0-9_.:-]{1,64}$/, "expected an id of 1-64 letters, digits or _ . : -");
const propValue = z.union([z.number().finite(), z.boolean(), z.string().max(64)]);
const props = z.record(z.string(), propValue);
const note = z.string().max(500).optional();
const pasid = z.number().int().min(0).max(0xfffff);

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

const domainType = z.enum(["unmanaged", "dma", "identity", "blocked", "nested", "sva"]);

export const StepSchema = z.discriminatedUnion("op", [
  z.strictObject({ op: z.literal("alloc-domain"), id, device: id, type: domainType.optional(), props: props.optional(), pasid: z.boolean().optional(), note }),
  z.strictObject({ op: z.literal("free-domain"), domain: id, note }),
  z.strictObject({ op: z.literal("attach-device"), domain: id, device: id, note }),
  z.strictObject({ op: z.literal("detach-device"), domain: id, device: id, note }),
  z.strictObject({ op: z.literal("attach-group"), domain: id, group: id, note }),
  z.strictObject({ op: z.literal("detach-group"), group: id, note }),
  z.strictObject({ op: z.literal("replace-group"), domain: id, group: id, note }),
  z.strictObject({ op: z.literal("claim-dma-owner"), group: id, owner: z.string().min(1).max(64), note }),
  z.strictObject({ op: z.literal("release-dma-owner"), group: id, note }),
  z.strictObject({ op: z.literal("attach-pasid"), domain: id, device: id, pasid, note }),
  z.strictObject({ op: z.literal("replace-pasid"), domain: id, device: id, pasid, note }),
  z.strictObject({ op: z.literal("detach-pasid"), domain: id, device: id, pasid, note }),
  z.strictObject({ op: z.literal("pci-reset-prepare"), device: id, note }),
  z.strictObject({ op: z.literal("pci-reset-done"), device: id, note }),
  z.strictObject({ op: z.literal("deferred-attach"), device: id, note }),
  z.strictObject({ op: z.literal("vfio-attach"), container: id, group: id, type: z.enum(["v2", "nesting"]).optional(), note }),
  z.strictObject({ op: z.literal("iommufd-attach"), ioas: id, device: id, note }),
  z.strictObject({ op: z.literal("iommufd-unbind"), device: id, note }),
]);

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
