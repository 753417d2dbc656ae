/**
 * A kernel runs the drivers it is given (issue #17): the DriverSet, a kernel's variant check
 * against its own set, and a patched driver as a new object in a new set, the kit's set untouched.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { armSmmuV3, drivers, intelVtd } from "../hardware/index.ts";
import { buildPlatform, domainAlloc, type DriverModel, DriverSet, iommuAttachDevice, Kernel, LabArgumentError } from "../lib/index.ts";

const withVariant = (d: DriverModel, name: string): DriverModel => ({
  ...d,
  attach: d.attach.map((s, i) => (i === 0 && s.kind === "check" ? { ...s, variants: { ...s.variants, [name]: s.rows } } : s)),
});

test("the kit's set holds every driver once, by id, in its listing order", () => {
  assert.ok(drivers.size >= 20);
  assert.equal(drivers.ids, drivers.list.map((d) => d.id));
  assert.is(drivers.get("arm-smmu-v3"), armSmmuV3);
  assert.is(drivers.get("nope"), undefined);
  assert.equal([...drivers], drivers.list);
  assert.throws(() => new DriverSet([armSmmuV3, intelVtd, armSmmuV3]), (e: unknown) => e instanceof LabArgumentError && /two drivers with id "arm-smmu-v3"/.test((e as Error).message));
});

test("with(): a new set with the driver replaced in place (or appended); the old set is unchanged", () => {
  const patched = { ...intelVtd, title: "patched" };
  const set = drivers.with(patched);
  assert.is.not(set, drivers);
  assert.is(set.get("intel-vtd"), patched);
  assert.is(drivers.get("intel-vtd"), intelVtd);
  assert.equal(set.ids, drivers.ids);
  const small = new DriverSet([armSmmuV3]).with(intelVtd);
  assert.equal(small.ids, ["arm-smmu-v3", "intel-vtd"]);
  assert.ok(Object.isFrozen(drivers.list));
});

test("new Kernel refuses a missing driver set, naming it", () => {
  assert.throws(() => new Kernel({ era: "mainline-2025" } as never), (e: unknown) => e instanceof LabArgumentError && /drivers must be a DriverSet/.test((e as Error).message));
});

test("a kernel checks variants against its own drivers: a patched driver's variant is known to its kernel only", () => {
  const set = drivers.with(withVariant(armSmmuV3, "student-fix"));
  assert.equal(new Kernel({ era: "mainline-2025", drivers: set, variants: ["arm-smmu-v3:student-fix"] }).variants, new Set(["arm-smmu-v3:student-fix"]));
  assert.throws(() => new Kernel({ era: "mainline-2025", drivers, variants: ["arm-smmu-v3:student-fix"] }), /arm-smmu-v3 has no variant "student-fix" \(known: arm-smmu-v3:regression-48e7b8e284e5\)/);
  assert.ok(set.knownVariants().includes("arm-smmu-v3:student-fix"));
  assert.not.ok(drivers.knownVariants().includes("arm-smmu-v3:student-fix"));
  // A driver missing from the set is unknown, also in a variant.
  assert.match(new DriverSet([intelVtd]).variantProblem("arm-smmu-v3:regression-48e7b8e284e5")!, /unknown driver "arm-smmu-v3"/);
});

test("buildPlatform takes instances' drivers from the kernel's set", () => {
  const k = new Kernel({ era: "mainline-2025", drivers: new DriverSet([intelVtd]) });
  assert.throws(() => buildPlatform(k, { instances: [{ id: "s", driver: "arm-smmu-v3" }], devices: [] }), /instances\[0\]\.driver: unknown driver "arm-smmu-v3"/);
  // A patched copy runs throughout one kernel: its domains are owned by the copy, and attach between its devices works.
  const copy = { ...armSmmuV3 };
  const kp = new Kernel({ era: "mainline-2025", drivers: drivers.with(copy) });
  buildPlatform(kp, { instances: [{ id: "s", driver: "arm-smmu-v3" }], devices: [{ id: "a", instance: "s" }, { id: "b", instance: "s" }] });
  assert.is(kp.instances.get("s")!.driver, copy);
  const d = domainAlloc(kp, { dev: kp.devices.get("a")! });
  if (typeof d === "number") throw new Error("alloc failed");
  assert.is(d.owner, copy);
  assert.is(iommuAttachDevice(kp, d, kp.devices.get("a")!), 0);
  assert.is(iommuAttachDevice(kp, d, kp.devices.get("b")!), 0);
});

test.run();
