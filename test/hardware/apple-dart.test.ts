/**
 * apple-dart against the fact sheet (D.1 "apple-dart", D.2):
 *   pre-2022: force_bypass && type != IDENTITY -> EINVAL; !supports_bypass && IDENTITY -> EINVAL (silent)
 *   einval-6.2: unchanged
 *   mainline-2025: identity without bypass -> EINVAL; pgsize > PAGE_SIZE -> EINVAL; DART mismatch -> EINVAL
 *   test-dev-2025: the same in test_dev
 * The EMEDIUMTYPE proposal converted both bypass checks (its diffs, v1-v6). INFERRED cells: the
 * driver is absent in 2014 (v5.15); the DART mismatch of apple_dart_mod_streams was already a
 * silent EINVAL in the first driver and the proposal did not touch it.
 */
import { drivers } from "../../hardware/index.ts";
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
  staticDomain,
  VfioContainer,
  vfioType1AttachGroup,
} from "../../lib/index.ts";
import { lab } from "../helpers.ts";
import { referenceRows, test } from "./reference.ts";

referenceRows("apple-dart", {
  "force-bypass": {
    "2014-nesting": "absent",
    "pre-2022": "EINVAL",
    "emediumtype-2022": "EMEDIUMTYPE",
    "einval-6.2": "EINVAL",
    "mainline-2025": "EINVAL",
    "test-dev-2025": "EINVAL",
  },
  "bypass-unsupported": {
    "2014-nesting": "absent",
    "pre-2022": "EINVAL",
    "emediumtype-2022": "EMEDIUMTYPE",
    "einval-6.2": "EINVAL",
    "mainline-2025": "-",
    "test-dev-2025": "-",
  },
  "dart-mismatch": {
    "2014-nesting": "absent",
    "pre-2022": "EINVAL",
    "emediumtype-2022": "EINVAL",
    "einval-6.2": "EINVAL",
    "mainline-2025": "EINVAL",
    "test-dev-2025": "EINVAL",
  },
  "identity-no-bypass": {
    "pre-2022": "-",
    "emediumtype-2022": "-",
    "einval-6.2": "-",
    "mainline-2025": "EINVAL",
    "test-dev-2025": "EINVAL",
  },
});

/** M1-like: 16K DARTs for USB and PCIe, the PCIe DART without bypass; the kernel's page size varies. */
function m1(era: EraId, kernelPageSize: string) {
  return lab(era, {
    instances: [
      { id: "dart_usb", driver: "apple-dart", props: { kernelPageSize } },
      { id: "dart_pcie", driver: "apple-dart", props: { kernelPageSize, supportsBypass: false } },
    ],
    devices: [
      { id: "usb", instance: "dart_usb" },
      { id: "wifi", instance: "dart_pcie" },
    ],
  });
}

test("apple-dart: on a 16K kernel the devices get DMA domains; on a 4K kernel the bypass-capable DART is forced into identity", () => {
  for (const era of ["pre-2022", "mainline-2025"] as const) {
    assert.is(m1(era, "16K").dev("usb").group!.defaultDomain!.type, "dma");
    assert.is(m1(era, "4K").dev("usb").group!.defaultDomain!.type, "identity");
  }
});

test("apple-dart 4K kernel: VFIO cannot use a forced-bypass DART (EINVAL from the attach in 2021, from the allocation in mainline)", () => {
  const pre = m1("pre-2022", "4K");
  const o = vfioType1AttachGroup(pre.k, new VfioContainer("c0", "v2"), pre.dev("usb").group!);
  assert.is(o.outcome, "hard-failure");
  assert.is(o.errno, "EINVAL");
  assert.is(pre.dev("usb").hwDomain, pre.dev("usb").group!.defaultDomain);
  const cur = m1("mainline-2025", "4K");
  assert.is(errnoName(domainAlloc(cur.k, { dev: cur.dev("usb") }) as number), "EINVAL");
  const fd = iommufdDeviceAttachIoas(cur.k, new IommufdCtx(), new Ioas("ioas0"), cur.dev("usb"));
  assert.is(fd.outcome, "hard-failure");
  assert.is(fd.errno, "EINVAL");
});

test("apple-dart: the PCIe DART cannot bypass, so the identity domain is refused (an allocated identity domain in 2021, the static one in mainline)", () => {
  const pre = m1("pre-2022", "16K");
  const id = domainAlloc(pre.k, { dev: pre.dev("usb"), type: "identity" }) as Domain;
  assert.is(iommuAttachDevice(pre.k, id, pre.dev("usb")), 0);
  assert.is(errnoName(iommuAttachDevice(pre.k, id, pre.dev("wifi"))), "EINVAL");
  const cur = m1("mainline-2025", "16K");
  const sid = staticDomain(cur.k, drivers.get("apple-dart")!, "identity");
  const before = cur.dev("wifi").hwDomain;
  assert.is(errnoName(iommuAttachDevice(cur.k, sid, cur.dev("wifi"))), "EINVAL");
  assert.is(cur.dev("wifi").hwDomain, before);
  assert.equal(cur.k.log.filter((l) => l.level !== "info"), []);
});

// From v5.19 VFIO and iommufd refuse devices whose IOMMU does not report IOMMU_CAP_CACHE_COHERENCY
// (e8ae0e140c05; iommufd_device_bind): EINVAL before any attach.
test("apple-dart mainline-2025: iommufd refuses DART devices at bind (no IOMMU_CAP_CACHE_COHERENCY), before any hwpt", () => {
  const { k, dev } = m1("mainline-2025", "16K");
  const ioas = new Ioas("ioas0");
  const o = iommufdDeviceAttachIoas(k, new IommufdCtx(), ioas, dev("usb"));
  assert.equal([o.outcome, o.errno, o.attempts], ["hard-failure", "EINVAL", 0]);
  assert.is(ioas.hwpts.length, 0);
});

test.run();
