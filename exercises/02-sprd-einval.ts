/**
 * Exercise 02 - Convert sprd-iommu's attach to the EINVAL contract.
 *
 * Background
 * ----------
 * The Unisoc (Spreadtrum) IOMMU serves one client device. Before 2023 a domain that had been
 * attached once belonged to that IOMMU (dom->sdev), and sprd_iommu_attach_device() refused any
 * other attach with
 *
 *     pr_err("There's already a device attached to this domain.\n");
 *     return -EINVAL;
 *
 * In the v6.2 contract (commit f4a147735793, "iommu: Use EINVAL for incompatible device/domain
 * in ->attach_dev"), "this domain cannot take this device" is a *silent* -EINVAL: callers such as
 * iommufd try existing domains on purpose, so an error line for every probe is just noise.
 * The unmerged 2022 EMEDIUMTYPE patch had missed this driver: Kevin Tian listed sprd (pr_err +
 * EINVAL) among the drivers it forgot, so in `emediumtype-2022` sprd still behaves as before.
 * Later (the 2023 rework) the check disappeared: a domain may serve several sprd IOMMUs.
 *
 * Task
 * ----
 * `domainHasDeviceRows` is the per-era table of the driver's "domain-has-device" check, written
 * with the combinators of lib/driver.ts:
 *     fail("EINVAL")                    a silent -EINVAL
 *     fail("EINVAL", prErr(text))       -EINVAL with an error line (pr_err: no device name)
 *     null                              the check does not exist from this era on
 * An era without a row inherits its parent's row (pre-2022 -> emediumtype-2022 and einval-6.2;
 * einval-6.2 -> mainline-2025 -> test-dev-2025). Complete the table so that the driver follows
 * history in every era. The checks run the real driver, with your rows in place of its own,
 * through the real core (lib/matrix.ts runTrip), and then iommufd's domain search on two sprd
 * IOMMUs in einval-6.2.
 *
 * Sources: seed 000 (Kevin Tian's list of drivers EMEDIUMTYPE v1 missed); commit f4a147735793;
 * series "iommu: Define EINVAL as device/domain incompatibility" (20220913082448.31120-1-nicolinc@nvidia.com).
 */
import { type EraRows, fail, prErr } from "../lib/driver.ts";

export const alreadyText = "There's already a device attached to this domain.";

export const domainHasDeviceRows: EraRows = {
  "pre-2022": fail("EINVAL", prErr(alreadyText)), // pr_err: the line names no device
  // TODO: add the rows for the einval-6.2 contract and for the 2023 rework.
};
