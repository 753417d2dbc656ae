/**
 * iommufd-mock (drivers/iommu/iommufd/selftest.c) against the fact sheet (D.1 "iommufd selftest
 * mock driver", section E). All modelled paths are mainline-2025 (dirty tracking, nesting/vIOMMU,
 * IOPF and the PASID selftests came after v6.2); the mock exists from einval-6.2 on (INFERRED:
 * iommufd and its selftest arrived in v6.2); TD1 moves the attach checks into mock_domain_nop_test.
 */
import { drivers } from "../../hardware/index.ts";
import * as assert from "uvu/assert";
import { buildPlatform, type Domain, domainAlloc, errnoName, type EraId, iommuAttachDevice, iommuAttachDevicePasid, iommuReplaceDevicePasid, Kernel, type Props } from "../../lib/index.ts";
import { MOCK_FAKE_ERROR_PASID } from "../../hardware/iommufd-mock.ts";
import { referenceRows, test } from "./reference.ts";

const only2025 = (cell: string) => ({
  "2014-nesting": "absent",
  "pre-2022": "absent",
  "emediumtype-2022": "absent",
  "einval-6.2": "-",
  "mainline-2025": cell,
  "test-dev-2025": cell,
});

referenceRows("iommufd-mock", {
  "no-dirty": only2025("EINVAL"), // E-19
  "nested-no-vdevice": only2025("ENOENT"), // E-31
  "iopf-no-queue": only2025("ENODEV"), // D.1: IOPF domain with no IOPF queue
});
referenceRows("iommufd-mock", { "pasid-iopf-no-queue": only2025("ENODEV") }, { op: "pasid" });

const CUR: EraId[] = ["mainline-2025", "test-dev-2025"];

/** One mock IOMMU; `devices` maps a device id to its props; `group` puts every device in one group. */
function mock(era: EraId, devices: Record<string, Props>, group?: string): Kernel {
  const k = new Kernel({ era, drivers });
  buildPlatform(k, {
    instances: [{ id: "mock_iommu", driver: "iommufd-mock" }],
    devices: Object.entries(devices).map(([id, props]) => ({ id, instance: "mock_iommu", props, maxPasids: 1 << 20, ...(group ? { group } : {}) })),
  });
  return k;
}

test("E-19: a NO_DIRTY mock device is refused by a dirty-tracking domain (EINVAL, silent, hardware untouched)", () => {
  for (const era of CUR) {
    const k = mock(era, { stdev: {}, nodirty: { noDirty: true } });
    const d = domainAlloc(k, { dev: k.devices.get("stdev")!, props: { dirtyTracking: true } }) as Domain;
    const dev = k.devices.get("nodirty")!;
    const before = dev.hwDomain;
    assert.is(errnoName(iommuAttachDevice(k, d, dev)), "EINVAL", era);
    assert.equal(k.log, [], era);
    assert.is(dev.hwDomain, before, era);
    assert.is(iommuAttachDevice(k, d, k.devices.get("stdev")!), 0, era);
  }
});

test("E-20: dirty tracking is refused at allocation time for a NO_DIRTY device (EOPNOTSUPP); einval-6.2 has no such flag", () => {
  for (const era of CUR) {
    const k = mock(era, { stdev: {}, nodirty: { noDirty: true } });
    assert.is(errnoName(domainAlloc(k, { dev: k.devices.get("nodirty")!, props: { dirtyTracking: true } }) as number), "EOPNOTSUPP", era);
    assert.is(typeof domainAlloc(k, { dev: k.devices.get("stdev")!, props: { dirtyTracking: true } }), "object", era);
  }
  const k = mock("einval-6.2", { stdev: {} });
  assert.is(errnoName(domainAlloc(k, { dev: k.devices.get("stdev")!, props: { dirtyTracking: true } }) as number), "EOPNOTSUPP");
});

test("einval-6.2: the mock refuses nothing (its checks came later)", () => {
  const k = mock("einval-6.2", { a: {}, b: { noDirty: true } });
  const d = domainAlloc(k, { dev: k.devices.get("a")! }) as Domain;
  for (const id of ["a", "b"]) assert.is(iommuAttachDevice(k, d, k.devices.get(id)!), 0, id);
  assert.is(k.devices.get("b")!.hwDomain, d);
});

/** A 2-device group with PASID 1024 attached to `old`, and a second domain `next`. */
function pasidGroup(era: EraId) {
  const k = mock(era, { "mock-a": {}, "mock-b": {} }, "g0");
  const a = k.devices.get("mock-a")!;
  const b = k.devices.get("mock-b")!;
  const old = domainAlloc(k, { dev: a }) as Domain;
  const next = domainAlloc(k, { dev: a }) as Domain;
  assert.is(iommuAttachDevicePasid(k, old, a, MOCK_FAKE_ERROR_PASID), 0, `${era}: first set_dev_pasid succeeds`);
  return { k, a, b, old, next, g: a.group! };
}

test("E-26: replacing PASID 1024 fails with the faked ENOMEM and the PASID still points at the old domain everywhere", () => {
  for (const era of CUR) {
    const { k, a, b, old, next, g } = pasidGroup(era);
    assert.is(errnoName(iommuReplaceDevicePasid(k, next, a, MOCK_FAKE_ERROR_PASID, "h1")), "ENOMEM", era);
    assert.is(g.pasidArray.get(MOCK_FAKE_ERROR_PASID)!.domain, old, era);
    assert.is(a.hwPasid.get(MOCK_FAKE_ERROR_PASID), old, era);
    assert.is(b.hwPasid.get(MOCK_FAKE_ERROR_PASID), old, era);
    assert.equal(k.log, [], era);
  }
});

test("E-26 follow-up: a second replace gets past the first device, fails on the second, and the revert meets the armed flag (WARN, PASID removed)", () => {
  // The mock warns that the call after a faked error arms it again: the core's revert of the
  // first device (old->set_dev_pasid) is that call, fails, and the core removes the PASID.
  const { k, a, b, old, next, g } = pasidGroup("mainline-2025");
  assert.is(errnoName(iommuReplaceDevicePasid(k, next, a, MOCK_FAKE_ERROR_PASID, "h1")), "ENOMEM");
  assert.is(errnoName(iommuReplaceDevicePasid(k, next, a, MOCK_FAKE_ERROR_PASID, "h2")), "ENOMEM");
  assert.equal(k.log.map((l) => l.level), ["WARN"]);
  assert.is(g.pasidArray.get(MOCK_FAKE_ERROR_PASID)!.domain, old);
  assert.is(a.hwPasid.has(MOCK_FAKE_ERROR_PASID), false);
  assert.is(b.hwPasid.get(MOCK_FAKE_ERROR_PASID), old);
});

test("IOPF domain with no IOPF queue: ENODEV for the RID; the device stays on its default (blocked) domain", () => {
  for (const era of CUR) {
    const k = new Kernel({ era, drivers });
    buildPlatform(k, { instances: [{ id: "m", driver: "iommufd-mock", props: { iopfQueue: false } }], devices: [{ id: "stdev", instance: "m" }] });
    const dev = k.devices.get("stdev")!;
    const d = domainAlloc(k, { dev, props: { iopf: true } }) as Domain;
    assert.is(errnoName(iommuAttachDevice(k, d, dev)), "ENODEV", era);
    assert.is(dev.hwDomain, dev.group!.defaultDomain, era);
    assert.is(dev.hwDomain!.type, "blocked", era);
  }
});

test.run();
