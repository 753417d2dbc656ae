/**
 * omap-iommu against bd7ebb771935 and f4a147735793 (v6.2) and TD1 16/20
 * (dbd15c7ba6c601289e3d1102653e827beecd1d34.1760312725.git.nicolinc@nvidia.com):
 *   pre-2022: no iommu -> EINVAL + dev_err; domain already attached -> EBUSY + dev_err; 0 iommus -> EINVAL + dev_err
 *   einval-6.2 (= mainline-2025): ENODEV; EINVAL with the print kept; ENODEV
 *   test-dev-2025: prints become dev_dbg
 * INFERRED cells: the ENODEV no-iommu path keeps its dev_err in einval-6.2; the EMEDIUMTYPE
 * proposal converts only the "already attached" path (EMEDIUMTYPE + dev_dbg).
 */
import { drivers } from "../../hardware/index.ts";
import * as assert from "uvu/assert";
import { buildPlatform, type Domain, domainAlloc, errnoName, type EraId, iommuAttachDevice, iommuDetachDevice, Ioas, IommufdCtx, iommufdDeviceAttachIoas, Kernel } from "../../lib/index.ts";
import { referenceRows, test } from "./reference.ts";

referenceRows("omap-iommu", {
  "no-iommu": {
    "2014-nesting": "EINVAL/err",
    "pre-2022": "EINVAL/err",
    "emediumtype-2022": "EINVAL/err",
    "einval-6.2": "ENODEV/err",
    "mainline-2025": "ENODEV/err",
    "test-dev-2025": "ENODEV/dbg",
  },
  "domain-attached": {
    "2014-nesting": "EBUSY/err",
    "pre-2022": "EBUSY/err",
    "emediumtype-2022": "EMEDIUMTYPE/dbg",
    "einval-6.2": "EINVAL/err",
    "mainline-2025": "EINVAL/err",
    "test-dev-2025": "EINVAL/dbg",
  },
  // omap_iommu_attach_dev() prints dev_err("failed to allocate required iommu data %d") when
  // omap_iommu_attach_init() fails (TD1 16/20's context); TD1 tests it silently in test_dev.
  "no-iommus": {
    "2014-nesting": "EINVAL/err",
    "pre-2022": "EINVAL/err",
    "emediumtype-2022": "EINVAL/err",
    "einval-6.2": "ENODEV/err",
    "mainline-2025": "ENODEV/err",
    "test-dev-2025": "ENODEV",
  },
});

/** OMAP4: the IPU and DSP remote processors, each behind its own MMU, and one domain for the IPU. */
function omap4(era: EraId): { k: Kernel; d: Domain } {
  const k = new Kernel({ era, drivers });
  buildPlatform(k, {
    instances: [{ id: "mmu_ipu", driver: "omap-iommu" }, { id: "mmu_dsp", driver: "omap-iommu" }],
    devices: [{ id: "ipu", instance: "mmu_ipu" }, { id: "dsp", instance: "mmu_dsp" }],
  });
  return { k, d: domainAlloc(k, { dev: k.devices.get("ipu")! }) as Domain };
}

test("omap-iommu pre-2022: a domain takes one client; the second is refused until the first detaches", () => {
  const { k, d } = omap4("pre-2022");
  const ipu = k.devices.get("ipu")!;
  const dsp = k.devices.get("dsp")!;
  assert.is(iommuAttachDevice(k, d, ipu), 0);
  const from = k.log.length;
  assert.is(errnoName(iommuAttachDevice(k, d, dsp)), "EBUSY");
  assert.equal(k.log.slice(from).map((l) => [l.level, l.dev, l.text]), [["err", "dsp", "iommu domain is already attached"]]);
  assert.is.not(dsp.hwDomain, d);
  iommuDetachDevice(k, d, ipu);
  assert.is(iommuAttachDevice(k, d, dsp), 0);
  assert.is(dsp.hwDomain, d);
});

// From v5.19 VFIO and iommufd refuse devices whose IOMMU does not report IOMMU_CAP_CACHE_COHERENCY
// (e8ae0e140c05; iommufd_device_bind): EINVAL before any attach.
test("omap-iommu einval-6.2: iommufd refuses OMAP devices at bind (no IOMMU_CAP_CACHE_COHERENCY), so the dev_err path is never reached", () => {
  const { k } = omap4("einval-6.2");
  const o = iommufdDeviceAttachIoas(k, new IommufdCtx(), new Ioas("ioas0"), k.devices.get("ipu")!);
  assert.equal([o.outcome, o.errno, o.attempts, o.spam], ["hard-failure", "EINVAL", 0, 0]);
});

test("omap-iommu test-dev-2025: test_dev refuses with dev_dbg only and the hardware is untouched", () => {
  const { k, d } = omap4("test-dev-2025");
  const dsp = k.devices.get("dsp")!;
  assert.is(iommuAttachDevice(k, d, k.devices.get("ipu")!), 0);
  const before = dsp.hwDomain;
  const from = k.log.length;
  assert.is(errnoName(iommuAttachDevice(k, d, dsp)), "EINVAL");
  assert.equal(k.log.slice(from).map((l) => l.level), ["dbg"]);
  assert.is(dsp.hwDomain, before);
});

test.run();
