/**
 * Intel VT-d: drivers/iommu/intel/iommu.c, intel_iommu_attach_device() and, from 2025,
 * paging_domain_compatible() (split by "iommu/vt-d: Split paging_domain_compatible()").
 * Sources per check row (`source`); the kit's sources page is notebooks/sources.md.
 *
 * Order of intel_iommu_attach_device() until the test_dev proposal: the RMRR refusal (v3.17 -
 * v6.5), then the device leaves its old domain (v5.x dmar_remove_one_dev_info(), v6.2
 * device_block_translation()), then the compatibility checks. A refused attach therefore leaves
 * the device blocked, with no rollback (the "detach-first" effect, shared with arm-smmu-v3).
 * Mainline 2025 still calls device_block_translation() before paging_domain_compatible() (TD1's
 * intel patch moves the checks into test_dev for that reason); the model keeps mainline-2025 on
 * the core's rollback promise and does not reproduce it there (known gap, INFERRED harmless for
 * single-device groups on the DMA default domain, which the core re-attaches on detach).
 */
import {
  capByEra,
  check,
  detachFirst,
  devErr,
  devWarn,
  type DriverModel,
  effect,
  erasFrom,
  fail,
  prop,
  type PropDoc,
  type Step,
  type StepCtx,
} from "../lib/driver.ts";
import { neg } from "../lib/errno.ts";
import type { Device, Domain, Kernel } from "../lib/model.ts";

const instanceProps: PropDoc[] = [
  { name: "addressWidth", kernel: "agaw_to_width(iommu->agaw) capped by cap_mgaw()", what: "input address bits the unit translates", default: 48 },
  { name: "snoopControl", kernel: "ecap_sc_support(iommu->ecap)", what: "can force snooping (enforce cache coherency)", default: true },
  { name: "coherent", kernel: "iommu_paging_structure_coherency(iommu)", what: "page-table walks are cache coherent", default: true },
  { name: "scalableMode", kernel: "sm_supported(iommu)", what: "scalable mode (PASID tables) enabled", default: true },
  { name: "firstStage", kernel: "ecap_flts(iommu->ecap)", what: "first-stage translation supported", default: true },
  { name: "secondStage", kernel: "ecap_slts(iommu->ecap)", what: "second-stage translation supported", default: true },
  { name: "superpage2M", kernel: "cap_super_page_val & 2M", what: "2 MiB superpages", default: true },
  { name: "superpage1G", kernel: "cap_super_page_val & 1G (cap_fl1gp_support for first stage)", what: "1 GiB superpages", default: true },
  { name: "dirtyTracking", kernel: "ecap_slads / SSADS", what: "second-stage access/dirty tracking", default: false },
  { name: "nesting", kernel: "ecap_nest(iommu->ecap)", what: "nested translation supported", default: false },
  { name: "pasid", kernel: "pasid_supported(iommu)", what: "PASID supported", default: true },
  { name: "contextCopied", kernel: "context_copied(iommu, bus, devfn)", what: "context entries inherited from a previous kernel (kdump)", default: false },
  { name: "passthrough", kernel: "iommu=pt / identity default domain", what: "default domain is identity", default: false },
];

const domainProps: PropDoc[] = [
  { name: "stage", kernel: "dmar_domain->use_first_level", what: "first or second stage page table", default: "second" },
  { name: "addressWidth", kernel: "dmar_domain->gaw", what: "address bits of the domain's page table", default: 48 },
  { name: "maxAddrBits", kernel: "dmar_domain->max_addr", what: "highest mapped IOVA, as a power of two (0: nothing mapped)", default: 0 },
  { name: "forceSnooping", kernel: "dmar_domain->force_snooping", what: "enforce_cache_coherency was set", default: false },
  { name: "iommuCoherency", kernel: "dmar_domain->iommu_coherency", what: "page table assumes coherent walks", default: true },
  { name: "superpage2M", kernel: "domain->pgsize_bitmap & SZ_2M", what: "uses 2 MiB pages", default: false },
  { name: "superpage1G", kernel: "domain->pgsize_bitmap & SZ_1G", what: "uses 1 GiB pages", default: false },
  { name: "dirtyTracking", kernel: "domain->dirty_ops", what: "allocated with dirty tracking", default: false },
  { name: "nestParent", kernel: "dmar_domain->nested_parent", what: "allocated as a nest parent", default: false },
];

/** Eras whose intel_iommu_attach_device() takes the device off its old domain before checking (see the file comment). */
const DETACH_FIRST = ["2014-nesting", "pre-2022", "emediumtype-2022", "einval-6.2"] as const;

