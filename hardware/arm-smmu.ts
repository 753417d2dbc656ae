/**
 * Arm SMMU v1/v2 (MMU-400/401/500 and the Qualcomm variants): drivers/iommu/arm/arm-smmu/arm-smmu.c
 * (drivers/iommu/arm-smmu.c until 2020), arm_smmu_attach_dev() and arm_smmu_init_domain_context().
 *
 * The driver the 2014 nesting uAPI was written for: f5c9ecebaf2a (VFIO_TYPE1_NESTING_IOMMU, Will
 * Deacon) sets DOMAIN_ATTR_NESTING on every new type1 domain, and arm_smmu_domain_set_attr()
 * accepts it until the domain is finalised to an SMMU (then -EPERM).
 *
 * Domains are finalised lazily in every era: the first attach picks the SMMU, the stage, the
 * context format and a context bank (arm_smmu_init_domain_context), even after the move to
 * domain_alloc_paging.
 *
 * Robin Murphy's point in the EMEDIUMTYPE v4 review (seed 002): the real incompatibility is
 * smmu_domain->smmu != smmu; the fwspec check failing means the device has no IOMMU at all. The
 * model follows it: the fwspec check is a "no IOMMU" guard (ENXIO kept in 2022), the SMMU mismatch
 * is the incompatibility. The fwspec check is gone in mainline-2025: Robin Murphy's "iommu: Clean
 * up open-coded ownership checks" (v3 15 Sep 2023) removed it once the core owner check
 * (a9c362db3920) rejects another driver's domain first.
 */
import {
  capByEra,
  countDomains,
  type CtxOf,
  devDbg,
  devErr,
  domainThenDeviceInstance,
  type DriverModel,
  emediumtypeV6,
  erasFrom,
  fail,
  finaliseOnFirstAttach,
  instanceMismatch,
  mismatchRows,
  noIommuGuard,
  stepsFor,
  unfinalised,
} from "../lib/driver.ts";
import { flag, int, oneOf } from "../lib/props.ts";
import { neg } from "../lib/errno.ts";
import type { Domain, IommuInstance, Kernel } from "../lib/model.ts";

/** TD1 06/20 (Oct 2025): its "-" lines are this driver's 2025 attach_dev, its "+" lines the test-dev-2025 rows. */
const TD1_PATCH = "ff644b97bccd6454bd770a481a89d0612a836741.1760312725.git.nicolinc@nvidia.com (TD1 06/20)";

const instanceProps = {
  stage1: flag(true, "ARM_SMMU_FEAT_TRANS_S1", "stage-1 translation supported"),
  stage2: flag(true, "ARM_SMMU_FEAT_TRANS_S2", "stage-2 translation supported"),
  aarch64Fmt: flag(true, "ARM_SMMU_FEAT_FMT_AARCH64_{4K,16K,64K}", "AArch64 page-table formats supported (without them a 64-bit kernel finds no context format)"),
  contextBanks: int(16, "smmu->num_context_banks", "translation context banks; every finalised translating domain holds one"),
  coherentWalk: flag(true, "ARM_SMMU_FEAT_COHERENT_WALK", "page-table walks are cache coherent"),
};

const deviceProps = {
  probed: flag(true, "dev_iommu_priv_get(dev) (struct arm_smmu_master_cfg *cfg)", "arm_smmu_probe_device() has set up the master; false models the arch/arm DMA API attaching between of_xlate() and probe_device() (the FIXME)"),
};

const domainProps = {
  stage: oneOf(["S1", "S2", "NESTED", "BYPASS"], "S1", "smmu_domain->stage", "S1, S2, NESTED (DOMAIN_ATTR_NESTING / enable_nesting) or BYPASS (identity before the static domains)"),
};

const shapes = { instance: instanceProps, device: deviceProps, domain: domainProps };
type Ctx = CtxOf<typeof shapes>;
const { check, effect, ...typed } = stepsFor(shapes);

const probed = (c: Ctx) => c.dev.props.probed;
/** The domain translates and so needs a context format and a context bank (bypass domains do not). */
const needsContext = (c: Ctx) => c.domain.type !== "identity" && c.domain.type !== "blocked";

/** Context banks of `smmu` held by finalised translating domains. */
const banksInUse = (k: Kernel, smmu: IommuInstance) => countDomains(k, smmu, (d) => typed.dom(d).stage !== "BYPASS");

/**
 * The stage the SMMU can give the requested one (the table in arm_smmu_init_domain_context):
 * no stage 1 -> S2, no stage 2 -> S1, otherwise as requested (NESTED uses a stage-2 context).
 */
function finalStage(c: Ctx): string {
  if (!needsContext(c)) return "BYPASS";
  const inst = c.inst!;
  if (!inst.props.stage1) return "S2";
  if (!inst.props.stage2) return "S1";
  return c.domain.props.stage;
}

const noCfg = (c: Ctx) => c.inst === null || !probed(c);

const mismatchText = "cannot attach to SMMU %s whilst already attached to domain on SMMU %s";
const sameBusText = "cannot attach to SMMU, is it on the same bus?";

