/**
 * AMD-Vi: drivers/iommu/amd/iommu.c (drivers/iommu/amd_iommu.c before v5.10),
 * amd_iommu_attach_device() / attach_device(), and the SVA set_dev_pasid of
 * drivers/iommu/amd/pasid.c. Sources: 79218fd0b38b and TD1 05/20; the test-dev-2025 rows follow TD1
 * patch 05/20 "iommu/amd: Implement test_dev callbacks to domain ops" (read: it moves the dirty
 * check into amd_iommu_test_device and the SVA checks into iommu_sva_test_dev, and returns
 * -ENOMEM on the kzalloc failure).
 *
 * An AMD protection domain is not tied to one IOMMU: the same domain serves devices behind
 * every IOMMU of the machine, so there is no "other instance" check (domains are allocated with
 * no instance).
 */
import {
  allocStep,
  detachFirst,
  type DriverModel,
  erasFrom,
  fail,
  lookupRows,
  nestingUnsupported,
  noInstance,
  stepsFor,
} from "../lib/driver.ts";
import { flag } from "../lib/props.ts";
import { neg } from "../lib/errno.ts";
import type { Device, Domain, Kernel } from "../lib/model.ts";

/** TD1 05/20 (Oct 2025): its "-" lines are this driver's 2025 attach_dev, its "+" lines the test-dev-2025 rows. */
const TD1_PATCH = "6ce261ebacddec3a528c5b303a40476aad422dd5.1760312725.git.nicolinc@nvidia.com (TD1 05/20)";

const instanceProps = {
  passthrough: flag(false, "iommu=pt / amd_iommu_def_domain_type()", "devices start on an identity (passthrough) domain"),
  hdSupport: flag(false, "amd_iommu_hd_support(iommu) (EFR2 HDSUP)", "the IOMMU can update dirty bits (IOMMUFD dirty tracking)"),
  pasid: flag(false, "amd_iommu_pasid_supported() (EFR GT + PPR)", "PASID / SVA supported"),
};

const deviceProps = {
  pasidEnabled: flag(true, "is_pasid_enabled(dev_data): pasid_enabled && max_pasids && gcr3_tbl", "the PCI PASID capability is enabled and the device has a GCR3 table"),
};

const domainProps = {
  iommuV2: flag(false, "domain->flags & PD_IOMMUV2_MASK (amd_iommu_domain_enable_v2)", "an IOMMUv2 (PASID/PRI) domain of the amd_iommu_v2 module, as amdkfd used"),
  dirtyTracking: flag(false, "domain->dirty_ops (IOMMU_HWPT_ALLOC_DIRTY_TRACKING)", "allocated with dirty tracking"),
};

const shapes = { instance: instanceProps, device: deviceProps, domain: domainProps };
const { check, effect, ...typed } = stepsFor(shapes);

/** Eras with SVA and dirty tracking (v6.7+ dirty tracking, v6.9+ SVA on AMD; INFERRED releases). */
const MAINLINE = ["mainline-2025", "test-dev-2025"] as const;

/** attach_device(): an IOMMUv2 domain (amd_iommu_v2 module) needs a passthrough default domain. */
const iommuV2Default = check(
  "iommuv2-default",
  "domain->flags & PD_IOMMUV2_MASK && def_domain->type != IOMMU_DOMAIN_IDENTITY",
  "an IOMMUv2 domain needs the device to be in passthrough by default",
  (c) => c.domain.props.iommuV2 && c.dev.group?.defaultDomain?.type !== "identity",
  {
    "pre-2022": fail("EINVAL"),
    // Converted by the proposal: its amd/iommu.c hunk turns attach_device's -EINVAL into -EMEDIUMTYPE.
    "emediumtype-2022": fail("EMEDIUMTYPE"),
    "einval-6.2": fail("EINVAL"),
    // INFERRED: the amd_iommu_v2 module and PD_IOMMUV2_MASK were removed in 2023 (~v6.6).
    "mainline-2025": null,
  },
  {
    source: "20220606061927.26049-1-nicolinc@nvidia.com (EMEDIUMTYPE series: attach_device's EINVAL in its '-' lines)",
    trip: { domain: { iommuV2: true }, firstAttach: false },
    note:
      "Inside attach_device(), after the device was detached from its old domain: a refusal leaves it with no domain. Only PCI devices are tested. Until v5.x the test read dev_data->passthrough (the same condition); from the v2 page-table support (~v6.0) it applies only with amd_iommu_pgtable == AMD_IOMMU_V1, the default (the v2 mode is not modelled). Read in stored copies of amd/iommu.c and the EMEDIUMTYPE diffs.",
  },
);

