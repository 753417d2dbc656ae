/**
 * Exercise 12 - Design a what-if experiment and its chart.
 *
 * Background
 * ----------
 * In 2025 a change to arm-smmu-v3 (48e7b8e284e5) made the "domain belongs to another SMMU" path
 * return 0 without attaching - a fake success, like mtk_iommu_v1's (exercise 06). It broke VFIO's
 * domain matching, and be5a2d3f8f97 ("iommu/arm-smmu-v3: Fix incorrect return in
 * arm_smmu_attach_dev", applied in April 2025) fixed it. The kit keeps the broken behaviour as
 * the variant "arm-smmu-v3:regression-48e7b8e284e5": new Kernel({ era, drivers, variants: [that name] }).
 *
 * What if the regression had shipped? Both consumers probe existing domains by attaching - VFIO
 * type1 with its merge loop (exercise 08), iommufd with its search (exercise 07) - so both
 * would take the 0 at face value and put a device on a domain its hardware never joined.
 *
 * The experiment
 * --------------
 * Machine: era mainline-2025, two arm-smmu-v3 instances i0 and i1; devices a (behind i0), b
 * (behind i1) and c (behind i0), each in its own group - exactly `instances` and `devices` below.
 * For each variant, "none" (variants []) and "regression-48e7b8e284e5" (variants
 * ["arm-smmu-v3:regression-48e7b8e284e5"]), and for each consumer, on a fresh kernel:
 *   - "vfio-type1": one VfioContainer("c0", "v2"); vfioType1AttachGroup() for groups a, b, c in order;
 *   - "iommufd": one IommufdCtx and one Ioas("ioas0"); iommufdDeviceAttachIoas() for a, b, c in order.
 * Each request's outcome is the Outcome's `outcome`, except that a request that returned 0 while
 * its group's hardware is not on the domain it reported (groupHwOn(group, domain) is false) is a
 * "fake-success".
 *
 * Task
 * ----
 * 1. runExperiment(drivers): one row per (consumer, variant, outcome) that occurred, with its
 *    count. Make every kernel with the driver set you are given: new Kernel({ era, drivers, ... })
 *    (the checks pass the kit's drivers, hardware/index.ts, and also a set with a driver changed).
 * 2. chartSpec(rows): the Vega-Lite spec of a grouped bar chart, built with lib/chart's
 *    barChart(): outcome on the x axis, count as the bar height, one colour per variant, one
 *    panel per consumer, and a title.
 * 3. chartSvg(rows): the chart rendered to SVG with lib/chart's renderSvg() (what a notebook shows
 *    on GitHub, where no Vega-Lite renderer runs).
 * The checks recompute the experiment with the library and compare the rows (in any order), then
 * check the spec's structure and that the SVG renders.
 *
 * Sources: commits 48e7b8e284e5 and be5a2d3f8f97; notebooks/sources.md (the two consumers);
 * lib/chart/specs.ts (barChart) and lib/chart/render.ts (renderSvg).
 */
import type { DeviceSpec, DriverSet, InstanceSpec } from "../lib/index.ts";
import type { VegaLiteSpec } from "../lib/chart/index.ts";
import { todo } from "../tools/exercises/todo.ts";

export type OutcomeRow = {
  consumer: "vfio-type1" | "iommufd";
  variant: "none" | "regression-48e7b8e284e5";
  outcome: string;
  count: number;
};

export const instances: InstanceSpec[] = [{ id: "i0", driver: "arm-smmu-v3" }, { id: "i1", driver: "arm-smmu-v3" }];
export const devices: DeviceSpec[] = [{ id: "a", instance: "i0" }, { id: "b", instance: "i1" }, { id: "c", instance: "i0" }];

export function runExperiment(drivers: DriverSet): OutcomeRow[] {
  // TODO: run both consumers in both variants (kernels of `drivers`) and count the outcomes.
  void drivers;
  return todo("run the experiment and count outcomes per consumer, variant and outcome");
}

export function chartSpec(rows: OutcomeRow[]): VegaLiteSpec {
  // TODO: one barChart() call.
  return todo("build the bar chart spec with barChart()", rows);
}

export async function chartSvg(rows: OutcomeRow[]): Promise<string> {
  // TODO: render chartSpec(rows) with renderSvg().
  return todo("render the spec to SVG with renderSvg()", rows);
}
