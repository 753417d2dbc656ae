import { drivers } from "../hardware/index.ts";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { buildPlatform, domainAlloc, errnoName, iommuAttachDevice, Kernel, type Domain } from "../lib/index.ts";

test("arm-smmu-v3: second instance's device refused with ENXIO pre-2022, EINVAL after", () => {
  const got: string[] = [];
  for (const era of ["pre-2022", "einval-6.2"] as const) {
    const k = new Kernel({ era, drivers });
    buildPlatform(k, {
      instances: [{ id: "smmu0", driver: "arm-smmu-v3" }, { id: "smmu1", driver: "arm-smmu-v3" }],
      devices: [{ id: "a", instance: "smmu0" }, { id: "b", instance: "smmu1" }],
    });
    const d = domainAlloc(k, { dev: k.devices.get("a")! }) as Domain;
    assert.is(iommuAttachDevice(k, d, k.devices.get("a")!), 0);
    got.push(errnoName(iommuAttachDevice(k, d, k.devices.get("b")!)));
  }
  assert.equal(got, ["ENXIO", "EINVAL"]);
});

test.run();
