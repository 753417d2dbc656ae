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
  type CtxOf,
  detachFirst,
  devErr,
  devWarn,
  type DriverModel,
  erasFrom,
  fail,
  type Step,
  stepsFor,
} from "../lib/driver.ts";
import { flag, int, oneOf } from "../lib/props.ts";
import { neg } from "../lib/errno.ts";
import type { Device, Domain, Kernel } from "../lib/model.ts";

/** Input address widths: at most 64 bits. */
const ADDRESS_BITS = { min: 1, max: 64 };

const instanceProps = {
  addressWidth: int(48, "agaw_to_width(iommu->agaw) capped by cap_mgaw()", "input address bits the unit translates", ADDRESS_BITS),
  snoopControl: flag(true, "ecap_sc_support(iommu->ecap)", "can force snooping (enforce cache coherency)"),
  coherent: flag(true, "iommu_paging_structure_coherency(iommu)", "page-table walks are cache coherent"),
  scalableMode: flag(true, "sm_supported(iommu)", "scalable mode (PASID tables) enabled"),
  firstStage: flag(true, "ecap_flts(iommu->ecap)", "first-stage translation supported"),
  secondStage: flag(true, "ecap_slts(iommu->ecap)", "second-stage translation supported"),
  superpage2M: flag(true, "cap_super_page_val & 2M", "2 MiB superpages"),
  superpage1G: flag(true, "cap_super_page_val & 1G (cap_fl1gp_support for first stage)", "1 GiB superpages"),
  dirtyTracking: flag(false, "ecap_slads / SSADS", "second-stage access/dirty tracking"),
  nesting: flag(false, "ecap_nest(iommu->ecap)", "nested translation supported"),
  pasid: flag(true, "pasid_supported(iommu)", "PASID supported"),
  contextCopied: flag(false, "context_copied(iommu, bus, devfn)", "context entries inherited from a previous kernel (kdump)"),
  passthrough: flag(false, "iommu=pt / identity default domain", "default domain is identity"),
};

const domainProps = {
  stage: oneOf(["first", "second"], "second", "dmar_domain->use_first_level", "first or second stage page table"),
  addressWidth: int(48, "dmar_domain->gaw", "address bits of the domain's page table", ADDRESS_BITS),
  maxAddrBits: int(0, "dmar_domain->max_addr", "highest mapped IOVA, as a power of two (0: nothing mapped)", { max: 64 }),
  forceSnooping: flag(false, "dmar_domain->force_snooping", "enforce_cache_coherency was set"),
  iommuCoherency: flag(true, "dmar_domain->iommu_coherency", "page table assumes coherent walks"),
  superpage2M: flag(false, "domain->pgsize_bitmap & SZ_2M", "uses 2 MiB pages"),
  superpage1G: flag(false, "domain->pgsize_bitmap & SZ_1G", "uses 1 GiB pages"),
  dirtyTracking: flag(false, "domain->dirty_ops", "allocated with dirty tracking"),
  nestParent: flag(false, "dmar_domain->nested_parent", "allocated as a nest parent"),
};

const shapes = { instance: instanceProps, device: {}, domain: domainProps };
type Ctx = CtxOf<typeof shapes>;
const { check, effect, ...typed } = stepsFor(shapes);

/** Eras whose intel_iommu_attach_device() takes the device off its old domain before checking (see the file comment). */
const DETACH_FIRST = ["2014-nesting", "pre-2022", "emediumtype-2022", "einval-6.2"] as const;

