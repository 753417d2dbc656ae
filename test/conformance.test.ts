/**
 * Conformance with the kernel's iommufd selftests (tools/testing/selftests/iommu/iommufd.c at
 * 724f6df514f7, "VSEL", and Yi Liu's PASID selftests), run against the mock driver the way the
 * selftests run against drivers/iommu/iommufd/selftest.c. Each test is named after the kernel
 * test it comes from and its E-number in the fact sheet (section E).
 *
 * Not covered, because the model has no such objects: nested HWPT data and vIOMMU/vdevice/fault
 * queue objects (E-4..E-8, E-10, E-11, E-28..E-32 except the ENOENT of E-31), get_hw_info
 * (E-22), fork/page pinning (E-21), and the VFIO compat ioctls (E-34).
 */
import { drivers } from "../hardware/index.ts";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { buildPlatform, errnoName, Kernel } from "../lib/index.ts";
import {
  IOMMU_HWPT_ALLOC_DIRTY_TRACKING,
  IOMMU_HWPT_ALLOC_NEST_PARENT,
  IOMMU_HWPT_ALLOC_PASID,
  IOMMU_HWPT_FAULT_ID_VALID,
  IommufdFile,
} from "../lib/consumers/iommufd-uapi.ts";

const MOCK = "iommufd-mock";

/** A mock IOMMU with mock devices (MOCK_FLAGS_DEVICE_PASID: max_pasids 1 << 20), one fd, one IOAS. */
function fixture(devices: Array<{ id: string; noDirty?: boolean; group?: string }> = [{ id: "stdev" }]) {
  const k = new Kernel({ era: "mainline-2025", drivers });
  buildPlatform(k, {
    instances: [{ id: "mock0", driver: MOCK }],
    devices: devices.map((d) => ({ id: d.id, instance: "mock0", maxPasids: 1 << 20, ...(d.group ? { group: d.group } : {}), props: d.noDirty ? { noDirty: true } : ({} as Record<string, boolean>) })),
  });
  const fd = new IommufdFile(k);
  const ioas = fd.ioasAlloc();
  const ids = devices.map((d) => fd.bind(k.devices.get(d.id)!).id);
  return { k, fd, ioas, ids, dev: ids[0]! };
}

const is = (ret: number, want: string, what?: string) => assert.is(errnoName(ret), want, what);

test("E-1 iommufd_ioas.alloc_hwpt_nested: hwpt_alloc with dev_id = an IOAS id -> ENOENT", () => {
  const { fd, ioas } = fixture();
  is(fd.hwptAlloc(ioas, ioas).ret, "ENOENT");
});

test("E-2 iommufd_ioas.alloc_hwpt_nested: hwpt_alloc with pt_id = a device id -> EINVAL", () => {
  const { fd, dev } = fixture();
  is(fd.hwptAlloc(dev, dev).ret, "EINVAL");
});

test("E-3 iommufd_ioas.alloc_hwpt_nested: NEST_PARENT | FAULT_ID_VALID without nested data -> EOPNOTSUPP", () => {
  const { fd, ioas, dev } = fixture();
  is(fd.hwptAlloc(dev, ioas, IOMMU_HWPT_ALLOC_NEST_PARENT | IOMMU_HWPT_FAULT_ID_VALID).ret, "EOPNOTSUPP");
});

test("E-9 iommufd_ioas.alloc_hwpt_nested: a nested alloc on a non-nest-parent hwpt -> EINVAL", () => {
  const { fd, ioas, dev } = fixture();
  const plain = fd.hwptAlloc(dev, ioas);
  is(plain.ret, "0");
  is(fd.hwptAlloc(dev, plain.id).ret, "EINVAL");
});

test("E-12 iommufd_ioas.alloc_hwpt_nested: an attached hwpt cannot be destroyed -> EBUSY", () => {
  const { fd, ioas, dev } = fixture();
  const h = fd.hwptAlloc(dev, ioas).id;
  is(fd.attach(dev, h), "0");
  is(fd.destroy(h), "EBUSY");
  fd.detach(dev);
  is(fd.destroy(h), "0", "destroyable once detached");
});

test("E-13 iommufd_ioas.alloc_hwpt_nested (no_domain): replace to nonexistent ids -> ENOENT", () => {
  const { fd, ioas, dev } = fixture();
  is(fd.attach(dev, ioas), "0");
  is(fd.replace(dev, 9999), "ENOENT");
});

test("E-14 iommufd_ioas.hwpt_attach (no_domain): attach to hwpt id 0 -> ENOENT", () => {
  const { fd, dev } = fixture();
  is(fd.attach(dev, 0), "ENOENT");
});

test("E-15 iommufd_ioas.ioas_destroy: an IOAS with an attached device -> EBUSY", () => {
  const { fd, ioas, dev } = fixture();
  is(fd.attach(dev, ioas), "0");
  is(fd.destroy(ioas), "EBUSY");
  fd.detach(dev);
  is(fd.destroy(ioas), "0");
});

test("E-16 iommufd_mock_domain.replace: replace to a new IOAS frees the old auto hwpt; its id is then ENOENT", () => {
  const { fd, ioas, dev } = fixture();
  is(fd.attach(dev, ioas), "0");
  const oldHwpt = fd.hwptIdOf(dev);
  assert.ok(oldHwpt > 0);
  const ioas2 = fd.ioasAlloc();
  is(fd.replace(dev, ioas2), "0");
  assert.is.not(fd.hwptIdOf(dev), oldHwpt);
  is(fd.replace(dev, oldHwpt), "ENOENT");
});

