/**
 * s390 zPCI: drivers/iommu/s390-iommu.c, s390_iommu_attach_device().
 * Added in v4.8 (2016), so it starts at pre-2022.
 *
 * Every zPCI function reports the DMA address range it may use (zdev->start_dma / end_dma, from
 * the firmware's CLP answer). What a domain accepts is decided by that range:
 * - until v6.1 the first device attached to a domain defines its aperture, and only devices with
 *   an identical range may join it (silent -EINVAL; the 2022 proposal's v1 missed it, Kevin
 *   Tian's review in seed 000, and v4-v6 made it EMEDIUMTYPE);
 * - from v6.2 (Niklas Schnelle's rework, cbf7827bc5dc "iommu/s390: Fix potential s390_domain
 *   aperture shrinking", same merge window as the EINVAL series) the aperture is fixed when the
 *   domain is allocated ([0, ZPCI_TABLE_SIZE_RT - 1]; from v6.7 per device in
 *   s390_domain_alloc_paging) and only a device whose range does not overlap it is refused,
 *   under WARN_ON: the driver considers it impossible, but a consumer trying an existing domain
 *   (iommufd's auto-domain search) can reach it. An overlapping, different range attaches.
 *
 * Before v6.7 zPCI devices used the architecture's own DMA API, not an IOMMU default domain, and
 * s390_domain_alloc() only made UNMANAGED domains. The core model always gives a group a default
 * domain, so in those eras the groups start on an identity domain standing for "the zPCI DMA API,
 * no IOMMU domain" (INFERRED, as for the other drivers without DMA default domains).
 */
import {
  coherentNoPasidOrNesting,
  type CtxOf,
  devDbg,
  domainHasOtherDevice,
  type DriverModel,
  emediumtypeV6,
  erasFrom,
  fail,
  noIommuGuard,
  reading,
  stepsFor,
  translating,
  warnFail,
} from "../lib/driver.ts";
import { span } from "../lib/props.ts";
import { neg } from "../lib/errno.ts";
import type { Kernel } from "../lib/model.ts";

const deviceProps = {
  // Illustrative default (INFERRED): 4 GiB up to the 4 TiB reach of a region-third table.
  dmaRange: span("0x100000000-0x3ffffffffff", "zdev->start_dma - zdev->end_dma (from the function's CLP data)", "DMA addresses the function may use, \"start-end\" in hex"),
};

const domainProps = {
  aperture: span("", "domain->geometry.aperture_start - aperture_end", "IOVA range of the domain, \"start-end\" in hex (empty: not set yet)"),
};

const shapes = { instance: {}, device: deviceProps, domain: domainProps };
type Ctx = CtxOf<typeof shapes>;
const { check, effect, ...typed } = stepsFor(shapes);

/** ZPCI_TABLE_SIZE_RT: the reach of a region-third I/O table (4 TiB), the table mainline starts with. */
const TABLE_SIZE_RT = 1n << 42n;

interface Range {
  start: bigint;
  end: bigint;
}

function parseRange(v: string): Range | null {
  const m = /^\s*(0x[0-9a-f]+|\d+)\s*-\s*(0x[0-9a-f]+|\d+)\s*$/i.exec(v);
  return m ? { start: BigInt(m[1]!), end: BigInt(m[2]!) } : null;
}
const hexRange = (r: Range) => `0x${r.start.toString(16)}-0x${r.end.toString(16)}`;
const range = (p: { dmaRange: string }): Range => parseRange(p.dmaRange) ?? { start: 0n, end: 0n };
const aperture = (c: Ctx): Range | null => parseRange(c.domain.props.aperture);

/** Eras whose domains get their aperture when allocated (cbf7827bc5dc, v6.2), not from their first device. */
const APERTURE_AT_ALLOC = erasFrom("einval-6.2");

/** The device under test starts where the first one's region-third table ends. */
const RANGE_TRIP = { first: { dmaRange: "0x100000000-0x3ffffffffff" }, dev: { dmaRange: "0x40000000000-0x7ffffffffff" } };

/** pre-v6.7: another device defines the aperture, and this function's range is not identical to it. */
function rangeDiffers(c: Ctx): boolean {
  const a = aperture(c);
  const r = range(c.dev.props);
  return domainHasOtherDevice(c) && a !== null && (a.start !== r.start || a.end !== r.end);
}

/** Mainline: WARN_ON(aperture_start > zdev->end_dma || aperture_end < zdev->start_dma). */
function noOverlap(c: Ctx): boolean {
  const a = aperture(c);
  const r = range(c.dev.props);
  return a !== null && (a.start > r.end || a.end < r.start);
}

