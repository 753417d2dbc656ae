/**
 * sun50i-iommu against the fact sheet (D.1 "sun50i", D.2): mainline-2025 (TD1 patch 12/20,
 * sun50i_iommu_domain_test_device) refuses a device with no sun50i IOMMU with a silent ENODEV.
 * Earlier eras were not read (D.2 "(not read)" / "-"): the same ENODEV is expected (INFERRED);
 * the driver (v5.8) does not exist in 2014-nesting.
 */
import { drivers } from "../../hardware/index.ts";
import * as assert from "uvu/assert";
import { buildPlatform, type Domain, domainAlloc, type EraId, iommuAttachDevice, Kernel, VfioContainer, vfioType1AttachGroup } from "../../lib/index.ts";
import { referenceRows, test } from "./reference.ts";

referenceRows("sun50i-iommu", {
  "no-iommu": {
    "2014-nesting": "absent",
    "pre-2022": "ENODEV",
    "emediumtype-2022": "ENODEV",
    "einval-6.2": "ENODEV",
    "mainline-2025": "ENODEV",
    "test-dev-2025": "ENODEV",
  },
});

const ERAS: EraId[] = ["pre-2022", "emediumtype-2022", "einval-6.2", "mainline-2025", "test-dev-2025"];

/** Allwinner H6: one IOMMU in front of the display engine, video decoder and GPU. */
function h6(era: EraId): Kernel {
  const k = new Kernel({ era, drivers });
  buildPlatform(k, {
    instances: [{ id: "iommu@30f0000", driver: "sun50i-iommu" }],
    devices: ["de", "ve", "gpu"].map((id) => ({ id, instance: "iommu@30f0000" })),
  });
  return k;
}

test("sun50i-iommu: a paging domain attaches to each master silently, in every era", () => {
  for (const era of ERAS) {
    const k = h6(era);
    const d = domainAlloc(k, { dev: k.devices.get("de")! }) as Domain;
    for (const id of ["de", "ve"]) assert.is(iommuAttachDevice(k, d, k.devices.get(id)!), 0, `${era} ${id}`);
    assert.is(k.devices.get("ve")!.hwDomain, d, era);
    assert.equal(k.log, [], era);
  }
});

// From v5.19 VFIO and iommufd refuse devices whose IOMMU does not report IOMMU_CAP_CACHE_COHERENCY
// (e8ae0e140c05; iommufd_device_bind): EINVAL before any attach.
test("sun50i-iommu: VFIO type1 puts two groups of the single IOMMU in one domain before v5.19; from v5.19 it refuses them", () => {
  for (const era of ERAS) {
    const k = h6(era);
    const c = new VfioContainer("c0", "v2");
    const first = vfioType1AttachGroup(k, c, k.groups.get("ve")!);
    if (k.features.coherencyGate) {
      assert.equal([first.outcome, first.errno, first.attempts], ["hard-failure", "EINVAL", 0], era);
      continue;
    }
    assert.is(first.outcome, "attached-new", era);
    const o = vfioType1AttachGroup(k, c, k.groups.get("gpu")!);
    assert.is(o.outcome, "attached-existing", era);
    assert.is(k.devices.get("gpu")!.hwDomain!.id, o.domain, era);
  }
});

test.run();
