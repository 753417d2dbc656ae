/**
 * The iommufd selftest mock IOMMU: drivers/iommu/iommufd/selftest.c (CONFIG_IOMMUFD_TEST),
 * mock_domain_nop_attach() and mock_domain_set_dev_pasid_nop(), read in the "-" lines of TD1 18/20,
 * and the iommufd selftests that run against it (tools/testing/selftests/iommu/iommufd.c).
 *
 * Modelled paths (all mainline-2025; TD1 moves the attach checks into mock_domain_nop_test):
 * - dirty-tracking domain (domain->dirty_ops) on a MOCK_FLAGS_DEVICE_NO_DIRTY device -> EINVAL (iommufd_dirty_tracking.enforce_dirty);
 *   allocating such a domain for that device is refused earlier with EOPNOTSUPP (allocDomain);
 * - nested domain on a vIOMMU where the device has no vdevice -> the vdev-id lookup's ENOENT (iommufd_viommu.viommu_alloc_nested_iopf);
 * - IOPF-capable domain and no IOPF queue -> ENODEV (attach and set_dev_pasid);
 * - set_dev_pasid of PASID 1024: the first call succeeds and arms a flag, the next one clears it
 *   and fakes ENOMEM, so that the core's PASID rollback can be tested (the PASID selftests).
 *
 * Eras. INFERRED: iommufd and its selftest arrived in v6.2, so the mock exists from einval-6.2
 * on; but dirty tracking (≈v6.7), IOPF, nesting/vIOMMU and the PASID selftests came later, so in
 * einval-6.2 the mock refuses nothing. (The v6.2 selftest even bypassed the attach core; the mock
 * became a registered IOMMU driver later, INFERRED.)
 */
import { type DriverModel, erasFrom, fail, nestingUnsupported, stepsFor } from "../lib/driver.ts";
import { flag } from "../lib/props.ts";
import { neg } from "../lib/errno.ts";
import type { Device, DomainType } from "../lib/model.ts";

/** Eras with the mock's dirty tracking, nesting/vIOMMU and IOPF support. */
const FEATURE_ERAS = erasFrom("mainline-2025");

/** The PASID whose second set_dev_pasid fails on purpose. */
export const MOCK_FAKE_ERROR_PASID = 1024;

const instanceProps = {
  iopfQueue: flag(true, "mock_iommu_iopf_queue", "the mock IOMMU has an IOPF queue (allocated at module init)"),
};

const deviceProps = {
  noDirty: flag(false, "mdev->flags & MOCK_FLAGS_DEVICE_NO_DIRTY", "the mock device cannot do dirty tracking"),
  vdevice: flag(false, "iommufd_viommu_get_vdev_id() succeeds", "a vdevice was allocated for the device on the nested domain's vIOMMU"),
};

const domainProps = {
  dirtyTracking: flag(false, "domain->dirty_ops (IOMMU_HWPT_ALLOC_DIRTY_TRACKING)", "allocated with dirty tracking"),
  iopf: flag(false, "domain->iopf_handler", "the domain takes I/O page faults"),
  viommu: flag(false, "to_mock_nested(domain)->mock_viommu", "a nested domain allocated on a mock vIOMMU"),
};

const shapes = { instance: instanceProps, device: deviceProps, domain: domainProps };
const { check, effect, ...typed } = stepsFor(shapes);

/** TD1 18/20 "iommufd/selftest: Implement mock_domain_nop_test": its "-" lines are the 2025 attach bodies. */
const TD1_MOCK = "cc583ad281e603555f07c6800988982709ffb857.1760312725.git.nicolinc@nvidia.com (TD1 18/20)";

/** mock_dev_enable_iopf(): an IOPF domain needs the IOPF queue. Shared by attach_dev and set_dev_pasid. */
const iopfNoQueue = (id: string) =>
  check(
    id,
    "domain->iopf_handler && !mock_iommu_iopf_queue",
    "the domain wants I/O page faults and the mock IOMMU has no IOPF queue",
    (c) => c.inst !== null && c.domain.props.iopf && !typed.inst(c.inst).iopfQueue,
    { "einval-6.2": null, "mainline-2025": fail("ENODEV") },
    { trip: { inst: { iopfQueue: false }, domain: { iopf: true }, firstAttach: false }, source: TD1_MOCK },
  );

/** mdev->pasid_1024_fake_error, per mock device. */
const fakeErrorArmed = new WeakMap<Device, boolean>();

/** Domain types mock_ops allocates; the rest is a NULL return. */
const TYPES: readonly DomainType[] = ["unmanaged", "blocked"];