export const armSmmu: DriverModel = {
  id: "arm-smmu",
  title: "Arm SMMU v1/v2",
  file: "drivers/iommu/arm/arm-smmu/arm-smmu.c",
  opsName: "arm_smmu_ops",
  fn: { attach: "arm_smmu_attach_dev", testDev: "arm_smmu_test_dev", setDevPasid: "(no set_dev_pasid)" },
  // In mainline since v3.13 (2013); its 2014 attach_dev is modelled from the v3.18-era driver.
  exists: erasFrom("2014-nesting"),
  instanceProps,
  deviceProps,
  domainProps,
  attach: [
    noIommuGuard(
      "no-fwspec",
      "!fwspec || fwspec->ops != &arm_smmu_ops (2014: !find_smmu_for_device(dev))",
      "the device has no SMMU of this driver (no fwspec, or another driver's)",
      {
        "pre-2022": fail("ENXIO", devErr(sameBusText)),
        // v1 left it (Kevin Tian's review, seed 000, suggested it); v4 made it a silent
        // EMEDIUMTYPE, which Robin Murphy called the wrong check (seed 002); v6 (the era's
        // default) left it alone again, inheriting pre-2022.
        "emediumtype-2022:v4": fail("EMEDIUMTYPE"),
        "emediumtype-2022:v1": fail("ENXIO", devErr(sameBusText)),
        "mainline-2025": null,
      },
      {
        source: "seed 000 (Kevin Tian: not converted by v1); seed 002 (Robin Murphy, 1 Jul 2022, on v4 20220630203635.33200-2-nicolinc@nvidia.com: no IOMMU at all); 20220815181437.28127-2-nicolinc@nvidia.com (v6 leaves it); e7080665c977 (removed, v6.8)",
        variants: {
          // What if the EMEDIUMTYPE patch had converted this path too (Kevin Tian's list, seed 000):
          // EMEDIUMTYPE, the dev_err turned into dev_dbg.
          "emediumtype-converted": { "emediumtype-2022": fail("EMEDIUMTYPE", devDbg(sameBusText)) },
        },
        note: "Robin Murphy (seed 002): failing this check means the device has no IOMMU at all, so it is not an incompatibility. Removed by \"iommu: Clean up open-coded ownership checks\" (2023): the core owner check answers first.",
      },
    ),
    check(
      "no-cfg",
      "!cfg (dev_iommu_priv_get(dev))",
      "the master was never probed by this driver (arch/arm DMA API FIXME), or has no IOMMU",
      noCfg,
      {
        // INFERRED: in the 2014 driver find_smmu_for_device() only finds registered masters, so
        // a master without a cfg failed the ENXIO check above; the FIXME came with fwspec.
        "2014-nesting": null,
        "pre-2022": fail("ENODEV"),
      },
      {
        source: TD1_PATCH,
        trip: { dev: { probed: false } },
        note: "TD1 06/20 moves the !cfg test into arm_smmu_test_dev and drops it from attach_dev, so under test-dev-2025 it is a test_dev-only check.",
      },
    ),
    check(
      "fmt-none",
      "cfg->fmt == ARM_SMMU_CTX_FMT_NONE (arm_smmu_init_domain_context)",
      "the SMMU offers no page-table format this kernel can use for a new domain",
      (c) => unfinalised(c) && needsContext(c) && !c.inst!.props.aarch64Fmt,
      {
        // INFERRED: the context-format choice arrived with the io-pgtable conversion (2015).
        "2014-nesting": null,
        // INFERRED: read for mainline-2025 only (TD1 06/20's "-" lines); the same code returned -EINVAL before.
        // Not an incompatibility (no domain would work), so the 2022 proposal leaves it alone.
        "pre-2022": fail("EINVAL"),
      },
      {
        source: TD1_PATCH,
        trip: { other: { aarch64Fmt: false }, firstAttach: false },
        note: "test-dev-2025: fmt NONE -> EINVAL in test_dev. TD1 06/20 as posted only tests the format of an already initialised domain and turns the init-time check into WARN_ON (INFERRED simplification).",
      },
    ),
    check(
      "cb-exhausted",
      "__arm_smmu_alloc_bitmap(smmu->context_map, start, num_context_banks) == -ENOSPC",
      "every context bank of the SMMU is held by another domain",
      (c) => unfinalised(c) && needsContext(c) && banksInUse(c.k, c.inst!) >= c.inst!.props.contextBanks,
      // INFERRED (only TD1 06/20's context lines show __arm_smmu_alloc_bitmap): a resource failure, the same -ENOSPC in every era.
      { "pre-2022": fail("ENOSPC") },
      {
        source: TD1_PATCH,
        trip: { inst: { contextBanks: 2 }, firstAttach: false },
        reads: ["pool"],
        // A resource allocation: it stays in attach_dev under test_dev (TD1 keeps the domain init there).
        phase: "attach",
      },
    ),
    effect(
      "finalise",
      "arm_smmu_init_domain_context(smmu_domain, smmu, dev)",
      "a fresh domain takes this SMMU, its stage and a context bank",
      finaliseOnFirstAttach((c) => ({ stage: finalStage(c) })),
    ),
    instanceMismatch(
      "smmu-mismatch",
      "smmu_domain->smmu != smmu",
      {
        // 2014: the v3.18-era driver has the same print and -EINVAL (the
        // leaf_smmu != device_smmu of 2013 had INFERRED EINVAL).
        ...mismatchRows("EINVAL", mismatchText),
        // v1 and v4 left this path (dev_err + EINVAL); Robin Murphy pointed v4 at it ("you want
        // the if (smmu_domain->smmu != smmu) condition further down", seed 002) and v6 converted
        // it to a silent EMEDIUMTYPE (the era's default, from mismatchRows).
        "emediumtype-2022:v4": fail("EINVAL", devErr(mismatchText)),
        "emediumtype-2022:v1": fail("EINVAL", devErr(mismatchText)),
        // mainline-2025 and test-dev-2025 inherit the silent EINVAL (test_dev in TD1 06/20).
      },
      {
        logArgs: domainThenDeviceInstance,
        variants: emediumtypeV6,
        source: `seed 002 (Robin Murphy, 1 Jul 2022, and Nicolin Chen: "I will fix that"); 20220815181437.28127-2-nicolinc@nvidia.com (v6: -EMEDIUMTYPE, dev_err removed); f4a147735793 (v6.2: EINVAL, no print); ${TD1_PATCH}`,
        note: "The v3.18-era driver also refused a master already on a domain (-EEXIST); not modelled, because the kit's 2014 core always has a domain on the device (INFERRED).",
      },
    ),
  ],
  staticAttach: [
    check(
      "identity-no-cfg",
      "!cfg (arm_smmu_attach_dev_type)",
      "the static identity/blocked domain needs a probed master",
      noCfg,
      { "mainline-2025": fail("ENODEV") },
      {
        source: TD1_PATCH,
        trip: { domainType: "identity", dev: { probed: false } },
        note: "TD1 06/20: arm_smmu_test_dev checks !cfg first and then returns 0 for the identity and blocked domains; the check leaves arm_smmu_attach_dev_type.",
      },
    ),
  ],
  setDevPasid: [],
  pasidEras: [],
  allocDomain(c) {
    // arm_smmu_domain_alloc(type) took UNMANAGED, DMA and IDENTITY; blocked is a NULL return. The
    // domain is bound to an SMMU at its first attach in every era (domain_alloc_paging included).
    if (!["unmanaged", "dma", "identity"].includes(c.type)) return neg("ENOMEM");
    return { props: { stage: "S1", ...c.req }, instance: null };
  },
  capCacheCoherency: capByEra({
    // Up to v6.0: "Return true here as the SMMU can always send out coherent requests".
    "pre-2022": true,
    "emediumtype-2022": true,
    // df198b37e72c (v6.1): ARM_SMMU_FEAT_COHERENT_WALK; ac9c5e92dd15 (v6.2-rc3) also accepts a
    // dma-coherent device behind a non-coherent walker (not modelled: INFERRED rare).
    "einval-6.2": (_k, dev) => (dev.instance ? typed.inst(dev.instance).coherentWalk : false),
  }),
  capCacheCoherencySource: "arm_smmu_capable(): true up to v6.0; ARM_SMMU_FEAT_COHERENT_WALK from df198b37e72c (v6.1), || device_get_dma_attr(dev) == DEV_DMA_COHERENT from ac9c5e92dd15 (v6.2-rc3, not modelled)",
  // INFERRED: arm-smmu v2 never reports IOMMU_CAP_ENFORCE_CACHE_COHERENCY and has no enforce op.
  capEnforceCacheCoherency: () => false,
  enforceCacheCoherency: null,
  enableNesting(k: Kernel, d: Domain) {
    // INFERRED: arm_smmu_enable_nesting left with the VFIO nesting type (35890f85573c); nothing calls it after.
    if (!k.features.vfioNestingType) return neg("EOPNOTSUPP");
    // arm_smmu_domain_set_attr(DOMAIN_ATTR_NESTING) / arm_smmu_enable_nesting: -EPERM once finalised.
    if (d.instance) return neg("EPERM");
    typed.dom(d).stage = "NESTED";
    return 0;
  },
  defaultDomainType() {
    return "dma";
  },
  notes: [
    "2014-nesting: find_smmu_for_device() stands where the fwspec check is later; DOMAIN_ATTR_NESTING turns a fresh domain into a NESTED one (a stage-2 context on an SMMU with both stages).",
    "Context banks are a finite pool per SMMU: every finalised translating domain holds one until it is freed; running out is -ENOSPC (INFERRED: only the allocator is shown, in TD1 06/20's context lines).",
    "Variant arm-smmu:emediumtype-converted (what if): in emediumtype-2022 the no-fwspec check returns EMEDIUMTYPE with dev_dbg(\"cannot attach to SMMU, is it on the same bus?\") instead of ENXIO + dev_err; Kevin Tian's review listed this path as missed, and Robin Murphy answered that the real incompatibility is smmu_domain->smmu != smmu (seed 002).",
  ],
};

