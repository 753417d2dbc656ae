/**
 * tegra-gart against the fact sheet (D.1 "tegra-gart", D.2, C.4):
 *   pre-2022: another domain is active on the GART -> EBUSY
 *   emediumtype-2022: v6 -> EMEDIUMTYPE; revision v1 missed it (Kevin Tian, seed 000: "gart (EBUSY)") -> EBUSY
 *   einval-6.2: EINVAL
 *   mainline-2025 / test-dev-2025: driver removed (c46294490131)
 * INFERRED cell: 2014-nesting has no single-active-domain check yet (added by the 2018 GART rework).
 */
import { drivers } from "../../hardware/index.ts";
import * as assert from "uvu/assert";
import {
  buildPlatform,
  type Domain,
  domainAlloc,
  errnoName,
  type EraId,
  iommuAttachDevice,
  iommuDetachDevice,
  Kernel,
  LabArgumentError,
  VfioContainer,
  vfioType1AttachGroup,
} from "../../lib/index.ts";
import { referenceRows, test } from "./reference.ts";

referenceRows("tegra-gart", {
  "other-active-domain": {
    "2014-nesting": "-",
    "pre-2022": "EBUSY",
    "emediumtype-2022": "EMEDIUMTYPE",
    "einval-6.2": "EINVAL",
    "mainline-2025": "absent",
    "test-dev-2025": "absent",
  },
});

/** Tegra20: the GART in the memory controller, in front of the 2D and 3D engines and the display. */
function tegra20(era: EraId): Kernel {
  const k = new Kernel({ era, drivers });
  buildPlatform(k, {
    instances: [{ id: "gart", driver: "tegra-gart" }],
    devices: [
      { id: "gr2d", instance: "gart" },
      { id: "gr3d", instance: "gart" },
      { id: "dc", instance: "gart" },
    ],
  });
  return k;
}

test("tegra-gart: building a Tegra20 in mainline-2025 is refused with a clear error (driver removed)", () => {
  for (const era of ["mainline-2025", "test-dev-2025"] as const) {
    assert.throws(() => tegra20(era), (e: unknown) => e instanceof LabArgumentError && /tegra-gart does not exist in era/.test(e.message), era);
  }
});

referenceRows("tegra-gart", { "other-active-domain": { "emediumtype-2022": "EBUSY" } }, { variants: ["emediumtype-2022:v1"] });

test("tegra-gart: one domain may serve every client; a second domain waits until the first has no devices", () => {
  const want = { "pre-2022": "EBUSY", "emediumtype-2022": "EMEDIUMTYPE", "einval-6.2": "EINVAL" } as const;
  for (const era of Object.keys(want) as Array<keyof typeof want>) {
    const k = tegra20(era);
    const gr2d = k.devices.get("gr2d")!;
    const gr3d = k.devices.get("gr3d")!;
    const dc = k.devices.get("dc")!;
    const drm = domainAlloc(k, { dev: gr2d }) as Domain;
    const other = domainAlloc(k, { dev: dc }) as Domain;
    assert.is(iommuAttachDevice(k, drm, gr2d), 0, era);
    assert.is(iommuAttachDevice(k, drm, gr3d), 0, era);
    const from = k.log.length;
    assert.is(errnoName(iommuAttachDevice(k, other, dc)), want[era], era);
    assert.is(k.log.length, from, `${era}: silent`);
    iommuDetachDevice(k, drm, gr2d);
    assert.is(errnoName(iommuAttachDevice(k, other, dc)), want[era], `${era}: gr3d still holds the GART`);
    iommuDetachDevice(k, drm, gr3d);
    assert.is(iommuAttachDevice(k, other, dc), 0, era);
    assert.is(dc.hwDomain, other, era);
  }
});

test("tegra-gart 2014-nesting: no single-domain rule yet - a second domain attaches (INFERRED)", () => {
  const k = tegra20("2014-nesting");
  const gr2d = k.devices.get("gr2d")!;
  const dc = k.devices.get("dc")!;
  assert.is(iommuAttachDevice(k, domainAlloc(k, { dev: gr2d }) as Domain, gr2d), 0);
  assert.is(iommuAttachDevice(k, domainAlloc(k, { dev: dc }) as Domain, dc), 0);
});

test("tegra-gart einval-6.2: VFIO cannot even claim a device while the DRM domain is active (its blocking domain is a paging domain)", () => {
  const k = tegra20("einval-6.2");
  const gr2d = k.devices.get("gr2d")!;
  assert.is(iommuAttachDevice(k, domainAlloc(k, { dev: gr2d }) as Domain, gr2d), 0);
  const o = vfioType1AttachGroup(k, new VfioContainer("c0", "v2"), k.groups.get("dc")!);
  assert.is(o.outcome, "hard-failure");
  assert.is(o.errno, "EINVAL");
  assert.is(k.groups.get("dc")!.owner, null);
});

test.run();