export const amdIommu: DriverModel = {
  id: "amd-iommu",
  title: "AMD-Vi (AMD IOMMU)",
  file: "drivers/iommu/amd/iommu.c",
  opsName: "amd_iommu_ops",
  fn: { attach: "amd_iommu_attach_device", testDev: "amd_iommu_test_device", setDevPasid: "iommu_sva_set_dev_pasid" },
  // INFERRED: the driver predates 2014 (v2.6.27); its 2014 attach is taken to be the pre-2022 one.
  exists: erasFrom("2014-nesting"),
  instanceProps,
  deviceProps,
  domainProps,
  attach: [
    check(
      "no-amd-iommu",
      "!check_device(dev) || !amd_iommu_rlookup_table[devid]",
      "no AMD IOMMU covers the device (outside the IVRS table, or no IOMMU found for its device id)",
      noInstance,
      {
        "pre-2022": fail("EINVAL"),
        // Not an incompatibility (the device has no AMD IOMMU at all): kept by the proposal (INFERRED).
        "einval-6.2": null, // 79218fd0b38b: probe already does both checks
      },
      {
        source: "79218fd0b38b (dropped for v6.2: probe already checks)",
        trip: { noIommu: true },
        note:
          "check_device() and the rlookup are two tests in the source; check_device() already includes the rlookup, so one row models both. A device of another driver is taken to fail them the same way (INFERRED).",
      },
    ),
    check(
      "dirty-no-hd",
      "dom->dirty_ops && !amd_iommu_hd_support(iommu)",
      "the domain tracks dirty pages and this device's IOMMU cannot set dirty bits",
      (c) => c.inst !== null && c.domain.props.dirtyTracking && !c.inst.props.hdSupport,
      { "mainline-2025": fail("EINVAL") },
      { source: TD1_PATCH, trip: { inst: { hdSupport: true }, other: { hdSupport: false }, domain: { dirtyTracking: true } } },
    ),
    effect("detach-first", "if (dev_data->domain) detach_device(dev)", "the device leaves its old domain before attach_device() runs", detachFirst),
    iommuV2Default,
  ],
  setDevPasid: [
    check(
      "paging-no-set-dev-pasid",
      "!domain->ops->set_dev_pasid (paging domains' default_domain_ops have none)",
      "only SVA domains can be attached to a PASID on AMD",
      (c) => c.domain.type !== "sva",
      { "mainline-2025": fail("EOPNOTSUPP") },
      {
        source: "17194cd0dd23 (iommu.c: no set_dev_pasid op gives EOPNOTSUPP)",
        trip: { inst: { pasid: true } },
        note:
          "The core's test (iommu_attach_device_pasid): the kit's core asks per driver whether set_dev_pasid exists, not per domain type, so the driver answers for its paging domains here (INFERRED placement, same errno).",
      },
    ),
    effect(
      "sva-old",
      "if (old) return -EOPNOTSUPP",
      "an SVA PASID cannot be replaced in place (replace gives old != NULL)",
      (c) => (c.old ? neg("EOPNOTSUPP") : 0),
      MAINLINE,
    ),
    check(
      "sva-bad-pasid",
      "!is_pasid_valid(dev_data, pasid) || !is_pasid_enabled(dev_data)",
      "PASID 0, a PASID beyond the device's max_pasids, or PASID not enabled on the device",
      (c) => c.pasid === null || c.pasid === 0 || c.pasid >= c.dev.maxPasids || !c.dev.props.pasidEnabled,
      { "mainline-2025": fail("EINVAL") },
      {
        source: TD1_PATCH,
        trip: { inst: { pasid: true }, domainType: "sva", dev: { pasidEnabled: false } },
        note: "The core refuses PASID 0 and PASIDs >= max_pasids first (iommu_attach_device_pasid), so through the core only 'PASID not enabled' reaches this row (dev_data->max_pasids taken equal to dev->iommu->max_pasids, INFERRED).",
      },
    ),
    allocStep(
      "sva-kzalloc",
      "pdom_dev_data = kzalloc(sizeof(*pdom_dev_data), GFP_KERNEL)",
      "the PASID's entry on the SVA domain's device list",
      {
        // The bug: `ret` still held -EINVAL from its initialiser, so an OOM looked like "incompatible".
        "mainline-2025": fail("EINVAL"),
        // TD1 05/20: "Correct the errno upon malloc failure."
        "test-dev-2025": fail("ENOMEM"),
      },
    ),
  ],
  pasidEras: [...MAINLINE],
  allocDomain(c) {
    const req = c.req;
    const now = c.k.features.pagingAllocForDevice;
    if (c.type === "sva") {
      // amd_iommu_domain_alloc_sva (2024). INFERRED errno for an IOMMU without GT/PPR.
      if (!now || !c.inst || !typed.inst(c.inst).pasid) return neg("EOPNOTSUPP");
      return { props: { ...req }, instance: null };
    }
    if (!["unmanaged", "dma", "identity"].includes(c.type)) return neg("ENOMEM");
    // amd_iommu_domain_enable_v2() went with the amd_iommu_v2 module (INFERRED errno).
    if (req["iommuV2"] === true && !lookupRows(iommuV2Default.rows, c.k.era.id)) return neg("EOPNOTSUPP");
    if (req["dirtyTracking"] === true) {
      // do_iommu_domain_alloc(): dirty tracking needs HD on the device's IOMMU (-EOPNOTSUPP); no
      // dirty-tracking allocation exists before IOMMUFD dirty tracking (2023).
      if (!now || !c.inst || !typed.inst(c.inst).hdSupport) return neg("EOPNOTSUPP");
    }
    return { props: { ...req }, instance: null };
  },
  // amd_iommu_capable(): IOMMU_CAP_CACHE_COHERENCY and ENFORCE_CACHE_COHERENCY are both true.
  capCacheCoherency: () => true,
  capCacheCoherencySource: "amd_iommu_capable(): IOMMU_CAP_CACHE_COHERENCY true in every era",
  capEnforceCacheCoherency: () => true,
  // amd_iommu_enforce_cache_coherency(): "IOMMU_PTE_FC is always set".
  enforceCacheCoherency: (_k: Kernel, _d: Domain) => true,
  enableNesting: nestingUnsupported,
  defaultDomainType(_k: Kernel, dev: Device) {
    return dev.instance && typed.inst(dev.instance).passthrough ? "identity" : "dma";
  },
  notes: [
    "sva-old is an effect, not a check: the kit's trip recipes only attach PASIDs, and only a replace passes old != NULL. Its rows: mainline-2025 EOPNOTSUPP, test-dev-2025 EOPNOTSUPP (moved into iommu_sva_test_dev by TD1; the model keeps it in set_dev_pasid, same errno). Tested by hand with iommu_replace_device_pasid.",
    "sva-kzalloc returned -EINVAL in mainline (ret initialised to -EINVAL); TD1 corrects it to -ENOMEM. Reached with new Kernel({ era, failNth }).",
  ],
};
