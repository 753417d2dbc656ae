/**
 * Freescale/NXP PAMU (PowerPC QorIQ): drivers/iommu/fsl_pamu_domain.c, fsl_pamu_attach_device()
 * and pamu_config_ppaace() in fsl_pamu.c. Sources: bd7ebb771935 and TD1 15/20.
 *
 * A device is identified by its LIODN(s) from the device tree ("fsl,liodn"); every check is
 * about that identifier, not about the domain, so none of them is an incompatibility:
 *   pre-2022: missing property / LIODN out of range -> pr_debug + EINVAL; bad operation mapping
 *   index -> EINVAL. einval-6.2 and mainline-2025: all ENODEV (bd7ebb771935, and TD1
 *   patch 15/20's "-" lines). test-dev-2025: moved into test_dev.
 * The pr_debug texts are the kernel's (bd7ebb771935 and TD1 15/20 quote them), with `%s` for the
 * kernel's `%pOF` (the device-tree node). pr_debug lines are recorded at "dbg" level without a
 * device name.
 *
 * PowerPC had no DMA default domain: the model gives the groups an identity default domain,
 * standing for "no domain" before 2023 and for the PLATFORM domain after (INFERRED). The
 * checks apply to translating domains; the old detach path never failed.
 */
import {
  type CtxOf,
  prDbg,
  type DriverModel,
  erasFrom,
  fail,
  noDmaDefaultDomain,
  noInstance,
  stepsFor,
  translating,
} from "../lib/driver.ts";
import { flag, int } from "../lib/props.ts";
import { neg } from "../lib/errno.ts";
import type { Kernel } from "../lib/model.ts";

/** TD1 15/20 (Oct 2025): its "-" lines are this driver's 2025 attach_dev, its "+" lines the test-dev-2025 rows. */
const TD1_PATCH = "a54211182e22db598b2a26f589e8f5f34ad78f98.1760312725.git.nicolinc@nvidia.com (TD1 15/20)";

/** PAACE_NUMBER_ENTRIES: size of the primary PAACE table (INFERRED value 0x500). */
const PAACE_NUMBER_ENTRIES = 0x500;
/** OME_NUMBER_ENTRIES: operation mapping entries (INFERRED value 16). */
const OME_NUMBER_ENTRIES = 16;

const deviceProps = {
  hasLiodn: flag(true, 'of_get_property(dev->of_node, "fsl,liodn")', "the device tree gives the device a LIODN"),
  liodn: int(1, "liodn[i]", "the device's logical I/O device number (PAACE index)"),
  omi: int(-1, "omi (operation mapping index; ~0 = none)", "operation mapping index programmed with the PAACE, -1 for none"),
};

const shapes = { instance: {}, device: deviceProps, domain: {} };
type Ctx = CtxOf<typeof shapes>;
const { check } = stepsFor(shapes);

/** The checks look at the LIODN of a device being put on a translating domain. */
const onPaging = (f: (c: Ctx) => boolean) => (c: Ctx) => translating(c) && f(c);

const missingText = "missing fsl,liodn property at %s";
const rangeText = "Invalid liodn %d, attach device failed for %s";
const omiText = "bad operation mapping index: %d";

