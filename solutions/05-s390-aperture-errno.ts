/**
 * Exercise 05 - s390's aperture checks. Reference solution.
 *
 * The pre-2022 check is a silent EINVAL in every era it exists in (missed by the proposal, not
 * touched by v6.2) and disappears in mainline; the proposal's v6 made it a silent EMEDIUMTYPE;
 * mainline's overlap check is EINVAL under WARN_ON, which TD1 keeps.
 */
import { type EraRows, fail, warnFail } from "../lib/driver.ts";

export const dmaRangeRows: EraRows = {
  "pre-2022": fail("EINVAL"),
  "mainline-2025": null,
};

export const proposalV6Rows: EraRows = {
  "emediumtype-2022": fail("EMEDIUMTYPE"),
};

export const apertureOverlapRows: EraRows = {
  "mainline-2025": warnFail("EINVAL"),
};
