/**
 * Arm SMMUv3: drivers/iommu/arm/arm-smmu-v3/arm-smmu-v3.c, arm_smmu_attach_dev().
 * Sources: f4a147735793, 20221109184636.14264-1-nicolinc@nvidia.com and TD1 03/20 (per row). The driver first appeared in v4.2 (2015), so it does
 * not exist in 2014-nesting (INFERRED from its history).
 */
import {
  capByEra,
  type CtxOf,
  detachFirst,
  devDbg,
  type DriverModel,
  erasFrom,
  fail,
  fakeSuccess,
  finaliseOnFirstAttach,
  foreignOrOtherInstance,
  mismatchRows,
  noIommu,
  stepsFor,
  type TripEnv,
} from "../lib/driver.ts";
import { iommuAttachDevice } from "../lib/core/attach.ts";
import { domainAlloc } from "../lib/core/domain.ts";
import { iommuAttachDevicePasid } from "../lib/core/pasid.ts";
import { neg } from "../lib/errno.ts";
import type { Device, Domain, Kernel } from "../lib/model.ts";
import { flag, int, oneOf } from "../lib/props.ts";

/** TD1 03/20 (Oct 2025): its "-" lines are this driver's 2025 attach_dev, its "+" lines the test-dev-2025 rows. */
/** f4a147735793 dropped the prints; Nicolin Chen's follow-up (9 Nov 2022) brought them back as dev_dbg. */
const EINVAL_SERIES = "f4a147735793 (v6.2: silent EINVAL)";
const PRINTS_RESTORED = "20221109184636.14264-1-nicolinc@nvidia.com (dev_dbg restored, acked by Will Deacon)";
const V6_DIFF = "20220815181437.28127-2-nicolinc@nvidia.com (EMEDIUMTYPE v6: the prints deleted, v1 kept them)";
const TD1_PATCH = "f52e8079148a673641d2858700c49fa0c81022aa.1760312725.git.nicolinc@nvidia.com (TD1 03/20)";

/** IDR1.SSIDSIZE: at most 20 bits of substream ID (PCIe PASIDs are 20 bits). */
const SSID_BITS_MAX = 20;

const instanceProps = {
  coherent: flag(true, "ARM_SMMU_FEAT_COHERENCY", "table walks and DMA are cache coherent"),
  stage1: flag(true, "ARM_SMMU_FEAT_TRANS_S1", "stage-1 translation supported"),
  stage2: flag(true, "ARM_SMMU_FEAT_TRANS_S2", "stage-2 translation supported"),
  sva: flag(false, "ARM_SMMU_FEAT_SVA / CONFIG_ARM_SMMU_V3_SVA", "shared virtual addressing and IOPF supported"),
};

const deviceProps = {
  ssidBits: int(0, "master->ssid_bits", "substream-ID (PASID) bits the master supports", { max: SSID_BITS_MAX }),
  stallEnabled: flag(false, "master->stall_enabled", "the master uses stall-mode fault handling"),
  canwbs: flag(false, "arm_smmu_master_canwbs()", "firmware says the master's writes are coherent (IORT CANWBS)"),
  numStreams: int(1, "master->num_streams", "stream IDs of the master"),
};

const domainProps = {
  stage: oneOf(["S1", "S2", "NESTED"], "S1", "smmu_domain->stage", "S1, S2 or NESTED (pre-2022 nesting request)"),
  s1cdmax: int(0, "smmu_domain->s1_cfg.s1cdmax", "SSID bits fixed by the first master (pre-2022 CD table per domain)", { max: SSID_BITS_MAX }),
  stallEnabled: flag(false, "smmu_domain->stall_enabled", "stall mode fixed by the first master"),
  enforceCacheCoherency: flag(false, "domain->enforce_cache_coherency", "set by ops->enforce_cache_coherency"),
  iopf: flag(false, "domain->iopf_handler", "the domain takes I/O page faults"),
};

const shapes = { instance: instanceProps, device: deviceProps, domain: domainProps };
type Ctx = CtxOf<typeof shapes>;
const { check, effect, ...typed } = stepsFor(shapes);