const first = (c: Ctx) => c.domain.props.stage === "first";
const second = (c: Ctx) => !first(c);
/** Checks that need the device's DMAR unit; a foreign device has none of ours (device_to_iommu fails). */
const mine = (f: (c: Ctx) => boolean) => (c: Ctx) => c.inst !== null && f(c);

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
    mine((c) => first(c) && (!c.inst!.props.scalableMode || !c.inst!.props.firstStage)), MAINLINE_EINVAL, { ...SPLIT_SOURCE, trip: { other: { firstStage: false } } }),
  check("fs-1g", "first stage && 1G pages && !cap_fl1gp_support", "first-stage domain uses 1 GiB pages the unit lacks",
    mine((c) => first(c) && c.domain.props.superpage1G && !c.inst!.props.superpage1G), MAINLINE_EINVAL, { ...SPLIT_SOURCE, trip: { domain: { superpage1G: true }, other: { superpage1G: false } } }),
  check("ss-dirty", "second stage && dirty_ops && !ssads", "dirty tracking on a unit without SSADS",
    mine((c) => second(c) && c.domain.props.dirtyTracking && !c.inst!.props.dirtyTracking), MAINLINE_EINVAL, { ...SPLIT_SOURCE, trip: { inst: { dirtyTracking: true }, domain: { dirtyTracking: true }, other: { dirtyTracking: false } } }),
  check("ss-nest-parent", "second stage && nested_parent && !ecap_nest", "nest parent on a unit without nesting",
    mine((c) => second(c) && c.domain.props.nestParent && !c.inst!.props.nesting), MAINLINE_EINVAL, { ...SPLIT_SOURCE, trip: { inst: { nesting: true }, domain: { nestParent: true }, other: { nesting: false } } }),
  check("ss-unsupported", "second stage && !ecap_slts", "second-stage domain on a unit without second-stage translation",
    mine((c) => second(c) && !c.inst!.props.secondStage), MAINLINE_EINVAL, { ...SPLIT_SOURCE, trip: { domain: { stage: "second" }, other: { secondStage: false } } }),
  check("ss-superpage", "second stage && superpage sizes not supported", "the domain uses superpages the unit lacks",
    mine((c) => second(c) && ((c.domain.props.superpage2M && !c.inst!.props.superpage2M) || (c.domain.props.superpage1G && !c.inst!.props.superpage1G))), MAINLINE_EINVAL, { ...SPLIT_SOURCE, trip: { domain: { stage: "second", superpage2M: true }, other: { superpage2M: false } } }),
  check("force-snooping", "force_snooping && !ecap_sc_support", "the domain enforces snooping; this unit cannot",
    mine((c) => c.domain.props.forceSnooping && !c.inst!.props.snoopControl),
    // Added in v5.19 ("iommu/vt-d: Check domain force_snooping against attached devices", Lu
    // Baolu, with the enforce_cache_coherency op): absent in 2014-nesting and in pre-2022, which
    // the kit models as the kernels before v5.19 (no DMA ownership, type1 keyed on IOMMU_CACHE).
    // The EMEDIUMTYPE v1-v6 diffs (based on v5.19-rc) show it returning -EOPNOTSUPP before.
    { "pre-2022": null, "emediumtype-2022": fail("EMEDIUMTYPE"), "einval-6.2": fail("EINVAL") },
    {
      trip: { domain: { forceSnooping: true }, other: { snoopControl: false } },
      source: "v5.19 \"iommu/vt-d: Check domain force_snooping against attached devices\" (commit id UNVERIFIED); 20220606061927.26049-2-nicolinc@nvidia.com and 20220815181437.28127-2-nicolinc@nvidia.com (-EOPNOTSUPP -> -EMEDIUMTYPE); f4a147735793 (EINVAL)",
    }),
  check("coherency", "iommu_coherency && !iommu_paging_structure_coherency(iommu)", "the page table assumes coherent walks; this unit is not coherent",
    mine((c) => c.domain.props.iommuCoherency && !c.inst!.props.coherent), MAINLINE_EINVAL, { ...SPLIT_SOURCE, trip: { other: { coherent: false } } }),
  check("address-width", "max_addr > 1 << addr_width (mainline: domain gaw > unit width)", "the unit cannot reach the domain's addresses",
    mine((c) => (c.k.features.pagingAllocForDevice ? c.domain.props.addressWidth : c.domain.props.maxAddrBits) > c.inst!.props.addressWidth),
    {
      "pre-2022": fail("EFAULT", devErr(WIDTH_TEXT)),
      // The proposal's v1 changed only the errno (dev_err kept); v4-v6 deleted the print.
      "emediumtype-2022:v1": fail("EMEDIUMTYPE", devErr(WIDTH_TEXT)),
      "emediumtype-2022": fail("EMEDIUMTYPE"),
      "einval-6.2": fail("EINVAL"),
    },
    {
      source: "20220606061927.26049-2-nicolinc@nvidia.com (v1: -EFAULT -> -EMEDIUMTYPE); 20220815181437.28127-2-nicolinc@nvidia.com (v6: dev_err removed); f4a147735793 (EINVAL)",
      trip: { domain: { maxAddrBits: 48 }, other: { addressWidth: 39 } }, logArgs: (c) => ["prepare_domain_attach_device", c.inst!.props.addressWidth, 2 ** c.domain.props.maxAddrBits] }),
];

