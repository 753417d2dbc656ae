/**
 * MediaTek M4U generation one (MT2701, MT7623): drivers/iommu/mtk_iommu_v1.c,
 * mtk_iommu_v1_attach_device() (mtk_iommu_attach_device() before the 2022 "v1" renaming).
 *
 * KNOWN BUG, modelled on purpose: the hardware has one page table for all its masters, and
 * attach_dev only accepts "the domain created internally" (the 32-bit Arm DMA mapping made by
 * arm_iommu_create_mapping()). Any other domain gets `return 0`: the caller is told the device
 * is attached while the hardware keeps translating with the DMA mapping. Unchanged in every era
 * (gregkh/linux @11cd45ac86fb still has the silent return 0). Kevin Tian's review of
 * EMEDIUMTYPE v1 (seed 000) put it first among the missed drivers: "the current code sounds
 * incorrect which should return an error"; no posting changed it.
 * The driver is not in TD1, so it has no test_dev and the path stays in attach_dev.
 *
 * The kit has no probe_finalize: the group's DMA default domain stands for the internal
 * mapping (arm_iommu_attach_device() installs it right after probe; INFERRED stand-in, also in
 * mainline-2025 where the core first installs the identity domain and ARM_DMA_USE_IOMMU then
 * replaces it with the mapping). The driver exists from v4.6 (2016), so not in 2014-nesting.
 */
import {
  allocStep,
  check,
  devDbg,
  devWarn,
  dmaDefaultDomain,
  type DriverModel,
  effect,
  erasFrom,
  fail,
  fakeSuccess,
  finaliseOnFirstAttach,
  instanceTableTaken,
  noPasidCoherencyOrNesting,
  unfinalised,
} from "../lib/driver.ts";

export const mtkIommuV1: DriverModel = {
  id: "mtk-iommu-v1",
  title: "MediaTek M4U v1 (MT2701)",
  file: "drivers/iommu/mtk_iommu_v1.c",
  opsName: "mtk_iommu_v1_ops",
  staticBlocked: false, // no ops->blocked_domain (INFERRED): the core blocks with an empty paging domain
  fn: { attach: "mtk_iommu_v1_attach_device", testDev: null, setDevPasid: "(no set_dev_pasid)" },
  exists: erasFrom("pre-2022"),
  instanceProps: {},
  deviceProps: {},
  domainProps: {},
  attach: [
    check(
      "foreign-domain",
      "mtk_mapping->domain != domain",
      "not the domain the driver created internally for the DMA API: KNOWN BUG, returns 0 without attaching",
      (c) => c.domain.type !== "dma",
      {
        // "Only allow the domain created internally." Not converted by the EMEDIUMTYPE proposal's
        // v1 (Kevin Tian asked for an error, seed 000), v4 or v6 (not in their diffstats); only v3
        // returned -EMEDIUMTYPE (variant emediumtype-converted). Not touched by the EINVAL series,
        // still there in 2025: inherited by every era.
        "pre-2022": fakeSuccess,
      },
      {
        source: "11cd45ac86fb (gregkh/linux mtk_iommu_v1.c: return 0); seed 000 (Kevin Tian, Jun 2022: 'the current code sounds incorrect'); 20220623200029.26007-2-nicolinc@nvidia.com (v3 hunk) and 270eec00-8aee-2288-4069-d604e6da2925@linux.intel.com (Lu Baolu, 24 Jun 2022); 20220815181437.28127-2-nicolinc@nvidia.com (v6: not in the diffstat)",
        trip: { firstAttach: false },
        phase: "attach",
        variants: {
          // UNVERIFIED: one copy of the file of unclear origin (it uses kzalloc_obj,
          // so a 2026-era tree) warns and still returns 0, via mtk_iommu_v1_get_mapping().
          "warn-foreign-domain": { "mainline-2025": { ...fakeSuccess, log: devWarn("Ignoring attach request for foreign domain") } },
          // The proposal's v3 (23 Jun 2022) turned the return 0 into -EMEDIUMTYPE; Lu Baolu: "This
          // change looks odd. It turns the return value from success to failure. Is it a bug?"
          // (270eec00-8aee-2288-4069-d604e6da2925@linux.intel.com), and v4 dropped the hunk.
          // The dev_dbg text is the kit's own wording (v3 printed nothing; INFERRED print).
          "emediumtype-converted": { "emediumtype-2022": fail("EMEDIUMTYPE", devDbg("only the domain created internally can be attached")) },
        },
        note:
          "KNOWN BUG: a fake success - the caller sees 0, the device stays on the DMA mapping. Variant mtk-iommu-v1:warn-foreign-domain (UNVERIFIED: one copy of the file of unclear origin) adds dev_warn(\"Ignoring attach request for foreign domain\") from mainline-2025 on, still returning 0.",
      },
    ),
    allocStep(
      "finalise-pgtable",
      "mtk_iommu_v1_domain_finalise(): dma_alloc_coherent(M2701_IOMMU_PGT_SIZE)",
      "the M4U's single page table, allocated when the first internal domain is attached (!data->m4u_dom)",
      { "pre-2022": fail("ENOMEM") },
      { when: (c) => unfinalised(c) && !instanceTableTaken(c), reads: ["pool"] },
    ),
    effect("finalise", "data->m4u_dom = dom", "the internal domain becomes the M4U's domain", finaliseOnFirstAttach()),
  ],
  // mtk_iommu_v1_domain_alloc (UNMANAGED; the arm_iommu mapping's domain is one too, shown as DMA here).
  ...dmaDefaultDomain,
  ...noPasidCoherencyOrNesting,
  notes: [
    "mtk_iommu_v1 reports success for any domain it did not create itself (KNOWN BUG, every era): VFIO, iommufd and kernel users believe the device is isolated by their domain while it keeps using the DMA mapping.",
    "The blocking domain: mainline's ops have no blocked_domain (INFERRED), so the core attaches an empty paging domain, which this driver also fakes.",
    "Variant mtk-iommu-v1:emediumtype-converted (what if): in emediumtype-2022 the foreign-domain check returns EMEDIUMTYPE with a dev_dbg line (kit wording) instead of the fake success, as the proposal's v3 did (23 Jun 2022); Lu Baolu asked whether turning that success into a failure was a bug, and v4 dropped it. The empty paging domain the core uses for blocking is refused too, so claiming DMA ownership fails.",
  ],
};
