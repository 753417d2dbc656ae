/**
 * TI OMAP IOMMU: drivers/iommu/omap-iommu.c, omap_iommu_attach_dev() and
 * omap_iommu_attach_init(). Sources: bd7ebb771935, f4a147735793 and TD1 16/20.
 *
 * An OMAP domain serves a single client device ("only a single client device can be attached
 * to a domain"): omap_domain->dev is set by the attach and cleared by the detach (the identity
 * attach since 2023). The condition is derived from the hardware state: another device is on
 * the domain.
 *
 * 32-bit Arm with no DMA default domain before 2023: the model gives the groups an identity
 * default domain in every era, standing for "no domain" / detach_dev (INFERRED).
 */
import {
  type CtxOf,
  devDbg,
  devErr,
  domainHasOtherDevice,
  type DriverModel,
  type EraRows,
  erasFrom,
  fail,
  lookupRows,
  noDmaDefaultDomain,
  noIommuGuard,
  noPasidCoherencyOrNesting,
  stepsFor,
  translating,
} from "../lib/driver.ts";
import { int } from "../lib/props.ts";
import { type ErrnoName, neg } from "../lib/errno.ts";

/** TD1 16/20 (Oct 2025): its "-" lines are this driver's 2025 attach_dev, its "+" lines the test-dev-2025 rows. */
const TD1_PATCH = "dbd15c7ba6c601289e3d1102653e827beecd1d34.1760312725.git.nicolinc@nvidia.com (TD1 16/20)";

const deviceProps = {
  iommus: int(1, "omap_iommu_count(dev) (entries of dev_iommu_priv_get(dev), the arch_data array)", "IOMMUs the device sits behind (2 for the DRA7 DSPs)"),
};

const shapes = { instance: {}, device: deviceProps, domain: {} };
type Ctx = CtxOf<typeof shapes>;
const { check } = stepsFor(shapes);

const noIommuText = "device doesn't have an associated iommu";
/** omap_iommu_attach_dev() prints this when omap_iommu_attach_init() fails (TD1 16/20's context lines). */
const attachInitText = "failed to allocate required iommu data %d";

/**
 * omap_iommu_attach_init()'s empty-list path: its caller prints the errno with dev_err; TD1 16/20
 * moves the test into test_dev, silent.
 */
const NO_IOMMUS: EraRows = {
  "pre-2022": fail("EINVAL", devErr(attachInitText)),
  "einval-6.2": fail("ENODEV", devErr(attachInitText)),
  "test-dev-2025": fail("ENODEV"),
};
const attachedText = "iommu domain is already attached";

export const omapIommu: DriverModel = {
  id: "omap-iommu",
  title: "TI OMAP IOMMU",
  file: "drivers/iommu/omap-iommu.c",
  opsName: "omap_iommu_ops",
  // TD1 16/20 names its test_dev omap_iommu_domain_test_dev.
  fn: { attach: "omap_iommu_attach_dev", testDev: "omap_iommu_domain_test_dev", setDevPasid: "(no set_dev_pasid)" },
  // INFERRED: the driver predates 2014; its 2014 attach is taken to be the pre-2022 one.
  exists: erasFrom("2014-nesting"),
  instanceProps: {},
  deviceProps,
  domainProps: {},
  attach: [
    noIommuGuard(
      "no-iommu",
      "!arch_data || !arch_data->iommu_dev",
      "no OMAP IOMMU is associated with the device",
      {
        // emediumtype-2022 inherits: a device-specific failure, not an incompatibility (INFERRED).
        "pre-2022": fail("EINVAL", devErr(noIommuText)),
        // INFERRED: the EINVAL series changed the errno and left the print.
        "einval-6.2": fail("ENODEV", devErr(noIommuText)),
        "test-dev-2025": fail("ENODEV", devDbg(noIommuText)),
      },
      {
        source: `bd7ebb771935 (v6.2: EINVAL to ENODEV); ${TD1_PATCH}`,
        // attach_dev walks arch_data, so the guard stays there under test_dev (INFERRED).
        note: "A device of another driver is treated like one with no OMAP IOMMU (INFERRED: before the core owner check its private data would be misread).",
      },
    ),
    check(
      "domain-attached",
      "omap_domain->dev",
      "the domain already serves another client device",
      (c: Ctx) => translating(c) && domainHasOtherDevice(c),
      {
        "pre-2022": fail("EBUSY", devErr(attachedText)),
        // INFERRED: converted (Kevin Tian did not list omap among the drivers the patch missed).
        "emediumtype-2022": fail("EMEDIUMTYPE", devDbg(attachedText)),
        // The EINVAL series made it the incompatibility errno but kept the dev_err.
        "einval-6.2": fail("EINVAL", devErr(attachedText)),
        "test-dev-2025": fail("EINVAL", devDbg(attachedText)),
      },
      { source: `f4a147735793 (v6.2: EBUSY to EINVAL, dev_err kept); ${TD1_PATCH}`, trip: {}, reads: ["users"] },
    ),
    check(
      "no-iommus",
      "!odomain->num_iommus (omap_iommu_attach_init)",
      "the device's IOMMU list is empty",
      (c: Ctx) => c.inst !== null && translating(c) && c.dev.props.iommus === 0,
      NO_IOMMUS,
      {
        source: `bd7ebb771935 (v6.2: EINVAL to ENODEV); ${TD1_PATCH}`,
        logArgs: (c) => [neg(lookupRows(NO_IOMMUS, c.era)!.errno as ErrnoName)],
        trip: { dev: { iommus: 0 }, firstAttach: false },
        note:
          "INFERRED: not reachable in the real driver once the first check passes (the count starts at arch_data->iommu_dev); the device property `iommus` stands in for an empty list so the row can be run. Kept by the EMEDIUMTYPE proposal as a device-specific path (INFERRED).",
      },
    ),
  ],
  ...noPasidCoherencyOrNesting,
  // omap_iommu_domain_alloc took UNMANAGED only; no DMA default domain on 32-bit Arm.
  ...noDmaDefaultDomain,
  notes: ["einval-6.2 keeps the dev_err on the EINVAL 'already attached' path (f4a147735793 changed only its errno), against the kdoc's 'should not log'."],
};
