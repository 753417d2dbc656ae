/**
 * Apple DART (the IOMMUs of Apple silicon: USB, PCIe, display, ...): drivers/iommu/apple-dart.c,
 * apple_dart_attach_dev() (split into paging / identity / blocked attach callbacks in 2023).
 * Sources: EMEDIUMTYPE v1 (20220606061927.26049-1-nicolinc@nvidia.com) and TD1 10/20. Added in v5.15 (2021), so it starts at pre-2022.
 *
 * Two DART properties decide what a device can be attached to:
 * - the DART page size: M1 DARTs use 16 KiB pages. On a kernel with smaller pages
 *   (dart->pgsize > PAGE_SIZE) the DART cannot translate for it, so the device must stay in bypass
 *   ("force_bypass"): an identity default domain, and no paging domain at all.
 * - bypass support (DART_PARAMS_BYPASS_SUPPORT): some DARTs cannot bypass, so no identity domain.
 * A paging domain is bound to the DART(s) of its first master (stream maps).
 */
import {
  type CtxOf,
  type DriverModel,
  erasFrom,
  fail,
  finaliseOnFirstAttach,
  foreignOrOtherInstance,
  instanceMismatch,
  kernelPageSizeProp,
  noPasidCoherencyOrNesting,
  pageBytes,
  stepsFor,
  translating,
} from "../lib/driver.ts";
import { flag, text } from "../lib/props.ts";
import { neg } from "../lib/errno.ts";
import type { Device, IommuInstance, Kernel } from "../lib/model.ts";

/** TD1 10/20 (Oct 2025): its "-" lines are this driver's 2025 attach_dev, its "+" lines the test-dev-2025 rows. */
const TD1_PATCH = "f38a0630f32f842f4c00f7191b47b19a75747af2.1760312725.git.nicolinc@nvidia.com (TD1 10/20)";

const instanceProps = {
  pgsize: text("16K", "dart->pgsize", "page size of the DART's page tables, e.g. \"16K\" (M1) or \"4K\""),
  supportsBypass: flag(true, "dart->supports_bypass (DART_PARAMS_BYPASS_SUPPORT)", "the DART can pass DMA through untranslated"),
  // Asahi kernels run with 16 KiB pages; a 4 KiB kernel forces every M1 DART into bypass.
  kernelPageSize: kernelPageSizeProp("16K"),
};

const shapes = { instance: instanceProps, device: {}, domain: {} };
type Ctx = CtxOf<typeof shapes>;
const { check, effect, ...typed } = stepsFor(shapes);

/** dart->force_bypass = dart->pgsize > PAGE_SIZE (set at probe). */
const forceBypass = (i: IommuInstance) => pageBytes(typed.inst(i).pgsize) > pageBytes(typed.inst(i).kernelPageSize);
const noBypass = (c: Ctx) => c.inst !== null && c.domain.type === "identity" && !c.inst.props.supportsBypass;

const EMEDIUMTYPE_CONVERTED = {
  "pre-2022": fail("EINVAL"),
  // Both bypass checks were converted in every posting of the proposal (v1 5 Jun - v6 15 Aug 2022).
  "emediumtype-2022": fail("EMEDIUMTYPE"),
  "einval-6.2": fail("EINVAL"),
};

export const appleDart: DriverModel = {
  id: "apple-dart",
  title: "Apple DART",
  file: "drivers/iommu/apple-dart.c",
  opsName: "apple_dart_iommu_ops",
  fn: { attach: "apple_dart_attach_dev", testDev: "apple_dart_test_dev_paging", setDevPasid: "(no set_dev_pasid)" },
  exists: erasFrom("pre-2022"),
  instanceProps,
  deviceProps: {},
  domainProps: {},
  attach: [
    check(
      "force-bypass",
      "dart->force_bypass && type != IDENTITY (mainline: dart->pgsize > PAGE_SIZE)",
      "the DART's pages are larger than the kernel's: only bypass works",
      (c) => c.inst !== null && c.domain.type !== "identity" && forceBypass(c.inst),
      EMEDIUMTYPE_CONVERTED,
      {
        source: `20220606061927.26049-1-nicolinc@nvidia.com (EMEDIUMTYPE v1); ${TD1_PATCH}`,
        trip: { inst: { pgsize: "4K", kernelPageSize: "4K" }, other: { pgsize: "16K", kernelPageSize: "4K" } },
        note: "Mainline checks dart->pgsize > PAGE_SIZE in apple_dart_finalize_domain() on every paging attach (and at domain_alloc_paging, so a domain is never allocated for such a device); TD1 10/20 moves it into apple_dart_test_dev_paging.",
      },
    ),
    check(
      "bypass-unsupported",
      "!dart->supports_bypass && type == IDENTITY",
      "an identity domain on a DART that cannot bypass",
      noBypass,
      // Moved to the static identity domain's attach in 2023 (identity-no-bypass below).
      { ...EMEDIUMTYPE_CONVERTED, "mainline-2025": null },
      { source: "20220606061927.26049-1-nicolinc@nvidia.com (EMEDIUMTYPE v1)", trip: { other: { supportsBypass: false }, domainType: "identity" } },
    ),
    effect("finalise", "apple_dart_finalize_domain(domain, cfg)", "a fresh domain takes the stream maps (DARTs) of its first master", finaliseOnFirstAttach()),
    instanceMismatch(
      "dart-mismatch",
      "domain stream_maps[i].dart != cfg->stream_maps[i].dart (apple_dart_mod_streams)",
      // Silent EINVAL from apple_dart_domain_add_streams() in every era; the 2022 proposal did
      // not touch it (its diffstat changes only the two bypass checks).
      { "pre-2022": fail("EINVAL") },
      {
        source: TD1_PATCH,
        when: (c) => translating(c) && foreignOrOtherInstance(c),
        note: "Only paging domains add stream maps; identity and blocked attaches program bypass/block directly. TD1 10/20 moves the test into apple_dart_test_dev_paging (once the domain is finalised).",
      },
    ),
  ],
  staticAttach: [
    check(
      "identity-no-bypass",
      "!cfg->supports_bypass (apple_dart_attach_dev_identity)",
      "the static identity domain on a DART that cannot bypass",
      noBypass,
      { "mainline-2025": fail("EINVAL") },
      { source: TD1_PATCH, trip: { other: { supportsBypass: false }, domainType: "identity" }, note: "TD1 10/20 moves it into apple_dart_test_dev_identity." },
    ),
  ],
  allocDomain(c) {
    // Mainline apple_dart_domain_alloc_paging(dev): paging domains only (identity and blocked
    // are the driver's static domains), finalised for the device at once, and refused for a
    // DART whose pages are larger than the kernel's (-EINVAL).
    if (c.inst && c.dev) {
      if (c.type !== "unmanaged" && c.type !== "dma") return neg("ENOMEM");
      return forceBypass(c.inst) ? neg("EINVAL") : { props: { ...c.req }, instance: c.inst };
    }
    // apple_dart_domain_alloc(type) (2021): DMA, UNMANAGED, IDENTITY and BLOCKED, finalised at the first attach.
    if (!["unmanaged", "dma", "identity", "blocked"].includes(c.type)) return neg("ENOMEM");
    return { props: { ...c.req }, instance: null };
  },
  // INFERRED: apple_dart_iommu_ops answers no coherency capability.
  ...noPasidCoherencyOrNesting,
  defaultDomainType(_k: Kernel, dev: Device) {
    // apple_dart_def_domain_type(): identity when the DART must bypass, otherwise DMA.
    return dev.instance && forceBypass(dev.instance) ? "identity" : "dma";
  },
};
