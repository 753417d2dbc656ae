/**
 * RISC-V IOMMU: drivers/iommu/riscv/iommu.c, riscv_iommu_attach_paging_domain(), read in
 * the "-" lines of TD1 08/20. Merged in v6.13 (2024), so it exists from mainline-2025 on.
 *
 * A paging domain is not bound to one IOMMU (it keeps a list of "bonds" to every IOMMU it is
 * attached through), but its page-table format is chosen when it is allocated, from the
 * capabilities of the allocating device's IOMMU (Sv57, else Sv48, else Sv39). An IOMMU that
 * cannot walk that format refuses the domain with -ENODEV: not EINVAL, so iommufd's auto-domain
 * search stops there instead of trying the next domain.
 */
import { coherentNoPasidOrNesting, type CtxOf, type DriverModel, erasFrom, fail, stepsFor } from "../lib/driver.ts";
import { oneOf, text } from "../lib/props.ts";
import { neg } from "../lib/errno.ts";
import type { IommuInstance } from "../lib/model.ts";

const MODES = ["sv57", "sv48", "sv39"] as const;

const instanceProps = {
  modes: text("sv39,sv48", "iommu->caps & RISCV_IOMMU_CAPABILITIES_SV{39,48,57}", "page-table formats the IOMMU walks, comma-separated (\"sv39,sv48\", \"sv39,sv48,sv57\")"),
};
const domainProps = { pgdMode: oneOf(["sv39", "sv48", "sv57"], "sv39", "domain->pgd_mode", "page-table format chosen at allocation (sv39/sv48/sv57)") };

const shapes = { instance: instanceProps, device: {}, domain: domainProps };
type Ctx = CtxOf<typeof shapes>;
const { check, effect, ...typed } = stepsFor(shapes);

const supports = (i: IommuInstance, mode: string) =>
  typed.inst(i).modes
    .split(",")
    .map((m) => m.trim().toLowerCase())
    .includes(mode);

export const riscvIommu: DriverModel = {
  id: "riscv-iommu",
  title: "RISC-V IOMMU",
  file: "drivers/iommu/riscv/iommu.c",
  opsName: "riscv_iommu_ops",
  fn: { attach: "riscv_iommu_attach_paging_domain", testDev: "riscv_iommu_test_paging_domain", setDevPasid: "(no set_dev_pasid)" },
  exists: erasFrom("mainline-2025"),
  instanceProps,
  deviceProps: {},
  domainProps,
  attach: [
    check(
      "pgd-mode",
      "!riscv_iommu_pt_supported(iommu, domain->pgd_mode)",
      "this IOMMU cannot walk the domain's page-table format",
      (c: Ctx) => c.inst !== null && !supports(c.inst, c.domain.props.pgdMode),
      // test-dev-2025 inherits: TD1 08/20 moves it into riscv_iommu_test_paging_domain.
      { "mainline-2025": fail("ENODEV") },
      { source: "77e60e630435ed5fcd755a09126c0bc2e85bf1ff.1760312725.git.nicolinc@nvidia.com (TD1 08/20)", trip: { inst: { modes: "sv39,sv48,sv57" }, other: { modes: "sv39,sv48" } } },
    ),
  ],
  allocDomain(c) {
    if (c.type !== "unmanaged" && c.type !== "dma") return neg("ENOMEM");
    if (!c.inst) return { props: { pgdMode: "sv39", ...c.req }, instance: null };
    // riscv_iommu_alloc_paging_domain(dev): the deepest format the device's IOMMU walks
    // (INFERRED order; "cannot find supported page table mode" and -ENODEV when none).
    const mode = MODES.find((m) => supports(c.inst!, m));
    if (!mode) return neg("ENODEV");
    // Not bound to an instance: the domain bonds with every IOMMU it is attached through.
    return { props: { ...c.req, pgdMode: mode }, instance: null };
  },
  // INFERRED: riscv_iommu_capable() reports IOMMU_CAP_CACHE_COHERENCY; no enforce op.
  ...coherentNoPasidOrNesting,
  defaultDomainType() {
    return "dma";
  },
};