export const s390Iommu: DriverModel = {
  id: "s390-iommu",
  title: "s390 zPCI IOMMU",
  file: "drivers/iommu/s390-iommu.c",
  opsName: "s390_iommu_ops",
  singletonGroups: true, // every zPCI function is its own iommu_group
  fn: { attach: "s390_iommu_attach_device", testDev: "s390_iommu_domain_test_device", setDevPasid: "(no set_dev_pasid)" },
  exists: erasFrom("pre-2022"),
  instanceProps: {},
  deviceProps,
  domainProps,
  attach: [
    noIommuGuard(
      "no-zdev",
      "!zdev (to_zpci_dev(dev))",
      "the device is not a zPCI function",
      // The same ENODEV in every era (not an incompatibility; the 2022 proposal left it).
      { "pre-2022": fail("ENODEV") },
      {
        source: "cbf7827bc5dc (context: !zdev -> -ENODEV); cover.1760312725.git.nicolinc@nvidia.com (TD1 17/20)",
        note: "TD1 17/20 moves it into s390_iommu_domain_test_device; the model keeps it in attach_dev too for the no-IOMMU path (INFERRED).",
      },
    ),
    check(
      "dma-range",
      "aperture != [zdev->start_dma, zdev->end_dma] (the aperture another device defined)",
      "the function's DMA range is not the one the domain's first device defined",
      (c) => c.inst !== null && translating(c) && rangeDiffers(c),
      {
        "pre-2022": fail("EINVAL"), // silent
        // v1 of the proposal left it (Kevin Tian's list of missed drivers, seed 000); v4-v6 converted it.
        "emediumtype-2022:v1": fail("EINVAL"),
        "emediumtype-2022": fail("EMEDIUMTYPE"),
        // v6.2: Niklas Schnelle's rework fixed the aperture at allocation and dropped this check
        // (cbf7827bc5dc "iommu/s390: Fix potential s390_domain aperture shrinking").
        "einval-6.2": null,
      },
      {
        trip: RANGE_TRIP,
        reads: ["users"],
        variants: {
          ...emediumtypeV6,
          // What if: EMEDIUMTYPE with a dev_dbg (v2's print style). The driver never printed here: the text is the kit's own wording.
          "emediumtype-converted": { "emediumtype-2022": fail("EMEDIUMTYPE", devDbg("DMA range differs from the domain's aperture")) },
        },
        source: "seed 000 (Kevin Tian, Jun 2022: s390 missed by v1); 20220815181437.28127-2-nicolinc@nvidia.com (v6: -EINVAL -> -EMEDIUMTYPE); cbf7827bc5dc (removed in v6.2)",
        note: "Any difference refuses, even an overlapping range.",
      },
    ),
    check(
      "aperture-overlap",
      "domain->geometry.aperture_start > zdev->end_dma || domain->geometry.aperture_end < zdev->start_dma",
      "the function's DMA range does not overlap the aperture fixed at allocation",
      (c) => c.inst !== null && translating(c) && noOverlap(c),
      // EINVAL under WARN_ON from v6.2 (Jason Gunthorpe asked for the WARN_ON in the review of
      // that rework); test-dev-2025 inherits: TD1 17/20 moves it into s390_iommu_domain_test_device.
      { "einval-6.2": warnFail("EINVAL") },
      {
        trip: RANGE_TRIP,
        source: "cbf7827bc5dc (v6.2, Niklas Schnelle); cover.1760312725.git.nicolinc@nvidia.com (TD1 17/20)",
        note: "An overlapping but different range attaches (0), so VFIO type1 merges such functions into one domain from v6.2 on. The driver calls the refusal impossible (WARN_ON), but a consumer trying an existing domain (iommufd's auto-domain search) reaches it.",
      },
    ),
    effect(
      "first-device-range",
      "list_empty(&s390_domain->devices): aperture = [zdev->start_dma, zdev->end_dma]",
      "the first device attached to a domain defines its aperture",
      reading(["users"], (c: Ctx) => {
        if (c.inst === null || !translating(c) || domainHasOtherDevice(c)) return 0;
        c.domain.props.aperture = hexRange(range(c.dev.props));
        return 0;
      }),
      ["pre-2022", "emediumtype-2022"],
    ),
  ],
  allocDomain(c) {
    if (!APERTURE_AT_ALLOC.includes(c.k.era.id)) {
      // s390_domain_alloc(type): UNMANAGED only (a NULL return otherwise); the aperture waits for
      // the first device. "identity" is the model's stand-in default domain of these eras.
      return c.type === "unmanaged" || c.type === "identity" ? { props: { ...c.req }, instance: null } : neg("ENOMEM");
    }
    if (!c.k.features.pagingAllocForDevice || !c.dev) {
      // v6.2 (cbf7827bc5dc): s390_domain_alloc() sets the aperture to [0, ZPCI_TABLE_SIZE_RT - 1].
      if (c.type === "identity") return { props: { ...c.req }, instance: null };
      return c.type === "unmanaged" ? { props: { ...c.req, aperture: hexRange({ start: 0n, end: TABLE_SIZE_RT - 1n }) }, instance: null } : neg("ENOMEM");
    }
    if (c.type !== "unmanaged" && c.type !== "dma") return neg("ENOMEM");
    // s390_domain_alloc_paging(dev): aperture [0, reach of the I/O table chosen for the device's
    // range]. INFERRED: a region-third table (4 TiB) unless the range needs the larger tables of 2025.
    const r = range(typed.dev(c.dev));
    const end = r.end > TABLE_SIZE_RT - 1n ? r.end : TABLE_SIZE_RT - 1n;
    return { props: { ...c.req, aperture: hexRange({ start: 0n, end }) }, instance: null };
  },
  // s390_iommu_capable(): IOMMU_CAP_CACHE_COHERENCY -> true.
  ...coherentNoPasidOrNesting,
  defaultDomainType(k: Kernel) {
    // dma-iommu since v6.7 (in the model: the eras with device-based paging allocation).
    return k.features.pagingAllocForDevice ? "dma" : "identity";
  },
  notes: [
    "DMA ranges are hex strings (they exceed JavaScript's exact integers); the default (4 GiB .. 4 TiB - 1) is illustrative, the real values come from each function's CLP data.",
    "emediumtype-2022 models the proposal as last posted (v6): the dma-range check returns a silent EMEDIUMTYPE; with the revision variant emediumtype-2022:v1 it keeps its EINVAL (v1 missed it, seed 000).",
    "Variant s390-iommu:emediumtype-converted (what if): EMEDIUMTYPE with a dev_dbg line (kit wording; the driver printed nothing). Variant s390-iommu:emediumtype-v6 equals the default (kept for old files).",
  ],
};
