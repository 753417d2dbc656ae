/**
 * Exercise 07 - iommufd_device_auto_get_domain(). Reference solution.
 *
 * Only EINVAL is soft: iommufd arrived with the v6.2 contract and never knew EMEDIUMTYPE.
 */
import { domainFree, type Device, errnoName, type Kernel, type Props } from "../lib/index.ts";
import { type AutoResult, type DoAttach, hwptPagingAlloc, type Ioas, type IommufdCtx } from "../lib/consumers/iommufd.ts";

export function autoGetDomain(k: Kernel, ctx: IommufdCtx, ioas: Ioas, dev: Device, doAttach: DoAttach, flags: Props = {}): AutoResult {
  const r: AutoResult = { ret: 0, hwpt: null, reused: false, attempts: 0, softFailures: 0, domainsAllocated: 0 };
  r.ret = k.call("iommufd_device_auto_get_domain", { ioas: ioas.id, dev: dev.id }, () => {
    for (const hwpt of ioas.hwpts) {
      if (!hwpt.autoDomain) continue;
      r.attempts++;
      const ret = doAttach(hwpt);
      if (ret === 0) {
        r.hwpt = hwpt;
        r.reused = true;
        return 0;
      }
      // "-EINVAL means the domain is incompatible with the device."
      if (errnoName(ret) === "EINVAL") {
        r.softFailures++;
        continue;
      }
      // "Other error codes should propagate to userspace as failure."
      return ret;
    }

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