const ip = <T extends number | boolean | string>(c: StepCtx, n: string) => prop<T>(c.inst!.props, instanceProps, n);
const dp = <T extends number | boolean | string>(c: StepCtx, n: string) => prop<T>(c.domain.props, domainProps, n);
const first = (c: StepCtx) => dp<string>(c, "stage") === "first";
const second = (c: StepCtx) => !first(c);
/** Checks that need the device's DMAR unit; a foreign device has none of ours (device_to_iommu fails). */
const mine = (f: (c: StepCtx) => boolean) => (c: StepCtx) => c.inst !== null && f(c);

const MAINLINE_EINVAL = { "mainline-2025": fail("EINVAL") };
/** intel_iommu_set_dev_pasid()'s own checks: the "-" lines of TD1's intel patch. */
const TD1_PASID = { source: "cover.1760312725.git.nicolinc@nvidia.com (TD1, the intel patch: intel_iommu_set_dev_pasid '-' lines)" };
/** Where the mainline paging_domain_compatible() checks come from. */
const SPLIT_SOURCE = { source: "20250714045028.958850-10-baolu.lu@linux.intel.com (iommu/vt-d: Split paging_domain_compatible()); cover.1760312725.git.nicolinc@nvidia.com (TD1, the intel patch)" };
const WIDTH_TEXT = "%s: iommu width (%d) is not sufficient for the mapped address (%llx)";
const RMRR_TEXT = "Device is ineligible for IOMMU domain attach due to platform RMRR requirement.  Contact your platform vendor.";

/** paging_domain_compatible() (mainline-2025): each incompatibility is a silent EINVAL. */
const compatible: Step[] = [
  check("fs-unsupported", "first stage && (!sm_supported || !ecap_flts)", "first-stage domain on a unit without first-stage translation",
    mine((c) => first(c) && (!ip<boolean>(c, "scalableMode") || !ip<boolean>(c, "firstStage"))), MAINLINE_EINVAL, { ...SPLIT_SOURCE, trip: { other: { firstStage: false } } }),
  check("fs-1g", "first stage && 1G pages && !cap_fl1gp_support", "first-stage domain uses 1 GiB pages the unit lacks",
    mine((c) => first(c) && dp<boolean>(c, "superpage1G") && !ip<boolean>(c, "superpage1G")), MAINLINE_EINVAL, { ...SPLIT_SOURCE, trip: { domain: { superpage1G: true }, other: { superpage1G: false } } }),
  check("ss-dirty", "second stage && dirty_ops && !ssads", "dirty tracking on a unit without SSADS",
    mine((c) => second(c) && dp<boolean>(c, "dirtyTracking") && !ip<boolean>(c, "dirtyTracking")), MAINLINE_EINVAL, { ...SPLIT_SOURCE, trip: { inst: { dirtyTracking: true }, domain: { dirtyTracking: true }, other: { dirtyTracking: false } } }),
  check("ss-nest-parent", "second stage && nested_parent && !ecap_nest", "nest parent on a unit without nesting",
    mine((c) => second(c) && dp<boolean>(c, "nestParent") && !ip<boolean>(c, "nesting")), MAINLINE_EINVAL, { ...SPLIT_SOURCE, trip: { inst: { nesting: true }, domain: { nestParent: true }, other: { nesting: false } } }),
  check("ss-unsupported", "second stage && !ecap_slts", "second-stage domain on a unit without second-stage translation",
    mine((c) => second(c) && !ip<boolean>(c, "secondStage")), MAINLINE_EINVAL, { ...SPLIT_SOURCE, trip: { domain: { stage: "second" }, other: { secondStage: false } } }),
  check("ss-superpage", "second stage && superpage sizes not supported", "the domain uses superpages the unit lacks",
    mine((c) => second(c) && ((dp<boolean>(c, "superpage2M") && !ip<boolean>(c, "superpage2M")) || (dp<boolean>(c, "superpage1G") && !ip<boolean>(c, "superpage1G")))), MAINLINE_EINVAL, { ...SPLIT_SOURCE, trip: { domain: { stage: "second", superpage2M: true }, other: { superpage2M: false } } }),
  check("force-snooping", "force_snooping && !ecap_sc_support", "the domain enforces snooping; this unit cannot",
    mine((c) => dp<boolean>(c, "forceSnooping") && !ip<boolean>(c, "snoopControl")),
    // Added in v5.19 ("iommu/vt-d: Check domain force_snooping against attached devices", Lu
    // Baolu, with the enforce_cache_coherency op): absent in 2014-nesting and in pre-2022, which
    // the kit models as the kernels before v5.19 (no DMA ownership, type1 keyed on IOMMU_CACHE).
    // The EMEDIUMTYPE v1-v6 diffs (based on v5.19-rc) show it returning -EOPNOTSUPP before.
    { "2014-nesting": null, "emediumtype-2022": fail("EMEDIUMTYPE"), "einval-6.2": fail("EINVAL") },
    {
      trip: { domain: { forceSnooping: true }, other: { snoopControl: false } },
      source: "v5.19 \"iommu/vt-d: Check domain force_snooping against attached devices\" (commit id UNVERIFIED); 20220606061927.26049-2-nicolinc@nvidia.com and 20220815181437.28127-2-nicolinc@nvidia.com (-EOPNOTSUPP -> -EMEDIUMTYPE); f4a147735793 (EINVAL)",
    }),
  check("coherency", "iommu_coherency && !iommu_paging_structure_coherency(iommu)", "the page table assumes coherent walks; this unit is not coherent",
    mine((c) => dp<boolean>(c, "iommuCoherency") && !ip<boolean>(c, "coherent")), MAINLINE_EINVAL, { ...SPLIT_SOURCE, trip: { other: { coherent: false } } }),
  check("address-width", "max_addr > 1 << addr_width (mainline: domain gaw > unit width)", "the unit cannot reach the domain's addresses",
    mine((c) => (c.k.features.pagingAllocForDevice ? dp<number>(c, "addressWidth") : dp<number>(c, "maxAddrBits")) > ip<number>(c, "addressWidth")),
    {
      "2014-nesting": fail("EFAULT", devErr(WIDTH_TEXT)),
      // The proposal's v1 changed only the errno (dev_err kept); v4-v6 deleted the print.
      "emediumtype-2022:v1": fail("EMEDIUMTYPE", devErr(WIDTH_TEXT)),
      "emediumtype-2022": fail("EMEDIUMTYPE"),
      "einval-6.2": fail("EINVAL"),
    },
    {
      source: "20220606061927.26049-2-nicolinc@nvidia.com (v1: -EFAULT -> -EMEDIUMTYPE); 20220815181437.28127-2-nicolinc@nvidia.com (v6: dev_err removed); f4a147735793 (EINVAL)",
      trip: { domain: { maxAddrBits: 48 }, other: { addressWidth: 39 } }, logArgs: (c) => ["prepare_domain_attach_device", ip<number>(c, "addressWidth"), 2 ** dp<number>(c, "maxAddrBits")] }),
];

