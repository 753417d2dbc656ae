/** Every hardware driver model, by id. One file per driver in this folder. */
import type { DriverModel } from "../lib/driver";
import { armSmmuV3 } from "./arm-smmu-v3";
import { intelVtd } from "./intel-vtd";

export const DRIVERS: readonly DriverModel[] = [armSmmuV3, intelVtd];

export function lookupDriver(id: string): DriverModel | undefined {
  return DRIVERS.find((d) => d.id === id);
}
