/**
 * msm-iommu against the fact sheet (D.1 "msm_iommu", D.2): mainline-2025 refuses an attach
 * while a context of the IOMMU is already attached with dev_err("domain already attached") +
 * EEXIST; TD1 (test-dev-2025) makes it EBUSY + dev_dbg. pre-2022 and einval-6.2 were not read
 * ("(not read)" / "-" in D.2): the mainline cell is expected there (INFERRED), and the
 * EMEDIUMTYPE proposal is expected to have left this busy-context path alone (INFERRED).
 */
import { drivers } from "../../hardware/index.ts";
import * as assert from "uvu/assert";
import { buildPlatform, type Domain, domainAlloc, errnoName, type EraId, iommuAttachDevice, iommuDetachDevice, iommuGroupClaimDmaOwner, iommuReplaceGroup, Kernel } from "../../lib/index.ts";
import { referenceRows, test } from "./reference.ts";

referenceRows("msm-iommu", {
  "context-attached": {
    "2014-nesting": "EEXIST/err",
    "pre-2022": "EEXIST/err",
    "emediumtype-2022": "EEXIST/err",
    "einval-6.2": "EEXIST/err",
    "mainline-2025": "EEXIST/err",
    "test-dev-2025": "EBUSY/dbg",
  },
});

/** An APQ8064-style GPU behind its own MSM IOMMU, with two paging domains allocated for it. */
function gpu(era: EraId): { k: Kernel; a: Domain; b: Domain } {
  const k = new Kernel({ era, drivers });
  buildPlatform(k, { instances: [{ id: "gfx3d", driver: "msm-iommu" }], devices: [{ id: "kgsl-3d0", instance: "gfx3d" }] });
  const dev = k.devices.get("kgsl-3d0")!;
  return { k, a: domainAlloc(k, { dev }) as Domain, b: domainAlloc(k, { dev }) as Domain };
}

test("msm-iommu: replacing one paging domain by another is refused; the core keeps the old domain", () => {
  const want = { "mainline-2025": ["EEXIST", "err"], "test-dev-2025": ["EBUSY", "dbg"] } as const;
  for (const era of ["mainline-2025", "test-dev-2025"] as const) {
    const { k, a, b } = gpu(era);
    const dev = k.devices.get("kgsl-3d0")!;
    assert.is(iommuAttachDevice(k, a, dev), 0);
    const from = k.log.length;
    assert.is(errnoName(iommuReplaceGroup(k, dev.group!, b)), want[era][0], era);
    assert.equal(k.log.slice(from).map((l) => [l.level, l.text]), [[want[era][1], "domain already attached"]], era);
    assert.is(dev.group!.domain, a, era);
    assert.is(dev.hwDomain, a, era);
  }
});

test("msm-iommu mainline-2025: after a detach (identity attach frees the context) the other domain attaches", () => {
  const { k, a, b } = gpu("mainline-2025");
  const dev = k.devices.get("kgsl-3d0")!;
  assert.is(iommuAttachDevice(k, a, dev), 0);
  iommuDetachDevice(k, a, dev);
  assert.is(iommuAttachDevice(k, b, dev), 0);
  assert.is(dev.hwDomain, b);
});

test("msm-iommu einval-6.2: a claimed group sits on an empty UNMANAGED blocking domain, which holds the context (INFERRED consequence)", () => {
  const { k, a } = gpu("einval-6.2");
  const dev = k.devices.get("kgsl-3d0")!;
  assert.is(iommuGroupClaimDmaOwner(k, dev.group!, "vfio"), 0);
  assert.is(errnoName(iommuAttachDevice(k, a, dev)), "EEXIST");
  assert.is(dev.hwDomain, dev.group!.blockingDomain);
});

test.run();
