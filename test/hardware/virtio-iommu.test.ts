/**
 * virtio-iommu against the fact sheet (D.1 "virtio-iommu", D.2):
 *   pre-2022: foreign vIOMMU -> dev_err "cannot attach to foreign vIOMMU" + EXDEV; finalise:
 *     granule > PAGE_SIZE -> dev_err + EINVAL; any other finalise failure -> EOPNOTSUPP
 *   einval-6.2: foreign -> EINVAL, silent; granule -> ENODEV (print kept); finalise -> the real errno
 *   mainline-2025 (TD1 virtio patch "-" lines): foreign -> EINVAL
 *   test-dev-2025: in test_dev
 * The proposal converted the foreign-vIOMMU path (EMEDIUMTYPE + dev_dbg by the kit's rule).
 * INFERRED cells: the driver is absent in 2014 (v5.3); the granule check is untouched by the
 * proposal; a full domain_range -> ENOSPC (ida) before mainline; in mainline both the granule test
 * and the domain ID move into domain_alloc_paging, so neither exists in attach_dev.
 */
import * as assert from "uvu/assert";
import {
  type Domain,
  domainAlloc,
  errnoName,
  type EraId,
  iommuAttachDevice,
  Ioas,
  IommufdCtx,
  iommufdDeviceAttachIoas,
  VfioContainer,
  vfioType1AttachGroup,
} from "../../lib/index.ts";
import { lab } from "../helpers.ts";
import { referenceRows, test } from "./reference.ts";

referenceRows("virtio-iommu", {
  granule: {
    "2014-nesting": "absent",
    "pre-2022": "EINVAL/err",
    "emediumtype-2022": "EINVAL/err",
    "einval-6.2": "ENODEV/err",
    "mainline-2025": "-",
    "test-dev-2025": "-",
  },
  "domain-ids": {
    "2014-nesting": "absent",
    "pre-2022": "ENOSPC",
    "emediumtype-2022": "ENOSPC",
    "einval-6.2": "ENOSPC",
    "mainline-2025": "-",
    "test-dev-2025": "-",
  },
  "foreign-viommu": {
    "2014-nesting": "absent",
    "pre-2022": "EXDEV/err",
    "emediumtype-2022": "EMEDIUMTYPE",
    "einval-6.2": "EINVAL",
    "mainline-2025": "EINVAL",
    "test-dev-2025": "EINVAL",
  },
});

referenceRows("virtio-iommu", { "foreign-viommu": { "emediumtype-2022": "EMEDIUMTYPE" } }, { variants: ["virtio-iommu:emediumtype-v6"] });

/** A guest with two virtio-iommu devices, one per PCI root bus. */
function guest(era: EraId, props: Record<string, string | boolean> = {}, failNth = 0) {
  return lab(era, {
    instances: [
      { id: "viommu0", driver: "virtio-iommu", props },
      { id: "viommu1", driver: "virtio-iommu", props },
    ],
    devices: [
      { id: "0000:00:02.0", instance: "viommu0" },
      { id: "0000:00:03.0", instance: "viommu0" },
      { id: "0001:00:02.0", instance: "viommu1" },
    ],
  }, { failNth });
}

test("virtio-iommu: the foreign vIOMMU story - EXDEV + dev_err (2021), silent EINVAL (6.2): VFIO never looks, iommufd moves on", () => {
  const pre = guest("pre-2022");
  const d = domainAlloc(pre.k, { dev: pre.dev("0000:00:02.0") }) as Domain;
  assert.is(iommuAttachDevice(pre.k, d, pre.dev("0000:00:02.0")), 0);
  const from = pre.k.log.length;
  assert.is(errnoName(iommuAttachDevice(pre.k, d, pre.dev("0001:00:02.0"))), "EXDEV");
  assert.equal(pre.k.log.slice(from).map((l) => [l.level, l.text]), [["err", "cannot attach to foreign vIOMMU"]]);

  const c = new VfioContainer("c0", "v2");
  const pv = guest("pre-2022");
  assert.is(vfioType1AttachGroup(pv.k, c, pv.dev("0000:00:02.0").group!).outcome, "attached-new");
  const second = vfioType1AttachGroup(pv.k, c, pv.dev("0001:00:02.0").group!);
  assert.is(second.outcome, "attached-new");
  assert.is(second.softFailures, 1); // EXDEV, not inspected
  assert.is(second.spam, 1);

  const cur = guest("einval-6.2");
  const ioas = new Ioas("ioas0");
  const ctx = new IommufdCtx();
  assert.is(iommufdDeviceAttachIoas(cur.k, ctx, ioas, cur.dev("0000:00:02.0")).outcome, "attached-new");
  assert.is(iommufdDeviceAttachIoas(cur.k, ctx, ioas, cur.dev("0000:00:03.0")).outcome, "attached-existing");
  const other = iommufdDeviceAttachIoas(cur.k, ctx, ioas, cur.dev("0001:00:02.0"));
  assert.is(other.outcome, "attached-new");
  assert.is(other.softFailures, 1);
  assert.is(other.spam, 0);
});

test("virtio-iommu: a 64K granule in a 4K guest - the attach fails (EINVAL, then ENODEV) before mainline, the allocation fails in mainline", () => {
  const got: string[] = [];
  for (const era of ["pre-2022", "einval-6.2"] as const) {
    const { k, dev } = guest(era, { granule: "64K" });
    const d = domainAlloc(k, { dev: dev("0000:00:02.0") }) as Domain;
    const from = k.log.length;
    got.push(errnoName(iommuAttachDevice(k, d, dev("0000:00:02.0"))));
    assert.equal(k.log.slice(from).map((l) => l.level), ["err"]);
    assert.is(d.instance, null);
  }
  const { k, dev } = guest("mainline-2025", { granule: "64K" });
  const from = k.log.length;
  got.push(errnoName(domainAlloc(k, { dev: dev("0000:00:02.0") }) as number));
  assert.equal(k.log.slice(from).map((l) => l.level), ["err"]);
  assert.equal(got, ["EINVAL", "ENODEV", "ENODEV"]);
});

test("virtio-iommu: the finalise errno - a failed identity map is EOPNOTSUPP until 04cee82e04d2, the real ENOMEM after", () => {
  const got: string[] = [];
  for (const era of ["pre-2022", "emediumtype-2022", "einval-6.2"] as const) {
    // Count the allocations up to the attach, then fail the next one (the identity map).
    const probe = guest(era, { bypassConfig: false });
    domainAlloc(probe.k, { dev: probe.dev("0000:00:02.0"), type: "identity" });
    const { k, dev } = guest(era, { bypassConfig: false }, probe.k.allocations + 1);
    const d = domainAlloc(k, { dev: dev("0000:00:02.0"), type: "identity" }) as Domain;
    got.push(errnoName(iommuAttachDevice(k, d, dev("0000:00:02.0"))));
    assert.is(d.instance, null); // not finalised: the ID and the vIOMMU are given back
  }
  assert.equal(got, ["EOPNOTSUPP", "EOPNOTSUPP", "ENOMEM"]);
  // With BYPASS_CONFIG the identity domain is a flag: nothing to allocate, nothing to fail.
  const { k, dev } = guest("pre-2022", { bypassConfig: true });
  const d = domainAlloc(k, { dev: dev("0000:00:02.0"), type: "identity" }) as Domain;
  assert.is(iommuAttachDevice(k, d, dev("0000:00:02.0")), 0);
});

test.run();
