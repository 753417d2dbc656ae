/**
 * ipmmu-vmsa against the fact sheet (D.1 "ipmmu-vmsa", D.2):
 *   pre-2022: !mmu -> dev_err "Cannot attach to IPMMU" + ENXIO; mmu mismatch -> dev_err + EINVAL
 *   einval-6.2: mismatch print dropped
 *   mainline-2025: !mmu -> dev_err + ENXIO; mismatch -> EINVAL
 *   test-dev-2025 (TD1 11/20): dev_dbg
 * INFERRED cells: 2014 = pre-2022 for both (driver from v3.17); the proposal keeps !mmu and
 * converts the mismatch (EMEDIUMTYPE + dev_dbg); a full context table of the root IPMMU -> EBUSY
 * + dev_err "Unable to initialize IPMMU context" from pre-2022 on (the 2014 driver used a single
 * context), not in the sheet.
 */
import * as assert from "uvu/assert";
import { type Domain, domainAlloc, domainFree, errnoName, type EraId, iommuAttachDevice, iommuDetachDevice } from "../../lib/index.ts";
import { lab } from "../helpers.ts";
import { referenceRows, test } from "./reference.ts";

referenceRows("ipmmu-vmsa", {
  "no-mmu": {
    "2014-nesting": "ENXIO/err",
    "pre-2022": "ENXIO/err",
    "emediumtype-2022": "ENXIO/err",
    "einval-6.2": "ENXIO/err",
    "mainline-2025": "ENXIO/err",
    "test-dev-2025": "ENXIO/dbg",
  },
  "contexts-exhausted": {
    "2014-nesting": "-",
    "pre-2022": "EBUSY/err",
    "emediumtype-2022": "EBUSY/err",
    "einval-6.2": "EBUSY/err",
    "mainline-2025": "EBUSY/err",
    "test-dev-2025": "EBUSY/err",
  },
  "mmu-mismatch": {
    "2014-nesting": "EINVAL/err",
    "pre-2022": "EINVAL/err",
    "emediumtype-2022": "EMEDIUMTYPE",
    "einval-6.2": "EINVAL",
    "mainline-2025": "EINVAL",
    "test-dev-2025": "EINVAL",
  },
});

/** R-Car Gen3-like: root IPMMU-MM with 4 contexts, cache IPMMUs VI (video) and DS0 (SATA, USB). */
function rcar(era: EraId) {
  return lab(era, {
    instances: [
      { id: "ipmmu_mm", driver: "ipmmu-vmsa", props: { contexts: 4 } },
      { id: "ipmmu_vi", driver: "ipmmu-vmsa", props: { root: "ipmmu_mm" } },
      { id: "ipmmu_ds0", driver: "ipmmu-vmsa", props: { root: "ipmmu_mm" } },
    ],
    devices: [
      { id: "vin", instance: "ipmmu_vi" },
      { id: "sata", instance: "ipmmu_ds0" },
      { id: "usb", instance: "ipmmu_ds0" },
    ],
  });
}

test("ipmmu-vmsa: every cache IPMMU takes its contexts from the root; the fourth domain empties it and a fifth is refused (EBUSY + dev_err)", () => {
  const { k, dev } = rcar("einval-6.2");
  assert.equal(
    k.log.map((l) => [l.level, l.dev, l.text]),
    [
      ["info", "vin", "Using IPMMU context 0"],
      ["info", "sata", "Using IPMMU context 1"],
      ["info", "usb", "Using IPMMU context 2"],
    ],
  );
  const d = domainAlloc(k, { dev: dev("sata") }) as Domain;
  assert.is(iommuAttachDevice(k, d, dev("sata")), 0);
  const d2 = domainAlloc(k, { dev: dev("vin") }) as Domain;
  const from = k.log.length;
  assert.is(errnoName(iommuAttachDevice(k, d2, dev("vin"))), "EBUSY");
  assert.equal(k.log.slice(from).map((l) => [l.level, l.text]), [["err", "Unable to initialize IPMMU context"]]);
  assert.is(d2.instance, null);
  // Freeing a domain returns its context to the root's table.
  iommuDetachDevice(k, d, dev("sata"));
  domainFree(k, d);
  assert.is(iommuAttachDevice(k, d2, dev("vin")), 0);
  assert.is(d2.props["contextId"], 3);
});

test("ipmmu-vmsa: a domain on DS0 refuses a master behind VI (dev_err + EINVAL, then a silent EMEDIUMTYPE (v6), then silent EINVAL)", () => {
  const got: Array<[string, string[]]> = [];
  for (const era of ["pre-2022", "emediumtype-2022", "einval-6.2", "test-dev-2025"] as const) {
    const { k, dev } = rcar(era);
    const d = domainAlloc(k, { dev: dev("sata") }) as Domain;
    assert.is(iommuAttachDevice(k, d, dev("sata")), 0);
    assert.is(iommuAttachDevice(k, d, dev("usb")), 0);
    const before = dev("vin").hwDomain;
    const from = k.log.length;
    got.push([errnoName(iommuAttachDevice(k, d, dev("vin"))), k.log.slice(from).map((l) => `${l.level}:${l.text}`)]);
    assert.is(dev("vin").hwDomain, before);
  }
  assert.equal(got, [
    ["EINVAL", ["err:Can't attach IPMMU ipmmu_vi to domain on IPMMU ipmmu_ds0"]],
    ["EMEDIUMTYPE", []],
    ["EINVAL", []],
    ["EINVAL", []],
  ]);
});

test.run();
