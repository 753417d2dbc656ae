/**
 * Exercise 06 - mtk_iommu_v1's silent success. Reference solution.
 *
 * The return value cannot reveal a fake success: only the hardware state can. The what-if fix
 * is one row: the EINVAL contract from v6.2 on, inherited by the later eras.
 */
import { type EraRows, fail } from "../lib/driver.ts";
import type { Device, Domain } from "../lib/index.ts";

export function isFakeSuccess(dev: Device, domain: Domain, ret: number): boolean {
  return ret === 0 && dev.hwDomain !== domain;
}

export const fixRows: EraRows = {
  "einval-6.2": fail("EINVAL"),
};
