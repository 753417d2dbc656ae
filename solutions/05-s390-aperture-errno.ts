/**
 * Exercise 05 - s390's aperture checks. Reference solution.
 *
 * The identical-range check is a silent EINVAL before 2022 and in the proposal's v1 (missed, seed
 * 000), a silent EMEDIUMTYPE in v6, and gone with the v6.2 rework (cbf7827bc5dc), which brings the
 * overlap check: EINVAL under WARN_ON, inherited by mainline and kept by TD1.
 */
import { type EraRows, fail, warnFail } from "../lib/driver.ts";

export const dmaRangeRows: EraRows = {
  "pre-2022": fail("EINVAL"),
  "emediumtype-2022:v1": fail("EINVAL"),
  "emediumtype-2022": fail("EMEDIUMTYPE"),
  "einval-6.2": null,
};

export const apertureOverlapRows: EraRows = {
  "einval-6.2": warnFail("EINVAL"),
};
