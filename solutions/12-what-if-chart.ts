/**
 * Exercise 12 - the regression what-if and its chart. Reference solution.
 */
import {
  buildPlatform,
  type DeviceSpec,
  type DriverSet,
  groupHwOn,
  type InstanceSpec,
  IommufdCtx,
  Ioas,
  iommufdDeviceAttachIoas,
  Kernel,
  type Outcome,
  VfioContainer,
  vfioType1AttachGroup,
} from "../lib/index.ts";
import { barChart, renderSvg, type VegaLiteSpec } from "../lib/chart/index.ts";

export type OutcomeRow = {
  consumer: "vfio-type1" | "iommufd";
  variant: "none" | "regression-48e7b8e284e5";
  outcome: string;
  count: number;
};

export const instances: InstanceSpec[] = [{ id: "i0", driver: "arm-smmu-v3" }, { id: "i1", driver: "arm-smmu-v3" }];
export const devices: DeviceSpec[] = [{ id: "a", instance: "i0" }, { id: "b", instance: "i1" }, { id: "c", instance: "i0" }];

const CONSUMERS: OutcomeRow["consumer"][] = ["vfio-type1", "iommufd"];
const VARIANTS: OutcomeRow["variant"][] = ["none", "regression-48e7b8e284e5"];

/** The outcome class, with a 0 return whose hardware did not follow counted as a fake success. */
function classify(k: Kernel, groupId: string, o: Outcome): string {
  const d = o.domain ? k.domains.get(o.domain) : undefined;
  const g = k.groups.get(groupId)!;
  return o.ret === 0 && d && !groupHwOn(g, d) ? "fake-success" : o.outcome;
}

function run(drivers: DriverSet, consumer: OutcomeRow["consumer"], variant: OutcomeRow["variant"]): string[] {
  const k = new Kernel({ era: "mainline-2025", drivers, variants: variant === "none" ? [] : [`arm-smmu-v3:${variant}`], trace: false });
  buildPlatform(k, { instances, devices });
  const ids = devices.map((d) => d.id);
  if (consumer === "vfio-type1") {
    const c = new VfioContainer("c0", "v2");
    return ids.map((id) => classify(k, id, vfioType1AttachGroup(k, c, k.groups.get(id)!)));
  }
  const ctx = new IommufdCtx();
  const ioas = new Ioas("ioas0");
  return ids.map((id) => classify(k, id, iommufdDeviceAttachIoas(k, ctx, ioas, k.devices.get(id)!)));
}

export function runExperiment(drivers: DriverSet): OutcomeRow[] {
  const rows: OutcomeRow[] = [];
  for (const consumer of CONSUMERS) {
    for (const variant of VARIANTS) {
      const counts = new Map<string, number>();
      for (const outcome of run(drivers, consumer, variant)) counts.set(outcome, (counts.get(outcome) ?? 0) + 1);
      for (const [outcome, count] of counts) rows.push({ consumer, variant, outcome, count });
    }
  }
  return rows;
}

export function chartSpec(rows: OutcomeRow[]): VegaLiteSpec {
  return barChart({
    title: "What if the SMMUv3 regression (48e7b8e284e5) had shipped: request outcomes, mainline-2025",
    data: rows,
    x: "outcome",
    y: "count",
    color: "variant",
    column: "consumer",
  });
}

export async function chartSvg(rows: OutcomeRow[]): Promise<string> {
  return renderSvg(chartSpec(rows));
}