export const intelVtd: DriverModel = {
  id: "intel-vtd",
  title: "Intel VT-d",
  file: "drivers/iommu/intel/iommu.c",
  opsName: "intel_iommu_ops",
  fn: { attach: "intel_iommu_attach_device", testDev: "intel_iommu_test_dev", setDevPasid: "intel_iommu_set_dev_pasid" },
  exists: erasFrom("2014-nesting"),
  instanceProps,
  deviceProps: {},
  domainProps,
  attach: [
    check("no-iommu", "!device_to_iommu(dev)", "no DMAR unit covers the device (or it belongs to another driver)", (c) => c.inst === null, {
      "pre-2022": fail("ENODEV"),
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
        "pre-2022": fail("EPERM", devWarn(RMRR_TEXT)),
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
      (c) => c.inst === null || !c.inst.props.pasid, { "mainline-2025": fail("EOPNOTSUPP") }, { ...TD1_PASID, trip: { inst: { pasid: false } } }),
    check("pasid-dirty", "domain->dirty_ops", "dirty tracking is not supported on PASIDs", (c) => c.domain.props.dirtyTracking, MAINLINE_EINVAL, { ...TD1_PASID, trip: { inst: { dirtyTracking: true }, domain: { dirtyTracking: true } } }),
    check("pasid-context-copied", "context_copied(iommu, bus, devfn)", "the context entry was inherited from a previous kernel",
      (c) => c.inst!.props.contextCopied, { "mainline-2025": fail("EBUSY") }, { ...TD1_PASID, trip: { inst: { contextCopied: true } } }),
    ...compatible,
  ],
  pasidEras: ["mainline-2025", "test-dev-2025"],
  allocDomain(c) {
    const props = { ...c.req };
    if (!c.inst) return { props, instance: null }; // bus allocation: the domain grows to every unit it is attached to
    const unit = typed.inst(c.inst);
    if (props["dirtyTracking"] === true && !unit.dirtyTracking) return neg("EOPNOTSUPP");
    const fs = unit.scalableMode && unit.firstStage && props["dirtyTracking"] !== true && props["nestParent"] !== true;
    return {
      props: {
        stage: fs ? "first" : "second",
        addressWidth: unit.addressWidth,
        iommuCoherency: unit.coherent,
        superpage2M: unit.superpage2M,
        superpage1G: unit.superpage1G,
        ...props,
      },
      instance: c.inst,
    };
  },
  capCacheCoherency: capByEra({
    // Before v5.19 intel_iommu_capable() answered domain_update_iommu_snooping(NULL): every DMAR
    // unit must support snoop control (type1 asked it per bus).
    "pre-2022": (k) => {
      for (const i of k.instances.values()) if (i.driver.id === "intel-vtd" && !typed.inst(i).snoopControl) return false;
      return true;
    },
    // f78dc1dad829 (v5.19): IOMMU_CACHE is always supported, so always true; snoop control moved
    // to IOMMU_CAP_ENFORCE_CACHE_COHERENCY.
    "emediumtype-2022": true,
    "einval-6.2": true,
  }),
  capCacheCoherencySource: "intel_iommu_capable(): domain_update_iommu_snooping(NULL) before v5.19; true from f78dc1dad829 \"iommu: Redefine IOMMU_CAP_CACHE_COHERENCY as the cap flag for IOMMU_CACHE\" (v5.19)",
  capEnforceCacheCoherency(_k: Kernel, dev: Device) {
    return dev.instance ? typed.inst(dev.instance).snoopControl : false;
  },
  enforceCacheCoherency(k: Kernel, d: Domain) {
    // intel_iommu_enforce_cache_coherency: every unit the domain is attached to must snoop.
    const units = d.instance ? [d.instance, ...k.instancesOn(d)] : k.instancesOn(d);
    if (units.some((i) => !typed.inst(i).snoopControl)) return false;
    typed.dom(d).forceSnooping = true;
    return true;
  },
  enableNesting(k: Kernel, d: Domain) {
    // 2014: intel_iommu_ops had no domain_set_attr, so iommu_domain_set_attr() returned -EINVAL
    // (INFERRED). Later intel_iommu_enable_nesting() refused a domain that already had devices.
    if (k.features.nestingBySetAttr) return neg("EINVAL");
    if (k.devicesOn(d).size) return neg("ENODEV");
    typed.dom(d).nestParent = true;
    return 0;
  },
  defaultDomainType(_k: Kernel, dev: Device) {
    return dev.instance && typed.inst(dev.instance).passthrough ? "identity" : "dma";
  },
};
