/**
 * Unisoc (Spreadtrum) IOMMU: drivers/iommu/sprd-iommu.c, sprd_iommu_attach_device().
 * Added in v5.13 (2021), so not in 2014-nesting;
 * not in TD1, so no test_dev.
 *
 * Each sprd IOMMU serves one client device, and before the 2023 rework a domain served one
 * IOMMU: dom->sdev is set by the first successful attach and cleared only by detach_dev, which
 * the cores of that time called only for groups without a default domain. sprd has DMA default
 * domains, so dom->sdev stays set once the domain was used (INFERRED from the v5.13 source and
 * the v6.2 core, 00208852d351): the condition is "the domain has been attached before", not "another device
 * is on it now". A consequence the kit reproduces: re-attaching the default domain (detach)
 * trips the same check.
 */
import {
  allocStep,
  check,
  dmaDefaultDomain,
  type DriverModel,
  effect,
  erasFrom,
  devDbg,
  fail,
  prErr,
  finaliseOnFirstAttach,
  noPasidCoherencyOrNesting,
  unfinalised,
} from "../lib/driver.ts";

const alreadyText = "There's already a device attached to this domain.";

export const sprdIommu: DriverModel = {
  id: "sprd-iommu",
  title: "Unisoc (Spreadtrum) IOMMU",
  file: "drivers/iommu/sprd-iommu.c",
  opsName: "sprd_iommu_ops",
  fn: { attach: "sprd_iommu_attach_device", testDev: null, setDevPasid: "(no set_dev_pasid)" },
  exists: erasFrom("pre-2022"),
  instanceProps: {},
  deviceProps: {},
  domainProps: {},
  attach: [
    check(
      "domain-has-device",
      "dom->sdev",
      "the domain was already attached through an IOMMU: one device per domain",
      (c) => c.domain.instance !== null,
      {
        // pr_err: the line names no device.
        "pre-2022": fail("EINVAL", prErr(alreadyText)),
        // The proposal's v1 missed it (Kevin Tian's review, seed 000); v4-v6 made it a silent
        // EMEDIUMTYPE, the pr_err deleted ("Also remove adjacent error prints", seed 002).
        "emediumtype-2022:v1": fail("EINVAL", prErr(alreadyText)),
        "emediumtype-2022": fail("EMEDIUMTYPE"),
        "einval-6.2": fail("EINVAL"), // f4a147735793 dropped the print
        // INFERRED ~v6.3 (2023 rework): same domain -> 0, a used domain may serve another IOMMU.
        "mainline-2025": null,
      },
      {
        trip: { other: {} },
        phase: "attach",
        variants: {
          // What if the converted path had printed dev_dbg (v2's print style) instead of nothing.
          "emediumtype-converted": { "emediumtype-2022": fail("EMEDIUMTYPE", devDbg(alreadyText)) },
        },
        source: "seed 000 (Kevin Tian, Jun 2022: sprd missed by v1); seed 002 and 20220815181437.28127-2-nicolinc@nvidia.com (v4/v6: -EMEDIUMTYPE, pr_err removed); f4a147735793 (EINVAL, no print)",
        note: "Trips with the device under test behind a second sprd IOMMU (each IOMMU has one client). dom->sdev is sticky (see the file comment), so detaching back to the default domain trips it too (INFERRED consequence).",
      },
    ),
    allocStep(
      "pgtable",
      "dom->pgt_va = dma_alloc_coherent(sdev->dev, pgt_size, &dom->pgt_pa, GFP_KERNEL)",
      "the domain's page table, allocated by its first attach",
      { "pre-2022": fail("ENOMEM") },
      { when: unfinalised },
    ),
    effect("claim", "dom->sdev = sdev", "the domain now belongs to this IOMMU", finaliseOnFirstAttach()),
  ],
  // sprd_iommu_domain_alloc: DMA and UNMANAGED only.
  ...dmaDefaultDomain,
  ...noPasidCoherencyOrNesting,
  notes: [
    "mainline-2025: the check is gone; a domain may serve several IOMMUs, which share its page table.",
    "emediumtype-2022 models the proposal as last posted (v6): a silent EMEDIUMTYPE; the revision variant emediumtype-2022:v1 keeps pr_err + EINVAL (v1 missed sprd, seed 000).",
    "Variant sprd-iommu:emediumtype-converted (what if): EMEDIUMTYPE with a dev_dbg line (v2's print style) instead of no print.",
  ],
};
