/**
 * tegra-smmu against the fact sheet (D.1 "tegra-smmu", D.2) and TD1 20/20:
 *   mainline-2025: !fwspec -> ENOENT; no IDs -> ENODEV; identity attach with !fwspec -> ENODEV
 *   test-dev-2025: `!fwspec || !num_ids` -> ENOENT in test_dev; attach_dev's guards removed
 * pre-2022 / einval-6.2 were not read (fact sheet F). INFERRED cells: the mainline shape back to
 * the 2020 fwspec conversion; 2014's device-tree walk has no fwspec test and ends in ENODEV when
 * no ID matches; the EMEDIUMTYPE proposal leaves these device paths alone. The static identity
 * domain exists from mainline-2025 only.
 */
import { drivers } from "../../hardware/index.ts";
import * as assert from "uvu/assert";
import { buildPlatform, type Domain, domainAlloc, errnoName, type EraId, iommuAttachDevice, Kernel } from "../../lib/index.ts";
import { referenceRows, test } from "./reference.ts";

referenceRows("tegra-smmu", {
  "no-fwspec": {
    "2014-nesting": "-",
    "pre-2022": "ENOENT",
    "emediumtype-2022": "ENOENT",
    "einval-6.2": "ENOENT",
    "mainline-2025": "ENOENT",
    "test-dev-2025": "-",
  },
  "no-ids": {
    "2014-nesting": "ENODEV",
    "pre-2022": "ENODEV",
    "emediumtype-2022": "ENODEV",
    "einval-6.2": "ENODEV",
    "mainline-2025": "ENODEV",
    "test-dev-2025": "ENOENT",
  },
  "identity-no-fwspec": {
    "2014-nesting": "-",
    "pre-2022": "-",
    "emediumtype-2022": "-",
    "einval-6.2": "-",
    "mainline-2025": "ENODEV",
    "test-dev-2025": "-",
  },
});

/** Tegra124: the SMMU in the memory controller, in front of the display controllers and a master with no swgroup listed. */
function tegra124(era: EraId): Kernel {
  const k = new Kernel({ era, drivers });
  buildPlatform(k, {
    instances: [{ id: "mc", driver: "tegra-smmu" }],
    devices: [
      { id: "dc0", instance: "mc" },
      { id: "dc1", instance: "mc" },
      { id: "nostream", instance: "mc", props: { numIds: 0 } },
    ],
  });
  return k;
}

test("tegra-smmu: one domain serves several masters of the SMMU (no compatibility check)", () => {
  for (const era of ["2014-nesting", "pre-2022", "einval-6.2", "mainline-2025", "test-dev-2025"] as const) {
    const k = tegra124(era);
    const d = domainAlloc(k, { dev: k.devices.get("dc0")! }) as Domain;
    assert.is(iommuAttachDevice(k, d, k.devices.get("dc0")!), 0, era);
    assert.is(iommuAttachDevice(k, d, k.devices.get("dc1")!), 0, era);
  }
});

test("tegra-smmu: a master without stream IDs - attach_dev says ENODEV in mainline, test_dev says ENOENT in test-dev-2025", () => {
  const want = { "mainline-2025": ["ENODEV", "tegra_smmu_attach_dev"], "test-dev-2025": ["ENOENT", "tegra_smmu_domain_test_dev"] } as const;
  for (const era of ["mainline-2025", "test-dev-2025"] as const) {
    const k = tegra124(era);
    const d = domainAlloc(k, { dev: k.devices.get("dc0")! }) as Domain;
    const from = k.trace!.length;
    assert.is(errnoName(iommuAttachDevice(k, d, k.devices.get("nostream")!)), want[era][0], era);
    const refused = k.trace!.slice(from).filter((e) => e.ret !== undefined && e.ret !== 0).map((e) => e.fn);
    assert.ok(refused.includes(want[era][1]), `${era}: refused by ${want[era][1]}`);
    if (era === "test-dev-2025") assert.not.ok(k.trace!.slice(from).some((e) => e.fn === "tegra_smmu_attach_dev"), "attach_dev not called");
  }
});

test("tegra-smmu: groups start on the identity domain (static from mainline-2025, the model's 'no domain' before)", () => {
  for (const era of ["pre-2022", "mainline-2025"] as const) {
    const k = tegra124(era);
    const dc0 = k.devices.get("dc0")!;
    assert.is(dc0.hwDomain!.type, "identity", era);
    assert.is(dc0.hwDomain!.isStatic, era === "mainline-2025", era);
  }
});

test.run();
