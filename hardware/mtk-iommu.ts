/**
 * MediaTek M4U (MT8173 and later): drivers/iommu/mtk_iommu.c, mtk_iommu_attach_device() and
 * mtk_iommu_domain_finalise(). Sources: bd7ebb771935, 04cee82e04d2; test-dev-2025 from TD1 patch
 * 09/20 "iommu/mkt_iommu: Implement mtk_iommu_test_device"
 * (42368f4fb509f19681681cbc41e5ef1d2b320437.1760312725.git.nicolinc@nvidia.com), which moves
 * the region-id test into test_dev and leaves the print of mtk_iommu_get_iova_region_id() alone.
 *
 * The M4U has one page table: the first domain finalised on it allocates the io-pgtable and
 * every later domain shares it (data->share_dom; data->m4u_dom before ~2022). The driver has no
 * "incompatible domain" path at all, so the EMEDIUMTYPE proposal left it alone. It exists from
 * v4.6 (2016), so not in 2014-nesting.
 */
import {
  allocStep,
  devErr,
  dmaDefaultDomain,
  type DriverModel,
  type EraRows,
  erasFrom,
  fail,
  finaliseOnFirstAttach,
  instanceTableTaken,
  lookupRows,
  noPasidCoherencyOrNesting,
  stepsFor,
  unfinalised,
} from "../lib/driver.ts";
import { int } from "../lib/props.ts";

const deviceProps = {
  iovaRegion: int(0, "mtk_iommu_get_iova_region_id(dev) (mtk_iommu_get_domain_id() before ~2023)", "the IOVA region the master's larb/ports (earlier: its dma-ranges) fall in; -1 when none matches"),
  larbId: int(0, "MTK_M4U_TO_LARB(fwspec->ids[0])", "the SMI local arbiter the master sits on (printed)"),
  portMask: int(1, "BIT(MTK_M4U_TO_PORT(fwspec->ids[i])) for every id", "the master's ports on that larb (printed)"),
};

const shapes = { instance: {}, device: deviceProps, domain: {} };
const { check, effect } = stepsFor(shapes);

const larbText = "Can NOT find the region for larb(%d-%x).";
const regionRows: EraRows = {
  // INFERRED era placement: the dma-ranges form (multi-domain support, ~v5.13) until the
  // larb/port form replaced it (~2023); both print dev_err and return -EINVAL.
  "pre-2022": fail("EINVAL", devErr("Can NOT find the iommu domain id(%pad 0x%llx).")),
  // Not an incompatibility (the master matches no region whatever the domain): kept by the
  // EMEDIUMTYPE proposal and by the EINVAL series (INFERRED).
  // gregkh/linux mtk_iommu.c (ce7d3b2f6f39) and TD1 09/20: the print stays, in test_dev too.
  "mainline-2025": fail("EINVAL", devErr(larbText)),
};

const pgtableText = "Failed to alloc io pgtable";

export const mtkIommu: DriverModel = {
  id: "mtk-iommu",
  title: "MediaTek M4U (MT8173+)",
  file: "drivers/iommu/mtk_iommu.c",
  opsName: "mtk_iommu_ops",
  fn: { attach: "mtk_iommu_attach_device", testDev: "mtk_iommu_test_device", setDevPasid: "(no set_dev_pasid)" },
  exists: erasFrom("pre-2022"),
  instanceProps: {},
  deviceProps,
  domainProps: {},
  attach: [
    check(
      "region-id",
      "mtk_iommu_get_iova_region_id(dev, data->plat_data) < 0",
      "the master's ports (or DMA range) fall in no IOVA region of this M4U",
      (c) => c.inst !== null && c.dev.props.iovaRegion < 0,
      regionRows,
      {
        source: "ce7d3b2f6f39 (gregkh/linux mtk_iommu.c); 42368f4fb509f19681681cbc41e5ef1d2b320437.1760312725.git.nicolinc@nvidia.com (TD1 09/20)",
        trip: { dev: { iovaRegion: -1 } },
        // The larb form prints larb id and port mask; the %pad form's arguments are not modelled.
        logArgs: (c) => (lookupRows(regionRows, c.era)?.log?.text === larbText ? [c.dev.props.larbId, c.dev.props.portMask] : []),
        note: "Both prints read: mtk_iommu_get_domain_id() printed the dma-ranges form and returned -EINVAL (a dma-ranges-less device or a one-region SoC gets region 0); the larb/port patch replaced it with the larb form, still -EINVAL. The era of that switch (~2023) is INFERRED. The v5.13-era attach also began with `if (!data) return -ENODEV` (not modelled: the core's owner check answers first from 2023).",
      },
    ),
    allocStep(
      "finalise-pgtable",
      "mtk_iommu_domain_finalise(): alloc_io_pgtable_ops(ARM_V7S, ...)",
      "the M4U's page table, allocated by the first domain finalised on it (later domains share it)",
      {
        // finalise printed and returned -EINVAL; attach_dev replaced any finalise error by -ENODEV.
        "pre-2022": fail("ENODEV", devErr(pgtableText)),
        // 04cee82e04d2 "iommu: Propagate return value in ->attach_dev callback functions".
        "einval-6.2": fail("ENOMEM", devErr(pgtableText)),
      },
      { when: (c) => unfinalised(c) && !instanceTableTaken(c), printOn: "iommu", reads: ["pool"] },
    ),
    effect("finalise", "dom->bank = &data->bank[bankid] (dom->data before ~2022)", "the domain is bound to this M4U", finaliseOnFirstAttach()),
  ],
  // mtk_iommu_domain_alloc: DMA and UNMANAGED (mainline's identity domain is the static one).
  ...dmaDefaultDomain,
  ...noPasidCoherencyOrNesting,
  notes: [
    "Every domain on one M4U shares the first domain's io-pgtable (data->share_dom): attaching a second domain does not give the master a separate address space. Not an errno; not modelled beyond skipping the allocation.",
    "The page-table allocation failure is an effect (tested with failNth): pre-2022 ENODEV + dev_err on the M4U, from einval-6.2 on ENOMEM + dev_err.",
  ],
};
