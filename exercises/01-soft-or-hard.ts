/**
 * Exercise 01 - Soft or hard? Classify what an attach returned, era by era.
 *
 * Background
 * ----------
 * A caller that owns several IOMMU domains (iommufd, a VFIO container) does not ask a driver
 * "would this device fit that domain?": it simply tries the attach. If the driver answers
 * "incompatible", the caller moves on to the next domain, or allocates a new one. That only works
 * when "incompatible" has ONE errno a caller can recognise: a *soft* failure. Any other errno is a
 * *hard* failure, and the request fails.
 *
 * Which errno is soft depends on the era (notebooks/sources.md, "The eras"):
 *   - 2014-nesting and pre-2022: no contract at all. Drivers said "incompatible" with ENXIO,
 *     EINVAL, EBUSY, EXDEV, EFAULT, EOPNOTSUPP ... and the same errnos also meant real errors,
 *     so a caller could trust none of them: every failure is hard.
 *   - emediumtype-2022 (proposed in June 2022, never merged): -EMEDIUMTYPE, chosen because no
 *     IOMMU code used it.
 *   - einval-6.2, mainline-2025, test-dev-2025: -EINVAL. Commit 00208852d351 added to the kdoc of
 *     iommu_attach_device()/iommu_attach_group(): "EINVAL can be treated as a soft failure".
 *
 * Task
 * ----
 * Write `classify(era, ret)`. `ret` is what a core call returned, kernel style: 0, or a negative
 * errno (-22 is -EINVAL). Return "ok" for 0, "soft-failure" for the era's soft errno and
 * "hard-failure" for anything else. `errnoName(ret)` (from ../lib/index) turns -22 into "EINVAL".
 *
 * The checks compare your answer with the library's own classification for every era and every
 * errno the kit knows, and on real attaches played through the core. (The library has the
 * answer in lib/outcome.ts and lib/eras.ts - write yours without looking.)
 *
 * Sources: seed 001 (the attach_dev return rules); notebooks/sources.md; commit 00208852d351 ("iommu: Add return value rules
 * to attach_dev op and APIs"); the EMEDIUMTYPE series (20220606061927.26049-1-nicolinc@nvidia.com).
 */
import type { EraId } from "../lib/index.ts";
import { todo } from "../tools/exercises/todo.ts";

export type AttachClass = "ok" | "soft-failure" | "hard-failure";

export function classify(era: EraId, ret: number): AttachClass {
  // TODO: return "ok", "soft-failure" or "hard-failure" for `ret` in `era`.
  return todo("classify `ret` for the era (0 -> ok, the era's soft errno -> soft-failure, anything else -> hard-failure)", era, ret);
}