const s1 = (c: Ctx) => c.domain.props.stage === "S1";

// Eras whose attach_dev detaches the master before checking anything (arm_smmu_detach_dev() at
// the top of the function): a refused attach leaves the device with no domain. Mainline's
// attach is prepare/commit and leaves the device untouched on error.
const DETACH_FIRST = ["pre-2022", "emediumtype-2022", "einval-6.2"] as const;

/** Trip set-up: the device under test has a PASID attached (its SSIDs are in use). */
function usePasid(k: Kernel, env: TripEnv): void {
  env.dut.maxPasids = 16;
  iommuAttachDevicePasid(k, domainAlloc(k, { dev: env.dut }) as Domain, env.dut, 1);
}

/** Trip set-up: the device under test's RID is on a stage-2 domain (no CD table in the STE). */
function ridOnS2(k: Kernel, env: TripEnv): void {
  iommuAttachDevice(k, domainAlloc(k, { dev: env.dut, props: { stage: "S2" } }) as Domain, env.dut);
}

const mismatchText = "cannot attach to SMMU %s (upstream of %s)";

export const armSmmuV3: DriverModel = {
  id: "arm-smmu-v3",
  title: "Arm SMMUv3",
  file: "drivers/iommu/arm/arm-smmu-v3/arm-smmu-v3.c",
  opsName: "arm_smmu_ops",
  fn: { attach: "arm_smmu_attach_dev", testDev: "arm_smmu_test_dev", setDevPasid: "arm_smmu_s1_set_dev_pasid" },
  exists: erasFrom("pre-2022"),
  instanceProps,
  deviceProps,
  domainProps,
  attach: [
    check("no-fwspec", "!fwspec", "the device has no IOMMU firmware description", noIommu, { "pre-2022": fail("ENOENT") }, {
      source: TD1_PATCH,
      trip: { noIommu: true },
      // attach_dev dereferences the fwspec, so the guard stays there under test_dev (INFERRED).
      phase: "both",
    }),
    effect("detach-first", "arm_smmu_detach_dev(master)", "the master is detached before any check", detachFirst, DETACH_FIRST),
    effect(
      "finalise",
      "arm_smmu_domain_finalise(domain, master)",
      "a bus-allocated domain takes this SMMU and the master's SSID bits and stall mode",
      finaliseOnFirstAttach((c: Ctx) => ({
        s1cdmax: c.dev.props.ssidBits,
        stallEnabled: c.dev.props.stallEnabled,
        stage: c.domain.props.stage === "NESTED" || !c.inst!.props.stage1 ? "S2" : c.domain.props.stage,
      })),
    ),
    check(
      "smmu-mismatch",
      "smmu_domain->smmu != master->smmu",
      "the domain was finalised to another SMMU instance",
      foreignOrOtherInstance,
      {
        // The proposal converted this driver; v1 kept the prints, v4-v6 deleted them (V6_DIFF).
        ...mismatchRows("ENXIO", mismatchText),
        // f4a147735793 dropped the print; Nicolin Chen's follow-up (9 Nov 2022, Fixes: f4a147735793,
        // acked by Will Deacon 14 Nov 2022) brought it back as dev_dbg - taken to be in the released
        // v6.2 (INFERRED: the merge of the follow-up was not read).
        "einval-6.2": fail("EINVAL", devDbg(mismatchText)),
        "mainline-2025": fail("EINVAL"),
      },
      {
        source: `${V6_DIFF}; ${EINVAL_SERIES}; ${PRINTS_RESTORED}; 48e7b8e284e5 (2025 regression); be5a2d3f8f97 (its fix); ${TD1_PATCH}`,
        trip: { other: {} },
        // The fix (Apr 2025) predates TD1's base, so the variant stops at mainline-2025.
        variants: { "regression-48e7b8e284e5": { "mainline-2025": fakeSuccess, "test-dev-2025": fail("EINVAL") } },
        logArgs: (c) => [c.domain.instance?.id ?? "?", c.inst?.id ?? c.dev.instance?.id ?? "?"],
        note: "Variant regression-48e7b8e284e5: the 2025 regression returned 0 on mismatch without attaching (fixed by be5a2d3f8f97).",
      },
    ),
    check(
      "ssid-bits",
      "stage == S1 && master->ssid_bits != s1_cfg.s1cdmax",
      "the master's SSID bits differ from the domain's CD table size",
      (c) => s1(c) && c.dev.props.ssidBits !== c.domain.props.s1cdmax,
      {
        ...mismatchRows("EINVAL", "cannot attach to incompatible domain (%u SSID bits != %u)"),
        "einval-6.2": fail("EINVAL", devDbg("cannot attach to incompatible domain (%u SSID bits != %u)")),
        "mainline-2025": null, // CD tables became per master: no per-domain SSID size to match
      },
      {
        source: `${V6_DIFF}; ${EINVAL_SERIES}; ${PRINTS_RESTORED}`,
        trip: { first: { ssidBits: 0 }, dev: { ssidBits: 5 } },
        // The kernel passes smmu_domain->s1_cfg.s1cdmax first, then master->ssid_bits (f4a147735793's "-" lines).
        logArgs: (c) => [c.domain.props.s1cdmax, c.dev.props.ssidBits],
      },
    ),
    check(
      "stall-mismatch",
      "stage == S1 && smmu_domain->stall_enabled != master->stall_enabled",
      "the master's stall mode differs from the domain's",
      (c) => s1(c) && c.dev.props.stallEnabled !== c.domain.props.stallEnabled,
      {
        ...mismatchRows("EINVAL", "cannot attach to stall-%s domain"),
        "einval-6.2": fail("EINVAL", devDbg("cannot attach to stall-%s domain")),
        "mainline-2025": null,
      },
      { source: `${V6_DIFF}; ${EINVAL_SERIES}; ${PRINTS_RESTORED}`, trip: { dev: { stallEnabled: true } }, logArgs: (c) => [c.domain.props.stallEnabled ? "enabled" : "disabled"] },
    ),
    check(
      "s2-ssids-in-use",
      "S2 domain && master has SSIDs in use",
      "a stage-2 domain cannot take a master whose PASIDs are attached",
      (c) => c.domain.props.stage === "S2" && c.dev.hwPasid.size > 0,
      { "mainline-2025": fail("EBUSY") },
      { source: TD1_PATCH, trip: { domain: { stage: "S2" }, firstAttach: false, before: usePasid } },
    ),
    check(
      "iopf-unsupported",
      "iopf domain && !CONFIG_ARM_SMMU_V3_SVA",
      "the domain wants I/O page faults and this SMMU cannot deliver them",
      (c) => c.domain.props.iopf && !c.inst!.props.sva,
      { "mainline-2025": fail("EOPNOTSUPP") },
      { source: TD1_PATCH, trip: { domain: { iopf: true }, firstAttach: false } },
    ),
    check(
      "stall-multi-stream",
      "iopf domain && stall && master->num_streams != 1",
      "stall-mode faults need a single stream ID",
      (c) => c.domain.props.iopf && c.dev.props.stallEnabled && c.dev.props.numStreams !== 1,
      { "mainline-2025": fail("EOPNOTSUPP") },
      { source: TD1_PATCH, trip: { inst: { sva: true }, domain: { iopf: true }, dev: { stallEnabled: true, numStreams: 2 }, firstAttach: false } },
    ),
    // After the IOPF checks: arm_smmu_attach_prepare() enables IOPF first and tests CANWBS under
    // devices_lock (its error path is err_iopf), and TD1 03/20's test_dev keeps that order.
    check(
      "canwbs",
      "enforce_cache_coherency && !arm_smmu_master_canwbs(master)",
      "the domain enforces coherency but the master cannot",
      (c) => c.domain.props.enforceCacheCoherency && !c.dev.props.canwbs,
      { "mainline-2025": fail("EINVAL") },
      { source: TD1_PATCH, trip: { domain: { enforceCacheCoherency: true }, first: { canwbs: true } } },
    ),
  ],
  setDevPasid: [
    check(
      "pasid-smmu-mismatch",
      "smmu_domain->smmu != master->smmu",
      "the domain belongs to another SMMU instance",
      foreignOrOtherInstance,
      { "mainline-2025": fail("EINVAL") },
      { source: TD1_PATCH, trip: { other: {} }, note: "arm_smmu_s1_set_dev_pasid() and arm_smmu_set_pasid() both test it (TD1 03/20's \"-\" lines); the kernel tests it before the stage." },
    ),
    check("pasid-non-s1", "smmu_domain->stage != ARM_SMMU_DOMAIN_S1", "only stage-1 domains can be attached to a PASID", (c) => !s1(c), {
      "mainline-2025": fail("EINVAL"),
    }, { source: TD1_PATCH, trip: { domain: { stage: "S2" } } }),
    check(
      "pasid-cd-table",
      "CD table not in the STE && SID domain neither identity nor blocked",
      "the RID is on a stage-2 domain, so there is no CD table for PASIDs",
      (c) => c.dev.hwDomain !== null && !c.dev.hwDomain.isStatic && c.dev.hwDomain.props["stage"] === "S2",
      { "mainline-2025": fail("EINVAL") },
      { source: TD1_PATCH, trip: { before: ridOnS2 } },
    ),
    check("pasid-sva", "SVA domain && !ARM_SMMU_FEAT_SVA", "SVA needs the SVA feature", (c) => c.domain.type === "sva" && !c.inst!.props.sva, {
      "mainline-2025": fail("EOPNOTSUPP"),
    }, { source: TD1_PATCH, trip: { domainType: "sva" } }),
  ],
  pasidEras: ["mainline-2025", "test-dev-2025"],
  allocDomain(c) {
    const req = c.req;
    const stage = typeof req["stage"] === "string" ? req["stage"] : "S1";
    if (!["S1", "S2", "NESTED"].includes(stage)) return neg("EINVAL");
    const props = { ...req, stage };
    if (!c.inst) return { props, instance: null }; // bus allocation: finalised at first attach
    if (stage === "S1" && !typed.inst(c.inst).stage1) props.stage = "S2";
    return { props, instance: c.inst };
  },
  capCacheCoherency: capByEra({
    // v5.x arm_smmu_capable(IOMMU_CAP_CACHE_COHERENCY) answered true (INFERRED for every bus user).
    "pre-2022": true,
    "emediumtype-2022": true,
    // Per device from ~v6.1: "Assume that a coherent TCU implies coherent TBUs" (commit UNVERIFIED).
    "einval-6.2": (_k, dev) => (dev.instance ? typed.inst(dev.instance).coherent : false),
  }),
  capCacheCoherencySource: "arm_smmu_capable(): true up to ~v6.0; master->smmu->features & ARM_SMMU_FEAT_COHERENCY from ~v6.1 (when exactly: UNVERIFIED)",
  capEnforceCacheCoherency(k: Kernel, dev: Device) {
    // arm_smmu_capable(IOMMU_CAP_ENFORCE_CACHE_COHERENCY) answers CANWBS from 2024 on; false before.
    return k.features.smmuV3Canwbs && typed.dev(dev).canwbs;
  },
  enforceCacheCoherency(k: Kernel, d: Domain) {
    // arm_smmu_enforce_cache_coherency (2024): every attached master must be CANWBS. No op before.
    if (!k.features.smmuV3Canwbs) return false;
    for (const dev of k.devicesOn(d)) if (!typed.dev(dev).canwbs) return false;
    typed.dom(d).enforceCacheCoherency = true;
    return true;
  },
  enableNesting(_k: Kernel, d: Domain) {
    // DOMAIN_ATTR_NESTING / arm_smmu_enable_nesting: refused once the domain is finalised.
    if (d.instance) return neg("EPERM");
    typed.dom(d).stage = "NESTED";
    return 0;
  },
  defaultDomainType() {
    return "dma";
  },
};
