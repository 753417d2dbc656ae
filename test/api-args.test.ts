/** Public functions reject bad arguments with LabArgumentError naming the function, never a crash inside. */
import { drivers } from "../hardware/index.ts";
import { test } from "uvu";
import * as assert from "uvu/assert";
import {
  buildPlatform, domainAlloc, domainFree, iommuAttachDevice, iommuAttachDevicePasid, iommuAttachGroup,
  iommuGroupClaimDmaOwner, Kernel, LabArgumentError, vfioType1AttachGroup, VfioContainer, type Domain,
} from "../lib/index.ts";

function machine() {
  const k = new Kernel({ era: "mainline-2025", drivers });
  buildPlatform(k, { instances: [{ id: "i0", driver: "arm-smmu-v3" }], devices: [{ id: "a", instance: "i0", maxPasids: 8 }] });
  return { k, dev: k.devices.get("a")!, g: k.groups.get("a")! };
}

function throwsArg(fn: () => unknown, re: RegExp) {
  try {
    fn();
  } catch (e) {
    assert.instance(e, LabArgumentError);
    assert.match((e as Error).message, re);
    return;
  }
  assert.unreachable("expected a LabArgumentError");
}

test("a missing domain is named, not a TypeError", () => {
  const { k, dev } = machine();
  throwsArg(() => iommuAttachDevice(k, undefined as unknown as Domain, dev), /^iommuAttachDevice: domain must be a Domain/);
});

test("a freed domain is a use-after-free, refused", () => {
  const { k, dev } = machine();
  const d = domainAlloc(k, { dev }) as Domain;
  domainFree(k, d);
  throwsArg(() => iommuAttachDevice(k, d, dev), /domain dom#\d+ was freed/);
});

test("objects of another kernel are refused", () => {
  const a = machine();
  const b = machine();
  const d = domainAlloc(a.k, { dev: a.dev }) as Domain;
  throwsArg(() => iommuAttachGroup(b.k, d, b.g), /does not belong to this kernel/);
  throwsArg(() => iommuGroupClaimDmaOwner(a.k, b.g, "x"), /group must be a Group of this kernel/);
});

test("PASIDs outside 20 bits and non-kernels are refused", () => {
  const { k, dev } = machine();
  const d = domainAlloc(k, { dev }) as Domain;
  throwsArg(() => iommuAttachDevicePasid(k, d, dev, 1 << 20), /pasid must be an integer/);
  throwsArg(() => iommuAttachDevicePasid(k, d, dev, 1.5), /pasid must be an integer/);
  throwsArg(() => domainAlloc({} as Kernel, { dev }), /first argument must be a Kernel/);
  throwsArg(() => vfioType1AttachGroup(k, {} as VfioContainer, k.groups.get("a")!), /must be a VfioContainer/);
});

test.run();
