/**
 * Exercise 07 - iommufd: write the auto-domain search loop.
 *
 * Background
 * ----------
 * When user space attaches a device to an IOAS (IOMMU_DEVICE_ATTACH, or VFIO cdev's
 * VFIO_DEVICE_ATTACH_IOMMUFD_PT), iommufd does not ask which domain fits: it tries them.
 * iommufd_device_auto_get_domain() in drivers/iommu/iommufd/device.c walks the IOAS's hwpts
 * (hardware page tables, each wrapping one iommu_domain) that iommufd made automatically, and
 * attaches the device to each in turn. Its comment states the contract of v6.2:
 *
 *     -EINVAL means the domain is incompatible with the device. Other error codes should
 *     propagate to userspace as failure.
 *
 * So: success -> reuse that hwpt; -EINVAL -> try the next one; anything else -> the ioctl fails
 * with that errno at once. Only when no existing auto hwpt fits does it allocate a new one.
 * This is the consumer that made the EINVAL contract matter: VFIO type1 never used it
 * (exercise 08).
 *
 * Task
 * ----
 * Below is iommufd_device_auto_get_domain() with the loop body missing. `doAttach(hwpt)` is the
 * attach strategy (attach or replace) and returns 0 or a negative errno. Fill in the loop:
 * skip hwpts that were not made automatically (hwpt.autoDomain false), count every attempt in
 * r.attempts and every skipped EINVAL in r.softFailures, and on success set r.hwpt and
 * r.reused = true. The allocation of a new hwpt after the loop is given.
 * The checks run your function and the library's side by side on twin kernels - real devices
 * behind two SMMUv3 instances in einval-6.2 and mainline-2025, and attach strategies that fail
 * with other errnos - and compare what each returned, which hwpt it chose, the counters, the
 * hwpts left in the IOAS and the kernel log.
 *
 * Sources: drivers/iommu/iommufd/device.c (iommufd_device_auto_get_domain); commit 00208852d351;
 * notebooks/sources.md.
 */
import { domainFree, type Device, type Kernel, type Props } from "../lib/index.ts";
import { type AutoResult, type DoAttach, hwptPagingAlloc, type Ioas, type IommufdCtx } from "../lib/consumers/iommufd.ts";

export function autoGetDomain(k: Kernel, ctx: IommufdCtx, ioas: Ioas, dev: Device, doAttach: DoAttach, flags: Props = {}): AutoResult {
  const r: AutoResult = { ret: 0, hwpt: null, reused: false, attempts: 0, softFailures: 0, domainsAllocated: 0 };
  r.ret = k.call("iommufd_device_auto_get_domain", { ioas: ioas.id, dev: dev.id }, () => {
    for (const hwpt of ioas.hwpts) {
      if (!hwpt.autoDomain) continue;
      // TODO: try this hwpt. Reuse it on success, move on after -EINVAL, fail on anything else.
    }

    // No existing auto hwpt fits: allocate a new one for the device and attach it (given).
    const hwpt = hwptPagingAlloc(k, ctx, ioas, dev, flags, true);
    if (typeof hwpt === "number") return hwpt;
    r.domainsAllocated++;
    r.attempts++;
    const ret = doAttach(hwpt);
    if (ret) {
      ioas.hwpts.splice(ioas.hwpts.indexOf(hwpt), 1); // iommufd_object_abort_and_destroy
      domainFree(k, hwpt.domain);
      return ret;
    }
    r.hwpt = hwpt;
    return 0;
  });
  return r;
}
