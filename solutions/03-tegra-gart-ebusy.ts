/**
 * Exercise 03 - tegra-gart. Reference solution.
 *
 * v1 of the EMEDIUMTYPE proposal missed the GART (EBUSY, Kevin Tian's review); v6 made it
 * EMEDIUMTYPE; f4a147735793 makes it EINVAL; c46294490131 removes the driver before mainline-2025.
 */
import { type EraRows, erasFrom, fail } from "../lib/driver.ts";
import type { EraId } from "../lib/index.ts";

export const otherActiveDomainRows: EraRows = {
  "2014-nesting": null,
  "pre-2022": fail("EBUSY"),
  "emediumtype-2022:v1": fail("EBUSY"),
  "emediumtype-2022": fail("EMEDIUMTYPE"),
  "einval-6.2": fail("EINVAL"),
};

export const gartEras: EraId[] = erasFrom("2014-nesting", "mainline-2025");
