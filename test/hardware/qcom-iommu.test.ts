/**
 * qcom_iommu against the fact sheet (D.1 "qcom_iommu", D.2):
 *   pre-2022: to_iommu() NULL -> dev_err "cannot attach to IOMMU, is it on the same bus?" + ENXIO;
 *     iommu mismatch -> dev_err + EINVAL
 *   einval-6.2: mismatch print dropped (EINVAL); 2023: to_iommu removed
 *   mainline-2025: !priv -> dev_err + ENXIO; mismatch -> EINVAL; identity attach with WARN_ON(!iommu) -> EINVAL
 *   test-dev-2025: dev_dbg
 * INFERRED cells: the driver is absent in 2014 (v4.14, 2017); the proposal keeps the no-IOMMU
 * path (not an incompatibility) and converts the mismatch (EMEDIUMTYPE + dev_dbg); the secure
 * world refusing a context bank -> EIO + dev_err in every era (not in the sheet).
 */
import { drivers } from "../../hardware/index.ts";
import * as assert from "uvu/assert";
import { buildPlatform, type Domain, domainAlloc, errnoName, type EraId, iommuAttachDevice, Ioas, IommufdCtx, iommufdDeviceAttachIoas, Kernel, staticDomain } from "../../lib/index.ts";
import { lab } from "../helpers.ts";
import { referenceRows, test } from "./reference.ts";

referenceRows("qcom-iommu", {
  "no-iommu": {
    "2014-nesting": "absent",
    "pre-2022": "ENXIO/err",
    "emediumtype-2022": "ENXIO/err",
    "einval-6.2": "ENXIO/err",
    "mainline-2025": "ENXIO/err",
    "test-dev-2025": "ENXIO/dbg",
  },
  "secure-init": {
    "2014-nesting": "absent",
    "pre-2022": "EIO/err",
    "emediumtype-2022": "EIO/err",
    "einval-6.2": "EIO/err",
    "mainline-2025": "EIO/err",
    "test-dev-2025": "EIO/err",
  },
  "iommu-mismatch": {
    "2014-nesting": "absent",
    "pre-2022": "EINVAL/err",
    "emediumtype-2022": "EMEDIUMTYPE",
    "einval-6.2": "EINVAL",
    "mainline-2025": "EINVAL",
    "test-dev-2025": "EINVAL",
  },
  "identity-old-unfinalised": {
    "pre-2022": "-",
    "emediumtype-2022": "-",
    "einval-6.2": "-",
    "mainline-2025": "EINVAL/WARN",
    "test-dev-2025": "EINVAL/WARN",
  },
});

/** msm8916-like: the GPU's own qcom_iommu and the apps one in front of video (venus) and display (mdp). */
function msm8916(era: EraId) {
  return lab(era, {
    instances: [
      { id: "gpu_iommu", driver: "qcom-iommu" },
      { id: "apps_iommu", driver: "qcom-iommu" },
    ],
    devices: [
      { id: "venus", instance: "apps_iommu" },
      { id: "mdp", instance: "apps_iommu" },
      { id: "gpu", instance: "gpu_iommu" },
    ],
  });
}

// v1 of the proposal (6 Jun 2022) changed only the errno and kept the dev_err.
referenceRows("qcom-iommu", { "iommu-mismatch": { "emediumtype-2022": "EMEDIUMTYPE/err", "einval-6.2": "EINVAL" } }, { variants: ["emediumtype-2022:v1"] });

test("qcom_iommu: a domain finalised on the apps IOMMU refuses the GPU: dev_err + EINVAL before 6.2, silent EINVAL after; the GPU stays on its domain", () => {
  const got: Array<[string, string[]]> = [];
  for (const era of ["pre-2022", "einval-6.2", "mainline-2025"] as const) {
    const { k, dev } = msm8916(era);
    const d = domainAlloc(k, { dev: dev("venus") }) as Domain;
    assert.is(iommuAttachDevice(k, d, dev("venus")), 0);
    assert.is(iommuAttachDevice(k, d, dev("mdp")), 0);
    assert.is(d.instance?.id, "apps_iommu");
    const before = dev("gpu").hwDomain;
    const from = k.log.length;
    got.push([errnoName(iommuAttachDevice(k, d, dev("gpu"))), k.log.slice(from).map((l) => l.level)]);
    assert.is(dev("gpu").hwDomain, before);
  }
  assert.equal(got, [
    ["EINVAL", ["err"]],
    ["EINVAL", []],
    ["EINVAL", []],
  ]);
});

test("qcom_iommu: a refused secure init leaves the domain unfinalised, so another master can still take it", () => {
  const k = new Kernel({ era: "einval-6.2", drivers });
  buildPlatform(k, {
    instances: [{ id: "apps_iommu", driver: "qcom-iommu" }],
    devices: [
      { id: "venus", instance: "apps_iommu", props: { secureInitFails: true }, attachDeferred: true },
      { id: "mdp", instance: "apps_iommu" },
    ],
  });
  const d = domainAlloc(k, { dev: k.devices.get("mdp")! }) as Domain;
  const from = k.log.length;
  assert.is(errnoName(iommuAttachDevice(k, d, k.devices.get("venus")!)), "EIO");
  assert.equal(k.log.slice(from).map((l) => [l.level, l.text]), [["err", "secure init failed: -5"]]);
  assert.is(d.instance, null);
  assert.is(iommuAttachDevice(k, d, k.devices.get("mdp")!), 0);
  assert.is(d.instance?.id, "apps_iommu");
});

test("qcom_iommu mainline-2025: moving to the identity domain from a never-finalised default domain WARNs and fails", () => {
  const k = new Kernel({ era: "mainline-2025", drivers });
  buildPlatform(k, {
    instances: [{ id: "apps_iommu", driver: "qcom-iommu" }],
    devices: [{ id: "venus", instance: "apps_iommu", props: { secureInitFails: true } }],
  });
  // The first attach failed under MUST_SUCCEED: the group still names its (unfinalised) default domain.
  const venus = k.devices.get("venus")!;
  assert.is(venus.group!.domain, venus.group!.defaultDomain);
  assert.is(venus.group!.defaultDomain!.instance, null);
  const from = k.log.length;
  assert.is(errnoName(iommuAttachDevice(k, staticDomain(k, drivers.get("qcom-iommu")!, "identity"), venus)), "EINVAL");
  assert.equal(k.log.slice(from).map((l) => l.level), ["WARN"]);
});

test("qcom_iommu mainline-2025: iommufd moves past the other IOMMU's hwpt (EINVAL) and allocates one for the GPU", () => {
  const { k, dev } = msm8916("mainline-2025");
  const ioas = new Ioas("ioas0");
  const ctx = new IommufdCtx();
  assert.is(iommufdDeviceAttachIoas(k, ctx, ioas, dev("venus")).outcome, "attached-new");
  assert.is(iommufdDeviceAttachIoas(k, ctx, ioas, dev("mdp")).outcome, "attached-existing");
  const gpu = iommufdDeviceAttachIoas(k, ctx, ioas, dev("gpu"));
  assert.is(gpu.outcome, "attached-new");
  assert.is(gpu.softFailures, 1);
  assert.is(gpu.spam, 0);
});

test.run();
