/**
 * s390-iommu against the fact sheet (D.1 "s390-iommu", D.2, C.4):
 *   pre-2022: !zdev -> ENODEV; aperture different from zdev->start_dma/end_dma -> EINVAL, no print
 *   emediumtype-2022: v6 (20220815181437.28127-2-nicolinc@nvidia.com) -> EMEDIUMTYPE; v1 missed it (seed 000) -> EINVAL
 *   einval-6.2: cbf7827bc5dc (v6.2): aperture fixed at allocation; WARN_ON when it does not overlap -> EINVAL + WARN
 *   mainline-2025: !zdev -> ENODEV; the same WARN_ON
 *   test-dev-2025: test_dev, same
 * INFERRED cells: the driver is absent in 2014 (v4.8, 2016).
 */
import * as assert from "uvu/assert";
import { type Domain, domainAlloc, errnoName, type EraId, iommuAttachDevice, Ioas, IommufdCtx, iommufdDeviceAttachIoas, VfioContainer, vfioType1AttachGroup } from "../../lib/index.ts";
import { lab } from "../helpers.ts";
import { referenceRows, test } from "./reference.ts";

referenceRows("s390-iommu", {
  "no-zdev": {
    "2014-nesting": "absent",
    "pre-2022": "ENODEV",
    "emediumtype-2022": "ENODEV",
    "einval-6.2": "ENODEV",
    "mainline-2025": "ENODEV",
    "test-dev-2025": "ENODEV",
  },
  "dma-range": {
    "2014-nesting": "absent",
    "pre-2022": "EINVAL",
    "emediumtype-2022": "EMEDIUMTYPE",
    "einval-6.2": "-",
    "mainline-2025": "-",
    "test-dev-2025": "-",
  },
  "aperture-overlap": {
    "2014-nesting": "absent",
    "pre-2022": "-",
    "emediumtype-2022": "-",
    "einval-6.2": "EINVAL/WARN",
    "mainline-2025": "EINVAL/WARN",
    "test-dev-2025": "EINVAL/WARN",
  },
});

// The proposal's v1 missed the s390 path (Kevin Tian, seed 000): revision variant emediumtype-2022:v1.
referenceRows("s390-iommu", { "dma-range": { "emediumtype-2022": "EINVAL", "pre-2022": "EINVAL", "einval-6.2": "-" } }, { variants: ["emediumtype-2022:v1"] });
referenceRows("s390-iommu", { "dma-range": { "emediumtype-2022": "EMEDIUMTYPE" } }, { variants: ["emediumtype-2022:v4"] });

/** Three zPCI functions: two with the usual range, one whose window starts above 4 TiB. */
function zpci(era: EraId) {
  return lab(era, {
    instances: [
      { id: "zpci0", driver: "s390-iommu" },
      { id: "zpci1", driver: "s390-iommu" },
      { id: "zpci2", driver: "s390-iommu" },
    ],
    devices: [
      { id: "0000:00:00.0", instance: "zpci0", props: { dmaRange: "0x100000000-0x3ffffffffff" } },
      { id: "0001:00:00.0", instance: "zpci1", props: { dmaRange: "0x100000000-0x1ffffffffff" } },
      { id: "0002:00:00.0", instance: "zpci2", props: { dmaRange: "0x40000000000-0x7ffffffffff" } },
    ],
  });
}

test("s390 pre-2022: the first function defines the aperture; a function with any other range is refused (silent EINVAL) and keeps its DMA setup", () => {
  const { k, dev } = zpci("pre-2022");
  const d = domainAlloc(k, { dev: dev("0000:00:00.0") }) as Domain;
  assert.is(iommuAttachDevice(k, d, dev("0000:00:00.0")), 0);
  assert.is(d.props["aperture"], "0x100000000-0x3ffffffffff");
  const before = dev("0001:00:00.0").hwDomain;
  const from = k.log.length;
  assert.is(errnoName(iommuAttachDevice(k, d, dev("0001:00:00.0"))), "EINVAL");
  assert.equal(k.log.slice(from), []);
  assert.is(dev("0001:00:00.0").hwDomain, before);
});

test("s390 einval-6.2 (cbf7827bc5dc): the aperture is fixed at allocation, an overlapping different range attaches, a disjoint one trips the WARN_ON", () => {
  const { k, dev } = zpci("einval-6.2");
  const d = domainAlloc(k, { dev: dev("0000:00:00.0") }) as Domain;
  assert.is(d.props["aperture"], "0x0-0x3ffffffffff");
  assert.is(iommuAttachDevice(k, d, dev("0000:00:00.0")), 0);
  assert.is(iommuAttachDevice(k, d, dev("0001:00:00.0")), 0, "different but overlapping range");
  assert.is(d.props["aperture"], "0x0-0x3ffffffffff", "the first device does not shrink the aperture");
  const from = k.log.length;
  assert.is(errnoName(iommuAttachDevice(k, d, dev("0002:00:00.0"))), "EINVAL");
  assert.equal(k.log.slice(from).map((l) => l.level), ["WARN"]);
});

test("s390 einval-6.2: VFIO type1 merges two functions with overlapping, different ranges into one domain", () => {
  const { k } = zpci("einval-6.2");
  const c = new VfioContainer("c0", "v2");
  assert.is(vfioType1AttachGroup(k, c, k.groups.get("0000:00:00.0")!).outcome, "attached-new");
  const second = vfioType1AttachGroup(k, c, k.groups.get("0001:00:00.0")!);
  assert.is(second.outcome, "attached-existing");
  assert.is(c.domains.length, 1);
});

test("s390 mainline-2025: overlapping ranges share a domain; a function entirely above the aperture trips the WARN_ON", () => {
  const { k, dev } = zpci("mainline-2025");
  const d = domainAlloc(k, { dev: dev("0000:00:00.0") }) as Domain;
  assert.is(d.props["aperture"], "0x0-0x3ffffffffff");
  assert.is(iommuAttachDevice(k, d, dev("0000:00:00.0")), 0);
  assert.is(iommuAttachDevice(k, d, dev("0001:00:00.0")), 0);
  const from = k.log.length;
  assert.is(errnoName(iommuAttachDevice(k, d, dev("0002:00:00.0"))), "EINVAL");
  assert.equal(k.log.slice(from).map((l) => l.level), ["WARN"]);
});

test("s390 mainline-2025: iommufd's auto-domain search reaches the WARN_ON from user space, then allocates a fitting hwpt", () => {
  const { k, dev } = zpci("mainline-2025");
  const ioas = new Ioas("ioas0");
  const ctx = new IommufdCtx();
  assert.is(iommufdDeviceAttachIoas(k, ctx, ioas, dev("0000:00:00.0")).outcome, "attached-new");
  assert.is(iommufdDeviceAttachIoas(k, ctx, ioas, dev("0001:00:00.0")).outcome, "attached-existing");
  const high = iommufdDeviceAttachIoas(k, ctx, ioas, dev("0002:00:00.0"));
  assert.is(high.outcome, "attached-new");
  assert.is(high.softFailures, 1);
  assert.equal(high.log.map((l) => l.level), ["WARN"]);
});

test.run();
