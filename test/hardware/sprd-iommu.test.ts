/**
 * sprd-iommu against the fact sheet (D.1 "sprd-iommu", D.2, C.4):
 *   pre-2022: the domain already has a device (dom->sdev) -> pr_err + EINVAL
 *   emediumtype-2022: v6 -> silent EMEDIUMTYPE (pr_err deleted); revision v1 missed it (seed 000) -> pr_err + EINVAL
 *   einval-6.2: EINVAL, silent
 *   mainline-2025: check removed (~2023 rework); only ENOMEM remains
 *   test-dev-2025: not in TD1 (inherits mainline)
 * The driver came in v5.13: absent in 2014-nesting. The kit records the pr_err line against the
 * attaching device ("EINVAL/err").
 */
import { drivers } from "../../hardware/index.ts";
import * as assert from "uvu/assert";
import {
  buildPlatform,
  type Domain,
  domainAlloc,
  errnoName,
  type EraId,
  iommuAttachDevice,
  iommuDetachDevice,
  Ioas,
  IommufdCtx,
  iommufdDeviceAttachIoas,
  Kernel,
} from "../../lib/index.ts";
import { referenceRows, test } from "./reference.ts";

referenceRows("sprd-iommu", {
  "domain-has-device": {
    "2014-nesting": "absent",
    "pre-2022": "EINVAL/err",
    "emediumtype-2022": "EMEDIUMTYPE",
    "einval-6.2": "EINVAL",
    "mainline-2025": "-",
    "test-dev-2025": "-",
  },
});

/** A Unisoc SoC: the display controller and the GSP 2D engine, each behind its own sprd IOMMU. */
function unisoc(era: EraId, failNth = 0): Kernel {
  const k = new Kernel({ era, drivers, failNth });
  buildPlatform(k, {
    instances: [
      { id: "iommu_dispc", driver: "sprd-iommu" },
      { id: "iommu_gsp", driver: "sprd-iommu" },
    ],
    devices: [
      { id: "dispc", instance: "iommu_dispc" },
      { id: "gsp", instance: "iommu_gsp" },
    ],
  });
  return k;
}

referenceRows("sprd-iommu", { "domain-has-device": { "emediumtype-2022": "EINVAL/err", "einval-6.2": "EINVAL" } }, { variants: ["emediumtype-2022:v1"] });
referenceRows("sprd-iommu", { "domain-has-device": { "emediumtype-2022": "EMEDIUMTYPE" } }, { variants: ["emediumtype-2022:v4"] });

test("sprd-iommu: a second device on a used domain is refused before 2023 (pr_err, then silent), shared after", () => {
  const want = {
    "pre-2022": ["EINVAL", 1],
    "emediumtype-2022": ["EMEDIUMTYPE", 0],
    "einval-6.2": ["EINVAL", 0],
    "mainline-2025": ["0", 0],
    "test-dev-2025": ["0", 0],
  } as const;
  for (const era of Object.keys(want) as Array<keyof typeof want>) {
    const k = unisoc(era);
    const dispc = k.devices.get("dispc")!;
    const gsp = k.devices.get("gsp")!;
    const d = domainAlloc(k, { dev: dispc }) as Domain;
    assert.is(iommuAttachDevice(k, d, dispc), 0, era);
    const from = k.log.length;
    assert.is(errnoName(iommuAttachDevice(k, d, gsp)), want[era][0], era);
    const lines = k.log.slice(from);
    assert.is(lines.length, want[era][1], era);
    if (lines.length) assert.equal([lines[0]!.level, lines[0]!.text], ["err", "There's already a device attached to this domain."], era);
    assert.is(gsp.hwDomain === d, want[era][0] === "0", era);
  }
});

test("sprd-iommu before 2023: dom->sdev is sticky, so detaching back to the default domain fails (INFERRED consequence)", () => {
  for (const era of ["pre-2022", "einval-6.2"] as const) {
    const k = unisoc(era);
    const dispc = k.devices.get("dispc")!;
    const d = domainAlloc(k, { dev: dispc }) as Domain;
    assert.is(iommuAttachDevice(k, d, dispc), 0, era);
    iommuDetachDevice(k, d, dispc);
    assert.ok(k.log.some((l) => l.level === "WARN" && l.text === "iommu driver failed to attach the default/blocking domain"), era);
    assert.is(dispc.group!.domain, d, `${era}: the group stays on the domain`);
    assert.is(dispc.hwDomain, d, era);
  }
  const k = unisoc("mainline-2025");
  const dispc = k.devices.get("dispc")!;
  const d = domainAlloc(k, { dev: dispc }) as Domain;
  assert.is(iommuAttachDevice(k, d, dispc), 0);
  iommuDetachDevice(k, d, dispc);
  assert.is(dispc.hwDomain, dispc.group!.defaultDomain);
});

// From v5.19 VFIO and iommufd refuse devices whose IOMMU does not report IOMMU_CAP_CACHE_COHERENCY
// (e8ae0e140c05; iommufd_device_bind): EINVAL before any attach.
test("sprd-iommu: iommufd never reaches the silent EINVAL: sprd reports no IOMMU_CAP_CACHE_COHERENCY, so bind fails", () => {
  for (const era of ["einval-6.2", "mainline-2025"] as EraId[]) {
    const k = unisoc(era);
    const o = iommufdDeviceAttachIoas(k, new IommufdCtx(), new Ioas("ioas0"), k.devices.get("dispc")!);
    assert.equal([o.outcome, o.errno, o.attempts, o.domainsAllocated], ["hard-failure", "EINVAL", 0, 0], era);
  }
});

test("sprd-iommu: the page table is allocated by a domain's first attach; a failure is ENOMEM and leaves the domain unused", () => {
  for (const era of ["pre-2022", "mainline-2025"] as const) {
    const dry = unisoc(era);
    domainAlloc(dry, { dev: dry.devices.get("dispc")! });
    const n = dry.allocations; // the attach's dma_alloc_coherent is the next one
    const k = unisoc(era, n + 1);
    const dispc = k.devices.get("dispc")!;
    const gsp = k.devices.get("gsp")!;
    const d = domainAlloc(k, { dev: dispc }) as Domain;
    assert.is(errnoName(iommuAttachDevice(k, d, dispc)), "ENOMEM", era);
    assert.is(d.instance, null, `${era}: dom->sdev not set`);
    // Not used yet, so another device may take it even before 2023.
    assert.is(iommuAttachDevice(k, d, gsp), 0, era);
    assert.is(gsp.hwDomain, d, era);
  }
});

test.run();