test("E-17 iommufd_mock_domain.alloc_hwpt: flags = ~NEST_PARENT -> EOPNOTSUPP", () => {
  const { fd, ioas, dev } = fixture();
  is(fd.hwptAlloc(dev, ioas, ~IOMMU_HWPT_ALLOC_NEST_PARENT >>> 0).ret, "EOPNOTSUPP");
});

test("E-18 iommufd_mock_domain.alloc_hwpt: destroy the attached hwpt -> EBUSY, then fine after replacing back to the IOAS", () => {
  const { fd, ioas, dev } = fixture();
  const h0 = fd.hwptAlloc(dev, ioas).id;
  const h1 = fd.hwptAlloc(dev, ioas).id;
  is(fd.attach(dev, h0), "0");
  is(fd.replace(dev, h1), "0");
  is(fd.destroy(h1), "EBUSY");
  is(fd.replace(dev, ioas), "0");
  is(fd.destroy(h1), "0");
  is(fd.destroy(h0), "0");
});

test("E-19 iommufd_dirty_tracking.enforce_dirty: a NO_DIRTY device onto a dirty-tracking hwpt -> EINVAL", () => {
  const { fd, ioas, ids } = fixture([{ id: "stdev" }, { id: "nodirty", noDirty: true }]);
  const h = fd.hwptAlloc(ids[0]!, ioas, IOMMU_HWPT_ALLOC_DIRTY_TRACKING);
  is(h.ret, "0");
  is(fd.attach(ids[1]!, h.id), "EINVAL");
});

test("E-20 iommufd_dirty_tracking.enforce_dirty: dirty-tracking hwpt_alloc for a NO_DIRTY device -> EOPNOTSUPP", () => {
  const { fd, ioas, dev } = fixture([{ id: "nodirty", noDirty: true }]);
  is(fd.hwptAlloc(dev, ioas, IOMMU_HWPT_ALLOC_DIRTY_TRACKING).ret, "EOPNOTSUPP");
});

test("E-23 iommufd_device_pasid.pasid_attach: pasid 100 to the IOAS twice -> 0 (idempotent)", () => {
  const { fd, ioas, dev } = fixture();
  is(fd.pasidAttach(dev, 100, ioas), "0");
  const h = fd.pasidHwptId(dev, 100);
  is(fd.pasidAttach(dev, 100, ioas), "0");
  assert.is(fd.pasidHwptId(dev, 100), h);
});

test("E-24 iommufd_device_pasid.pasid_attach: pasid 100 to a different hwpt -> EBUSY (attach never overwrites)", () => {
  const { fd, ioas, dev } = fixture();
  const a = fd.hwptAlloc(dev, ioas, IOMMU_HWPT_ALLOC_PASID).id;
  const b = fd.hwptAlloc(dev, ioas, IOMMU_HWPT_ALLOC_PASID).id;
  is(fd.pasidAttach(dev, 100, a), "0");
  is(fd.pasidAttach(dev, 100, b), "EBUSY");
  assert.is(fd.pasidHwptId(dev, 100), a);
});

test("E-25 iommufd_device_pasid.pasid_attach: replace of an unattached pasid 200 -> EINVAL", () => {
  const { fd, ioas, dev } = fixture();
  const a = fd.hwptAlloc(dev, ioas, IOMMU_HWPT_ALLOC_PASID).id;
  is(fd.pasidReplace(dev, 200, a), "EINVAL");
});

test("E-26 iommufd_device_pasid.pasid_attach: replace of pasid 1024 fails with ENOMEM and the pasid still points at the old hwpt", () => {
  const { k, fd, ioas, ids } = fixture([{ id: "d0", group: "g" }, { id: "d1", group: "g" }]);
  const [d0] = ids as [number, number];
  const parent = fd.hwptAlloc(d0, ioas, IOMMU_HWPT_ALLOC_PASID | IOMMU_HWPT_ALLOC_NEST_PARENT).id;
  is(fd.pasidAttach(d0, 1024, parent), "0");
  // Replace with the IOAS: the auto domain search allocates a PASID-capable hwpt and replaces.
  is(fd.pasidReplace(d0, 1024, ioas), "ENOMEM");
  assert.is(fd.pasidHwptId(d0, 1024), parent, "iommufd still records the old hwpt");
  const g = k.groups.get("g")!;
  const old = g.pasidArray.get(1024)!.domain;
  for (const d of g.devices) assert.ok(d.hwPasid.get(1024) === old, `${d.id}: hardware left in the old config`);
});

test("E-27 iommufd_device_pasid.pasid_attach: a hwpt allocated without IOMMU_HWPT_ALLOC_PASID -> EINVAL, the pasid stays unattached", () => {
  const { k, fd, ioas, dev } = fixture();
  const h = fd.hwptAlloc(dev, ioas).id;
  is(fd.pasidAttach(dev, 100, h), "EINVAL");
  assert.is(fd.pasidHwptId(dev, 100), 0);
  assert.not.ok(k.devices.get("stdev")!.group!.pasidArray.has(100));
});

test("iommufd uAPI does not exist before einval-6.2", () => {
  assert.throws(() => new IommufdFile(new Kernel({ era: "pre-2022", drivers })), /iommufd does not exist in era pre-2022/);
});

test.run();
