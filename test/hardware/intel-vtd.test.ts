/**
 * intel-vtd against the kernel sources (issue #16 point 4):
 *   rmrr-locked: dev_warn + EPERM for an RMRR-locked device on an UNMANAGED domain, from
 *     c875d2c1b808 (v3.17) until d3aedf94f480 (2023); then the core's require_direct rule
 *     (a48ce36e2786) refuses only blocking domains (EINVAL + dev_warn);
 *   detach-first: intel_iommu_attach_device() takes the device off its old domain before the
 *     compatibility checks (dmar_remove_one_dev_info / device_block_translation), so a refused
 *     attach leaves it blocked, with no rollback, up to einval-6.2;
 *   force-snooping: from v5.19 only (absent in 2014-nesting and pre-2022);
 *   address-width: EFAULT + dev_err; EMEDIUMTYPE (v6: silent; v1: dev_err kept); EINVAL.
 */
import * as assert from "uvu/assert";
import { domainAlloc, errnoName, type Domain, type EraId, iommuAttachDevice, iommuGroupClaimDmaOwner } from "../../lib/index.ts";
import { lab } from "../helpers.ts";
import { referenceRows, test } from "./reference.ts";

const RMRR = "Device is ineligible for IOMMU domain attach due to platform RMRR requirement.  Contact your platform vendor.";

referenceRows("intel-vtd", {
  "rmrr-locked": {
    "2014-nesting": "EPERM/warn",
    "pre-2022": "EPERM/warn",
    "emediumtype-2022": "EPERM/warn",
    "einval-6.2": "EPERM/warn",
    "mainline-2025": "-",
    "test-dev-2025": "-",
  },
  "force-snooping": {
    "2014-nesting": "-",
    "pre-2022": "-",
    "emediumtype-2022": "EMEDIUMTYPE",
    "einval-6.2": "EINVAL",
    "mainline-2025": "EINVAL",
  },
  "address-width": {
    "pre-2022": "EFAULT/err",
    "emediumtype-2022": "EMEDIUMTYPE",
    "einval-6.2": "EINVAL",
  },
});
referenceRows("intel-vtd", { "address-width": { "emediumtype-2022": "EMEDIUMTYPE/err" } }, { variants: ["emediumtype-2022:v1"] });

/** Two DMAR units; "gpu" behind the narrow one (39 bits), "nic" and "rmrr" behind the wide one. */
function machine(era: EraId) {
  return lab(era, {
    instances: [{ id: "dmar0", driver: "intel-vtd" }, { id: "dmar1", driver: "intel-vtd", props: { addressWidth: 39 } }],
    devices: [{ id: "nic", instance: "dmar0" }, { id: "rmrr", instance: "dmar0", requireDirect: true }, { id: "gpu", instance: "dmar1" }],
  });
}

test("intel-vtd: an RMRR-locked device is refused an UNMANAGED domain with dev_warn + EPERM until 2023, and keeps its domain", () => {
  for (const era of ["pre-2022", "emediumtype-2022", "einval-6.2"] as EraId[]) {
    const { k, dev } = machine(era);
    const before = dev("rmrr").hwDomain;
    const d = domainAlloc(k, { dev: dev("rmrr") }) as Domain;
    const from = k.log.length;
    assert.is(errnoName(iommuAttachDevice(k, d, dev("rmrr"))), "EPERM", era);
    assert.equal(k.log.slice(from).map((l) => [l.level, l.text]), [["warn", RMRR]], era);
    assert.is(dev("rmrr").hwDomain, before, `${era}: refused before the device leaves its domain`);
  }
});

test("intel-vtd mainline-2025: the driver check is gone; the core's require_direct refuses only the blocking domain", () => {
  const { k, dev, group } = machine("mainline-2025");
  const d = domainAlloc(k, { dev: dev("rmrr") }) as Domain;
  assert.is(iommuAttachDevice(k, d, dev("rmrr")), 0, "an UNMANAGED domain attaches");
  const { k: k2, group: group2 } = machine("mainline-2025");
  void group;
  const from = k2.log.length;
  assert.is(errnoName(iommuGroupClaimDmaOwner(k2, group2("rmrr"), "vfio")), "EINVAL");
  assert.match(k2.log.slice(from).map((l) => l.text).join("\n"), /Firmware has requested this device have a 1:1 IOMMU mapping/);
});

test("intel-vtd: a refused attach leaves the device blocked (detach first, no rollback) up to einval-6.2; not in test-dev-2025", () => {
  const want: Record<string, boolean> = { "pre-2022": true, "emediumtype-2022": true, "einval-6.2": true, "test-dev-2025": false };
  for (const era of Object.keys(want) as EraId[]) {
    const { k, dev, group } = machine(era);
    const d = domainAlloc(k, { dev: dev("nic"), props: era === "test-dev-2025" ? { addressWidth: 48 } : { maxAddrBits: 48 } }) as Domain;
    assert.is(iommuAttachDevice(k, d, dev("nic")), 0, era);
    const old = dev("gpu").hwDomain;
    assert.ok(old, `${era}: gpu starts on its default domain`);
    assert.ok(iommuAttachDevice(k, d, dev("gpu")) < 0, `${era}: the 39-bit unit cannot reach the domain`);
    assert.is(group("gpu").domain, old, `${era}: group->domain unchanged`);
    assert.is(dev("gpu").hwDomain, want[era] ? null : old, `${era}: device ${want[era] ? "left blocked" : "kept on its domain"}`);
  }
});

test.run();
