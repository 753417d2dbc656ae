/**
 * Experiment files: a platform (a preset or a generated fleet), a fleet size, the consumers,
 * and the axes of the sweep (eras, driver variant sets, seeds). Validated with zod like the
 * scenario files; the cross-checks that need the drivers (hardware/index.ts) live in ./load.
 */
import { z } from "zod";
import { ERA_IDS } from "../../lib/eras.ts";

/** A property value, as in scenario files. */
const propValue = z.union([z.number().finite(), z.boolean(), z.string().max(64)]);
const weight = z.number().finite().positive();

/** A fixed value, or values with optional weights (default: equal). */
export const DistSchema = z.union([
  propValue,
  z.strictObject({ values: z.array(propValue).min(1).max(64), weights: z.array(weight).min(1).max(64).optional() }),
]);

const intDist = z.union([
  z.number().int().min(1).max(64),
  z.strictObject({ values: z.array(z.number().int().min(1).max(64)).min(1).max(64), weights: z.array(weight).min(1).max(64).optional() }),
]);

const probability = z.number().min(0).max(1);

export const GenerateSchema = z.strictObject({
  /** Number of IOMMU instances (K). */
  instances: z.number().int().min(1).max(100_000),
  /** Driver mix: driver id -> weight (share of the instances). */
  drivers: z.record(z.string(), weight).optional(),
  /** Per driver, per instance property: a fixed value or a distribution. */
  instanceProps: z.record(z.string(), z.record(z.string(), DistSchema)).optional(),
  /** Per driver, per device property: a fixed value or a distribution. */
  deviceProps: z.record(z.string(), z.record(z.string(), DistSchema)).optional(),
  /**
   * Device models per driver: each is one draw of the device properties, and every group takes
   * one model (its devices are functions of one card, or VFs). Model k is 1/(k+1) as common as
   * the first. 0: every device draws its own properties.
   */
  models: z.number().int().min(0).max(1000).optional(),
  /** Devices per IOMMU group. */
  groupSize: intDist.optional(),
  /** Share of devices whose firmware asks for a 1:1 mapping (RMRR and the like). */
  requireDirect: probability.optional(),
  /** Share of devices whose default-domain attach is deferred (kdump). */
  attachDeferred: probability.optional(),
});

export const CONSUMERS = ["vfio-type1", "iommufd", "direct"] as const;
export type ConsumerKind = (typeof CONSUMERS)[number];
const consumer = z.enum(CONSUMERS);

const variant = z.string().regex(/^[a-z0-9-]+:[A-Za-z0-9_.-]+$/, 'expected "driver:variant"');

export const ExperimentSchema = z.strictObject({
  $schema: z.string().optional(),
  name: z.string().min(1).max(200),
  description: z.string().max(5000).optional(),
  platform: z.strictObject({
    /** A file name under hardware/platforms/ (with or without .json). */
    preset: z.string().regex(/^[A-Za-z0-9_.-]{1,100}$/, "expected a preset name from hardware/platforms/").optional(),
    /** Preset fleets: groups in the preset's order, cycled ("listed"), or shuffled by the seed (default). */
    order: z.enum(["shuffled", "listed"]).optional(),
    generate: GenerateSchema.optional(),
  }),
  /** Fleet size: devices in total. */
  devices: z.number().int().min(1).max(10_000_000),
  consumer: z.union([consumer, z.array(consumer).min(1).max(3)]),
  /** VFIO container type (VFIO_TYPE1v2_IOMMU or VFIO_TYPE1_NESTING_IOMMU). */
  vfioType: z.enum(["v2", "nesting"]).optional(),
  /** IOMMU groups per consumer context (VFIO container, iommufd IOAS, direct domain); 0 = all in one. */
  contextSize: z.number().int().min(0).max(10_000_000).optional(),
  eras: z.array(z.enum(ERA_IDS)).min(1).max(ERA_IDS.length).optional(),
  /** Driver variant sets, one column of the sweep each; [] is the baseline. */
  variants: z.array(z.array(variant).max(16)).min(1).max(32).optional(),
  seeds: z.array(z.number().int().min(0).max(2 ** 31 - 1)).min(1).max(100).optional(),
  limits: z
    .strictObject({
      /** A context whose domain list grows past this is stopped with an error (quadratic search). */
      domainsPerContext: z.number().int().min(1).max(1_000_000).optional(),
    })
    .optional(),
});

export type ExperimentInput = z.infer<typeof ExperimentSchema>;
export type DistInput = z.infer<typeof DistSchema>;