export const iommufdMock: DriverModel = {
  id: "iommufd-mock",
  title: "iommufd selftest mock IOMMU",
  file: "drivers/iommu/iommufd/selftest.c",
  opsName: "mock_ops",
  fn: { attach: "mock_domain_nop_attach", testDev: "mock_domain_nop_test", setDevPasid: "mock_domain_set_dev_pasid_nop" },
  exists: erasFrom("einval-6.2"),
  instanceProps,
  deviceProps,
  domainProps,
  attach: [
    check(
      "no-dirty",
      "domain->dirty_ops && (mdev->flags & MOCK_FLAGS_DEVICE_NO_DIRTY)",
      "a dirty-tracking domain cannot take a device that cannot track dirty pages",
      (c) => c.domain.props.dirtyTracking && c.dev.props.noDirty,
      { "einval-6.2": null, "mainline-2025": fail("EINVAL") },
      { source: "cc583ad281e603555f07c6800988982709ffb857.1760312725.git.nicolinc@nvidia.com (TD1 18/20)", trip: { domain: { dirtyTracking: true }, dev: { noDirty: true } }, note: "Selftest iommufd_dirty_tracking.enforce_dirty." },
    ),
    check(
      "nested-no-vdevice",
      "NESTED && mock_viommu && iommufd_viommu_get_vdev_id() fails",
      "a nested domain on a vIOMMU needs the device's vdevice id",
      (c) => c.domain.type === "nested" && c.domain.props.viommu && !c.dev.props.vdevice,
      { "einval-6.2": null, "mainline-2025": fail("ENOENT") },
      { source: "cc583ad281e603555f07c6800988982709ffb857.1760312725.git.nicolinc@nvidia.com (TD1 18/20)", trip: { domainType: "nested", domain: { viommu: true }, first: { vdevice: true } }, note: "Selftest iommufd_viommu.viommu_alloc_nested_iopf: ENOENT until vdevice_alloc." },
    ),
    iopfNoQueue("iopf-no-queue"),
  ],
  setDevPasid: [
    effect(
      "pasid-1024-fake-error",
      "pasid == 1024: mdev->pasid_1024_fake_error",
      "every second set_dev_pasid of PASID 1024 fails with ENOMEM (the first arms, the next clears and fails)",
      (c) => {
        if (c.pasid !== MOCK_FAKE_ERROR_PASID) return 0;
        // The blocked domain's set_dev_pasid clears the flag. The core model does not run driver
        // steps for static domains, so a device whose PASID 1024 is not programmed is taken to
        // have it clear (INFERRED; differs only if an arming call then fails on the IOPF check).
        const armed = (fakeErrorArmed.get(c.dev) ?? false) && c.dev.hwPasid.has(MOCK_FAKE_ERROR_PASID);
        fakeErrorArmed.set(c.dev, !armed);
        return armed ? neg("ENOMEM") : 0;
      },
    ),
    iopfNoQueue("pasid-iopf-no-queue"),
  ],
  pasidEras: ["mainline-2025", "test-dev-2025"],
  allocDomain(c) {
    const req = c.req;
    const now = FEATURE_ERAS.includes(c.k.era.id);
    if (!TYPES.includes(c.type) && !(now && c.type === "nested")) return neg("ENOMEM");
    // Allocation flags the era does not know are refused like unknown hwpt_alloc flags (the selftests' unknown-flag cases).
    if (!now && (req["dirtyTracking"] === true || req["iopf"] === true || req["viommu"] === true)) return neg("EOPNOTSUPP");
    // Selftests: dirty tracking refused at allocation time for a NO_DIRTY device.
    if (req["dirtyTracking"] === true && c.dev && c.dev.props.noDirty) return neg("EOPNOTSUPP");
    return { props: { ...req }, instance: c.inst };
  },
  // mock_domain_capable(): IOMMU_CAP_CACHE_COHERENCY true; nothing for ENFORCE (INFERRED).
  capCacheCoherency: () => true,
  capCacheCoherencySource: "mock_domain_capable(): IOMMU_CAP_CACHE_COHERENCY true (drivers/iommu/iommufd/selftest.c)",
  capEnforceCacheCoherency: () => false,
  // INFERRED: no enforce_cache_coherency op modelled (not read).
  enforceCacheCoherency: null,
  enableNesting: nestingUnsupported,
  defaultDomainType() {
    // mock_ops.default_domain is the static mock_blocking_domain (INFERRED, not read): a mock device sits blocked until iommufd attaches it.
    return "blocked";
  },
  notes: [
    "Exists from einval-6.2 (INFERRED: iommufd and its selftest arrived in v6.2); every modelled check is from mainline-2025.",
    "TD1 moves the attach checks into mock_domain_nop_test; the PASID 1024 fake error stays in set_dev_pasid (an effect, not a check).",
  ],
};