export const fslPamu: DriverModel = {
  id: "fsl-pamu",
  title: "Freescale PAMU",
  file: "drivers/iommu/fsl_pamu_domain.c",
  opsName: "fsl_pamu_ops",
  // TD1 15/20 names its test_dev fsl_pamu_domain_test_device.
  fn: { attach: "fsl_pamu_attach_device", testDev: "fsl_pamu_domain_test_device", setDevPasid: "(no set_dev_pasid)" },
  // INFERRED: merged in v3.13 (2013); its 2014 attach is taken to be the pre-2022 one.
  exists: erasFrom("2014-nesting"),
  instanceProps: {},
  deviceProps,
  domainProps: {},
  attach: [
    check(
      "missing-liodn",
      '!of_get_property(dev->of_node, "fsl,liodn", &len)',
      "the device has no LIODN in the device tree",
      onPaging((c) => noInstance(c) || !c.dev.props.hasLiodn),
      {
        "pre-2022": fail("EINVAL", prDbg(missingText)),
        // Device-specific, not an incompatibility: kept by the proposal (INFERRED).
        "einval-6.2": fail("ENODEV", prDbg(missingText)),
      },
      {
        source: `bd7ebb771935 (v6.2: EINVAL to ENODEV); ${TD1_PATCH}`,
        trip: { dev: { hasLiodn: false } },
        // TD1 15/20 moves both LIODN tests into fsl_pamu_domain_test_device and drops them from
        // fsl_pamu_attach_device (which then trusts test_dev): test_dev only under test-dev-2025.
        logArgs: (c) => [c.dev.id],
        note: "A device with no PAMU at all (or of another driver) has no LIODN either (INFERRED).",
      },
    ),
    check(
      "liodn-range",
      "liodn[i] >= PAACE_NUMBER_ENTRIES",
      "the LIODN is beyond the PAACE table",
      onPaging((c) => c.dev.props.liodn >= PAACE_NUMBER_ENTRIES),
      { "pre-2022": fail("EINVAL", prDbg(rangeText)), "einval-6.2": fail("ENODEV", prDbg(rangeText)) },
      { source: `bd7ebb771935 (v6.2: EINVAL to ENODEV); ${TD1_PATCH}`, trip: { dev: { liodn: PAACE_NUMBER_ENTRIES } }, logArgs: (c) => [c.dev.props.liodn, c.dev.id] },
    ),
    check(
      "bad-omi",
      "omi >= OME_NUMBER_ENTRIES (pamu_config_ppaace)",
      "the operation mapping index is out of range",
      onPaging((c) => c.dev.props.omi >= OME_NUMBER_ENTRIES),
      { "pre-2022": fail("EINVAL", prDbg(omiText)), "einval-6.2": fail("ENODEV", prDbg(omiText)) },
      {
        source: "bd7ebb771935 (fsl_pamu.c pamu_config_ppaace: EINVAL to ENODEV, pr_debug kept)",
        logArgs: (c) => [c.dev.props.omi],
        trip: { dev: { omi: OME_NUMBER_ENTRIES } },
        note: "UNCERTAIN: the attach path is believed to pass omi = ~0 (no operation mapping), which would make this path unreachable; the device property `omi` stands in for a bad index so the row can be run.",
      },
    ),
  ],
  setDevPasid: [],
  pasidEras: [],
  // fsl_pamu_domain_alloc took UNMANAGED only; PowerPC had no DMA default domain.
  ...noDmaDefaultDomain,
  // fsl_pamu_capable(): IOMMU_CAP_CACHE_COHERENCY only (INFERRED); no enforce_cache_coherency op.
  capCacheCoherency: () => true,
  capCacheCoherencySource: "fsl_pamu_capable(): cap == IOMMU_CAP_CACHE_COHERENCY (INFERRED for every era)",
  capEnforceCacheCoherency: () => false,
  enforceCacheCoherency: null,
  enableNesting(k: Kernel) {
    // 2014: fsl_pamu_set_domain_attr() knew only its own attributes; the default case printed
    // pr_debug("Unsupported attribute type") and returned -EINVAL (INFERRED). Later: no
    // enable_nesting op, -EINVAL from the core.
    if (k.features.nestingBySetAttr) k.printk("dbg", null, "Unsupported attribute type");
    return neg("EINVAL");
  },
  notes: [
    "Every PAMU check is about the device's LIODN, so the EMEDIUMTYPE proposal is taken to leave them as EINVAL (INFERRED).",
    "The pr_debug texts are the kernel's (bd7ebb771935, TD1 15/20), with %s standing for %pOF.",
  ],
};