export const intelVtd: DriverModel = {
  id: "intel-vtd",
  title: "Intel VT-d",
  file: "drivers/iommu/intel/iommu.c",
  opsName: "intel_iommu_ops",
  fn: { attach: "intel_iommu_attach_device", testDev: "intel_iommu_test_dev", setDevPasid: "intel_iommu_set_dev_pasid" },
  exists: erasFrom("2014-nesting"),
  instanceProps,
  deviceProps: [],
  domainProps,
  attach: [
    check("no-iommu", "!device_to_iommu(dev)", "no DMAR unit covers the device (or it belongs to another driver)", (c) => c.inst === null, {
      "2014-nesting": fail("ENODEV"),
    }, { trip: { noIommu: true }, phase: "both", source: "20220606061927.26049-2-nicolinc@nvidia.com (context of prepare_domain_attach_device: !iommu -> -ENODEV); cover.1760312725.git.nicolinc@nvidia.com (TD1, the intel patch)", note: "A device of another driver has no DMAR unit of ours, so device_to_iommu() fails: ENODEV (INFERRED)." }),
    check(
      "rmrr-locked",
      "domain->type == IOMMU_DOMAIN_UNMANAGED && device_is_rmrr_locked(dev)",
      "firmware (an RMRR) ties the device to a 1:1 mapping: no caller-owned domain for it",
      (c) => c.dev.requireDirect && c.domain.type === "unmanaged",
      {
        // c875d2c1b808 (v3.17); never converted to an incompatibility errno (Kevin Tian noted it
        // in the EINVAL series review, Sep 2022). d3aedf94f480 (2023, Lu Baolu) removed it; the
        // core's require_direct rule (a48ce36e2786) refuses blocking such a device instead.
        "2014-nesting": fail("EPERM", devWarn(RMRR_TEXT)),
        "mainline-2025": null,
      },
      {
        trip: { dev: {}, before: (_k, env) => void (env.dut.requireDirect = true) },
        phase: "attach",
        source: "c875d2c1b808 (v3.17); d3aedf94f480 and a48ce36e2786 (2023, Lu Baolu, 20230713043248.41315-1-baolu.lu@linux.intel.com)",
        note: "The device's requireDirect flag stands for device_is_rmrr_locked() (a non-relaxable RMRR: not USB, not graphics). v3.17 tested every domain type; from v5.3 only UNMANAGED ones (the kit's 2014 default domain stands for the DMA API, which never attached, so the UNMANAGED test is used in every era: INFERRED).",
      },
    ),
    effect(
      "detach-first",
      "dmar_remove_one_dev_info(dev) (v3.17-v5.x) / device_block_translation(dev) (v6.2)",
      "the device leaves its old domain before the compatibility checks: a refused attach leaves it blocked",
      detachFirst,
      DETACH_FIRST,
    ),
    ...compatible,
  ],
  setDevPasid: [
    check("pasid-unsupported", "!pasid_supported(iommu) || real DMA subdevice", "the unit has no PASID support",
      (c) => c.inst === null || !ip<boolean>(c, "pasid"), { "mainline-2025": fail("EOPNOTSUPP") }, { ...TD1_PASID, trip: { inst: { pasid: false } } }),
    check("pasid-dirty", "domain->dirty_ops", "dirty tracking is not supported on PASIDs", (c) => dp<boolean>(c, "dirtyTracking"), MAINLINE_EINVAL, { ...TD1_PASID, trip: { inst: { dirtyTracking: true }, domain: { dirtyTracking: true } } }),
    check("pasid-context-copied", "context_copied(iommu, bus, devfn)", "the context entry was inherited from a previous kernel",
      (c) => ip<boolean>(c, "contextCopied"), { "mainline-2025": fail("EBUSY") }, { ...TD1_PASID, trip: { inst: { contextCopied: true } } }),
    ...compatible,
  ],
  pasidEras: ["mainline-2025", "test-dev-2025"],
  allocDomain(c) {
    const props = { ...c.req };
    if (!c.inst) return { props, instance: null }; // bus allocation: the domain grows to every unit it is attached to
    const ipr = (n: string) => prop<number | boolean>(c.inst!.props, instanceProps, n);
    if (props["dirtyTracking"] === true && !ipr("dirtyTracking")) return neg("EOPNOTSUPP");
    const fs = ipr("scalableMode") && ipr("firstStage") && props["dirtyTracking"] !== true && props["nestParent"] !== true;
    return {
      props: {
        stage: fs ? "first" : "second",
        addressWidth: ipr("addressWidth") as number,
        iommuCoherency: ipr("coherent") as boolean,
        superpage2M: ipr("superpage2M") as boolean,
        superpage1G: ipr("superpage1G") as boolean,
        ...props,
      },
      instance: c.inst,
    };
  },
  capCacheCoherency: capByEra({
    // Before v5.19 intel_iommu_capable() answered domain_update_iommu_snooping(NULL): every DMAR
    // unit must support snoop control (type1 asked it per bus).
    "2014-nesting": (k) => {
      for (const i of k.instances.values()) if (i.driver.id === "intel-vtd" && !prop<boolean>(i.props, instanceProps, "snoopControl")) return false;
      return true;
    },
    // f78dc1dad829 (v5.19): IOMMU_CACHE is always supported, so always true; snoop control moved
    // to IOMMU_CAP_ENFORCE_CACHE_COHERENCY.
    "emediumtype-2022": true,
    "einval-6.2": true,
  }),
  capCacheCoherencySource: "intel_iommu_capable(): domain_update_iommu_snooping(NULL) before v5.19; true from f78dc1dad829 \"iommu: Redefine IOMMU_CAP_CACHE_COHERENCY as the cap flag for IOMMU_CACHE\" (v5.19)",
  capEnforceCacheCoherency(_k: Kernel, dev: Device) {
    return dev.instance ? prop<boolean>(dev.instance.props, instanceProps, "snoopControl") : false;
  },
  enforceCacheCoherency(k: Kernel, d: Domain) {
    // intel_iommu_enforce_cache_coherency: every unit the domain is attached to must snoop.
    const units = d.instance ? [d.instance, ...k.instancesOn(d)] : k.instancesOn(d);
    if (units.some((i) => !prop<boolean>(i.props, instanceProps, "snoopControl"))) return false;
    d.props["forceSnooping"] = true;
    return true;
  },
  enableNesting(k: Kernel, d: Domain) {
    // 2014: intel_iommu_ops had no domain_set_attr, so iommu_domain_set_attr() returned -EINVAL
    // (INFERRED). Later intel_iommu_enable_nesting() refused a domain that already had devices.
    if (k.features.nestingBySetAttr) return neg("EINVAL");
    if (k.devicesOn(d).size) return neg("ENODEV");
    d.props["nestParent"] = true;
    return 0;
  },
  defaultDomainType(_k: Kernel, dev: Device) {
    return dev.instance && prop<boolean>(dev.instance.props, instanceProps, "passthrough") ? "identity" : "dma";
  },
};
