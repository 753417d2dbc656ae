/**
 * fsl-pamu against bd7ebb771935 (v6.2, "iommu: Regulate EINVAL in ->attach_dev callback functions")
 * and TD1 15/20 (a54211182e22db598b2a26f589e8f5f34ad78f98.1760312725.git.nicolinc@nvidia.com):
 *   pre-2022: missing fsl,liodn / LIODN >= PAACE_NUMBER_ENTRIES / bad omi -> pr_debug + EINVAL
 *   einval-6.2 and mainline-2025: all ENODEV (bd7ebb771935; TD1 15/20's "-" lines)
 *   test-dev-2025: the same, in test_dev (attach_dev no longer tests the LIODN)
 * pr_debug lines are "dbg" lines. INFERRED cells: 2014-nesting = pre-2022, and the EMEDIUMTYPE
 * proposal leaves these device-specific paths at EINVAL.
 */
import { drivers } from "../../hardware/index.ts";
import * as assert from "uvu/assert";
import { buildPlatform, type Domain, domainAlloc, errnoName, type EraId, iommuAttachDevice, isSpam, Kernel, VfioContainer, vfioType1AttachGroup } from "../../lib/index.ts";
import { referenceRows, test } from "./reference.ts";

const zoo = (old: string, now: string) => ({
  "2014-nesting": old,
  "pre-2022": old,
  "emediumtype-2022": old,
  "einval-6.2": now,
  "mainline-2025": now,
  "test-dev-2025": now,
});

referenceRows("fsl-pamu", {
  "missing-liodn": zoo("EINVAL/dbg", "ENODEV/dbg"),
  "liodn-range": zoo("EINVAL/dbg", "ENODEV/dbg"),
  // pamu_config_ppaace() prints pr_debug("bad operation mapping index: %d") (bd7ebb771935's context).
  "bad-omi": zoo("EINVAL/dbg", "ENODEV/dbg"),
});

/** A QorIQ T4240: DPAA frame manager and a SATA controller behind PAMU; the SATA node lacks fsl,liodn. */
function t4240(era: EraId): Kernel {
  const k = new Kernel({ era, drivers });
  buildPlatform(k, {
    instances: [{ id: "pamu", driver: "fsl-pamu" }],
    devices: [
      { id: "fman0", instance: "pamu", props: { liodn: 0x40 } },
      { id: "sata0", instance: "pamu", props: { hasLiodn: false } },
    ],
  });
  return k;
}

test("fsl-pamu: a device without fsl,liodn probes without a splat but every paging attach fails, printed only at debug level", () => {
  const want: Record<EraId, string> = zoo("EINVAL", "ENODEV");
  for (const era of Object.keys(want) as EraId[]) {
    const k = t4240(era);
    assert.equal(k.log, [], `${era}: probe`);
    const sata = k.devices.get("sata0")!;
    const before = sata.hwDomain;
    const d = domainAlloc(k, { dev: k.devices.get("fman0")! }) as Domain;
    assert.is(errnoName(iommuAttachDevice(k, d, sata)), want[era], era);
    assert.equal(k.log.map((l) => [l.level, l.text]), [["dbg", "missing fsl,liodn property at sata0"]], era);
    assert.is(k.log.filter(isSpam).length, 0, era);
    assert.is(sata.hwDomain, before, era);
  }
});

test("fsl-pamu: VFIO_TYPE1_NESTING_IOMMU fails at the nesting attribute (pr_debug in 2014, silent later)", () => {
  for (const [era, lines] of [["2014-nesting", [["dbg", "Unsupported attribute type"]]], ["pre-2022", []]] as const) {
    const k = t4240(era);
    const o = vfioType1AttachGroup(k, new VfioContainer("c0", "nesting"), k.groups.get("fman0")!);
    assert.is(o.outcome, "hard-failure", era);
    assert.is(o.errno, "EINVAL", era);
    assert.equal(o.log.map((l) => [l.level, l.text]), lines, era);
    assert.is(k.devices.get("fman0")!.hwDomain, k.groups.get("fman0")!.defaultDomain, era);
  }
});

test.run();
