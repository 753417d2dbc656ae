/**
 * mtk-iommu-v1 against the fact sheet (D.1 "mtk_iommu_v1", D.2, C.4, F): a domain other than the
 * internally created one gets `return 0` without any attach - a fake success ("0!") in every
 * era from pre-2022 on (unchanged in 6.2 and mainline, kept by the EMEDIUMTYPE proposal after Lu
 * Baolu's question, not in TD1). The driver came in v4.6, so it is absent in 2014-nesting.
 * Variant warn-foreign-domain (UNVERIFIED, F): the same 0 with a dev_warn, in the 2025/2026 trees.
 */
import { drivers } from "../../hardware/index.ts";
import * as assert from "uvu/assert";
import {
  buildPlatform,
  type Domain,
  domainAlloc,
  type EraId,
  errnoName,
  Ioas,
  IommufdCtx,
  iommufdDeviceAttachIoas,
  iommuAttachDevice,
  iommuDetachDevice,
  Kernel,
  VfioContainer,
  vfioType1AttachGroup,
} from "../../lib/index.ts";
import { referenceRows, test } from "./reference.ts";

referenceRows("mtk-iommu-v1", {
  "foreign-domain": {
    "2014-nesting": "absent",
    "pre-2022": "0!",
    "emediumtype-2022": "0!",
    "einval-6.2": "0!",
    "mainline-2025": "0!",
    "test-dev-2025": "0!",
  },
});

referenceRows(
  "mtk-iommu-v1",
  {
    "foreign-domain": {
      "pre-2022": "0!",
      "emediumtype-2022": "0!",
      "einval-6.2": "0!",
      "mainline-2025": "0!/warn",
      "test-dev-2025": "0!/warn",
    },
  },
  { variants: ["mtk-iommu-v1:warn-foreign-domain"] },
);

/** MT2701: the M4U in front of the display, the JPEG decoder and the video decoder. */
function mt2701(era: EraId, failNth = 0): Kernel {
  const k = new Kernel({ era, drivers, failNth });
  buildPlatform(k, {
    instances: [{ id: "m4u", driver: "mtk-iommu-v1" }],
    devices: [
      { id: "disp", instance: "m4u" },
      { id: "jpgdec", instance: "m4u" },
      { id: "vdec", instance: "m4u" },
    ],
  });
  return k;
}

const ERAS_V1 = ["pre-2022", "emediumtype-2022", "einval-6.2", "mainline-2025", "test-dev-2025"] as const;

test("mtk-iommu-v1: attaching a driver's own domain returns 0, prints nothing, and leaves the device on the DMA mapping", () => {
  for (const era of ERAS_V1) {
    const k = mt2701(era);
    const vdec = k.devices.get("vdec")!;
    const mapping = vdec.group!.defaultDomain!;
    assert.is(vdec.hwDomain, mapping, era);
    const d = domainAlloc(k, { dev: vdec }) as Domain;
    const from = k.log.length;
    assert.is(iommuAttachDevice(k, d, vdec), 0, era);
    assert.is(k.log.length, from, `${era}: silent`);
    assert.is(vdec.group!.domain, d, `${era}: the core believes the attach`);
    assert.is(vdec.hwDomain, mapping, `${era}: the hardware still uses the DMA mapping`);
    iommuDetachDevice(k, d, vdec);
    assert.is(vdec.group!.domain, mapping, era);
    assert.is(vdec.hwDomain, mapping, era);
  }
});

test("mtk-iommu-v1 variant warn-foreign-domain (UNVERIFIED): the same 0, with a dev_warn, from mainline-2025 on", () => {
  for (const era of ["einval-6.2", "mainline-2025"] as const) {
    const k = new Kernel({ era, drivers, variants: ["mtk-iommu-v1:warn-foreign-domain"] });
    buildPlatform(k, { instances: [{ id: "m4u", driver: "mtk-iommu-v1" }], devices: [{ id: "vdec", instance: "m4u" }] });
    const vdec = k.devices.get("vdec")!;
    const from = k.log.length;
    assert.is(iommuAttachDevice(k, domainAlloc(k, { dev: vdec }) as Domain, vdec), 0, era);
    const lines = k.log.slice(from).map((l) => [l.level, l.dev, l.text]);
    assert.equal(lines, era === "mainline-2025" ? [["warn", "vdec", "Ignoring attach request for foreign domain"]] : [], era);
    assert.is(vdec.hwDomain, vdec.group!.defaultDomain, era);
  }
});

// From v5.19 VFIO and iommufd refuse devices whose IOMMU does not report IOMMU_CAP_CACHE_COHERENCY
// (e8ae0e140c05; iommufd_device_bind): EINVAL before any attach.
test("mtk-iommu-v1: before v5.19 VFIO reports the group attached to its new domain while the hardware is not on it; from v5.19 VFIO refuses it", () => {
  const k = mt2701("pre-2022");
  const g = k.groups.get("jpgdec")!;
  const o = vfioType1AttachGroup(k, new VfioContainer("c0", "v2"), g);
  assert.is(o.outcome, "attached-new");
  assert.is(g.domain!.id, o.domain);
  assert.is.not(g.devices[0]!.hwDomain, g.domain, "not isolated by VFIO's domain");
  for (const era of ["emediumtype-2022", "einval-6.2", "mainline-2025"] as const) {
    const k2 = mt2701(era);
    const r = vfioType1AttachGroup(k2, new VfioContainer("c0", "v2"), k2.groups.get("jpgdec")!);
    assert.equal([r.outcome, r.errno, r.attempts], ["hard-failure", "EINVAL", 0], era);
  }
});

test("mtk-iommu-v1 einval-6.2: iommufd refuses the device at bind (no IOMMU_CAP_CACHE_COHERENCY), so the fake success never reaches it", () => {
  const k = mt2701("einval-6.2");
  const a = iommufdDeviceAttachIoas(k, new IommufdCtx(), new Ioas("ioas0"), k.devices.get("disp")!);
  assert.equal([a.outcome, a.errno, a.attempts], ["hard-failure", "EINVAL", 0]);
});

test("mtk-iommu-v1: the M4U's page table is allocated once, by the first internal domain (probe); a failure is ENOMEM", () => {
  // Allocations at probe: default domain of disp (#1), its page table (#2), then the two other
  // groups' domains (#3, #4) - they share the table.
  const clean = mt2701("pre-2022");
  assert.is(clean.allocations, 4);
  const k = mt2701("pre-2022", 2);
  const disp = k.devices.get("disp")!;
  assert.is(disp.hwDomain, null);
  const attach = k.trace!.find((e) => e.fn === "mtk_iommu_v1_attach_device" && e.ret !== 0);
  assert.is(errnoName(attach!.ret!), "ENOMEM");
  assert.ok(k.log.some((l) => l.level === "WARN"), "the failed first attach is a WARN");
  // The next group's domain finalises instead (no table was taken).
  assert.is(k.devices.get("jpgdec")!.hwDomain, k.devices.get("jpgdec")!.group!.defaultDomain);
});

test.run();
