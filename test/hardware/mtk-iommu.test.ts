/**
 * mtk-iommu against the fact sheet (D.1 "mtk_iommu", D.2) and TD1 09/20:
 *   pre-2022: domain_finalise failure -> ENODEV (io-pgtable allocation: dev_err, EINVAL inside)
 *   einval-6.2: ENOMEM, propagated
 *   mainline-2025: mtk_iommu_get_iova_region_id(dev) < 0 -> that errno (EINVAL, INFERRED by the
 *                  sheet; dev_err "Can NOT find the region for larb(%d-%x).")
 *   test-dev-2025: the region test in test_dev, print unchanged
 * INFERRED cells: the region test in pre-2022 / einval-6.2 is the older
 * mtk_iommu_get_domain_id() (dev_err + EINVAL); the EMEDIUMTYPE proposal leaves it alone.
 * The driver came in v4.6: absent in 2014-nesting.
 */
import { drivers } from "../../hardware/index.ts";
import * as assert from "uvu/assert";
import { buildPlatform, type Domain, domainAlloc, errnoName, type EraId, iommuAttachDevice, Kernel } from "../../lib/index.ts";
import { referenceRows, test } from "./reference.ts";

referenceRows("mtk-iommu", {
  "region-id": {
    "2014-nesting": "absent",
    "pre-2022": "EINVAL/err",
    "emediumtype-2022": "EINVAL/err",
    "einval-6.2": "EINVAL/err",
    "mainline-2025": "EINVAL/err",
    "test-dev-2025": "EINVAL/err",
  },
});

/** MT8183-like: the M4U in front of the display and a camera whose ports fall in no IOVA region. */
function mt8183(era: EraId, failNth = 0): Kernel {
  const k = new Kernel({ era, drivers, failNth });
  buildPlatform(k, {
    instances: [{ id: "m4u", driver: "mtk-iommu" }],
    devices: [
      { id: "disp", instance: "m4u" },
      { id: "cam", instance: "m4u", props: { iovaRegion: -1, larbId: 2, portMask: 12 } },
    ],
  });
  return k;
}

test("mtk-iommu: the region print follows the era's function (dma-ranges form, then the larb/port form)", () => {
  const want = {
    "pre-2022": "Can NOT find the iommu domain id(%pad 0x%llx).",
    "einval-6.2": "Can NOT find the iommu domain id(%pad 0x%llx).",
    "mainline-2025": "Can NOT find the region for larb(2-c).",
  } as const;
  for (const era of ["pre-2022", "einval-6.2", "mainline-2025"] as const) {
    const k = mt8183(era);
    const cam = k.devices.get("cam")!;
    const from = k.log.length;
    assert.is(errnoName(iommuAttachDevice(k, domainAlloc(k, { dev: k.devices.get("disp")! }) as Domain, cam)), "EINVAL", era);
    assert.equal(k.log.slice(from).map((l) => [l.level, l.dev, l.text]), [["err", "cam", want[era]]], era);
  }
});

test("mtk-iommu test-dev-2025: the region test refuses in test_dev; attach_dev is never called", () => {
  const k = mt8183("test-dev-2025");
  const d = domainAlloc(k, { dev: k.devices.get("disp")! }) as Domain;
  const from = k.trace!.length;
  assert.is(errnoName(iommuAttachDevice(k, d, k.devices.get("cam")!)), "EINVAL");
  const fns = k.trace!.slice(from).map((e) => e.fn);
  assert.ok(fns.includes("mtk_iommu_test_device"));
  assert.not.ok(fns.includes("mtk_iommu_attach_device"));
});

test("mtk-iommu: every domain shares the first one's page table - only the first finalise allocates", () => {
  const k = mt8183("mainline-2025");
  const disp = k.devices.get("disp")!;
  const before = k.allocations;
  const d = domainAlloc(k, { dev: disp }) as Domain; // +1: the domain itself
  assert.is(iommuAttachDevice(k, d, disp), 0);
  assert.is(k.allocations, before + 1);
  assert.is(disp.hwDomain, d);
});

test("mtk-iommu: an io-pgtable allocation failure is ENODEV + dev_err on the M4U before 6.2, ENOMEM + dev_err after", () => {
  const want = { "pre-2022": "ENODEV", "einval-6.2": "ENOMEM", "mainline-2025": "ENOMEM", "test-dev-2025": "ENOMEM" } as const;
  for (const era of ["pre-2022", "einval-6.2", "mainline-2025", "test-dev-2025"] as const) {
    // #1 the display's default domain, #2 its page table (the first finalise on the M4U, at probe).
    const k = mt8183(era, 2);
    const disp = k.devices.get("disp")!;
    const attach = k.trace!.find((e) => e.fn === "mtk_iommu_attach_device" && e.args["dev"] === "disp");
    assert.is(errnoName(attach!.ret!), want[era], era);
    assert.ok(k.log.some((l) => l.level === "err" && l.dev === null && l.text === "m4u: Failed to alloc io pgtable"), era);
    assert.is(disp.hwDomain, null, era);
    // The table is still free: the next domain finalises and allocates it.
    const d = domainAlloc(k, { dev: disp }) as Domain;
    const n = k.allocations;
    assert.is(iommuAttachDevice(k, d, disp), 0, era);
    assert.is(k.allocations, n + 1, era);
  }
});

test.run();
