/**
 * Exercise 06 - mtk_iommu_v1: catch and fix a silent success.
 *
 * Background
 * ----------
 * The first-generation MediaTek M4U has one page table for all its masters, and its attach_dev
 * only accepts the domain the driver created itself for the DMA API:
 *
 *     if (mtk_mapping->domain != domain)
 *             return 0;       // "Only allow the domain created internally"
 *
 * Any other domain gets 0 - "attached" - while the hardware keeps translating with the DMA
 * mapping. The caller (VFIO, iommufd, a kernel driver) believes the device is isolated by its
 * domain. Nothing in the return value shows it; only the hardware state does. The kit models this
 * KNOWN BUG as a "fake success": ret 0, dev.hwDomain unchanged (seed 000; still there in
 * 2025, gregkh/linux @11cd45ac86fb).
 * When the 2022 review suggested turning it into an error, Lu Baolu asked whether changing a
 * success into a failure was itself a bug - and nothing changed. So a fixed mtk_iommu_v1 is a
 * "what if": a variant of the driver, not its history.
 *
 * Task
 * ----
 * 1. Write isFakeSuccess(dev, domain, ret): true when an attach of `dev` to `domain` returned 0
 *    but the device's hardware is not on `domain` (dev.hwDomain is what the driver programmed).
 * 2. Write fixRows, the rows of a variant of the "foreign-domain" check in which the driver
 *    follows the v6.2 contract: a silent -EINVAL from einval-6.2 on; the older eras keep their
 *    history (variant rows only need the eras that change).
 * The checks use your detector on real attaches, then turn your variant on (as
 * "mtk-iommu-v1:exercise-fix") and play the check and an iommufd attach through the core.
 *
 * Sources: seed 000 (Kevin Tian: "the current code sounds incorrect which should return an error");
 * drivers/iommu/mtk_iommu_v1.c @ 11cd45ac86fbaf5eca08515e0d03130c59fd08ac.
 */
import type { EraRows } from "../lib/driver.ts";
import type { Device, Domain } from "../lib/index.ts";
import { todo } from "../tools/exercises/todo.ts";

export function isFakeSuccess(dev: Device, domain: Domain, ret: number): boolean {
  // TODO: compare what the call returned with what the hardware got.
  return todo("decide from ret and dev.hwDomain whether the attach only pretended to work", dev, domain, ret);
}

// TODO: the variant's rows (a silent EINVAL from einval-6.2 on).
export const fixRows: EraRows = {};
