/**
 * riscv-iommu against the fact sheet (D.1 "riscv", D.2): a newer driver, n/a before mainline;
 *   mainline-2025 (TD1 riscv patch "-" lines): !riscv_iommu_pt_supported(pgd_mode) -> ENODEV
 *   test-dev-2025: the same in test_dev
 */
import * as assert from "uvu/assert";
import { type Domain, domainAlloc, errnoName, iommuAttachDevice, Ioas, IommufdCtx, iommufdDeviceAttachIoas, VfioContainer, vfioType1AttachGroup } from "../../lib/index.ts";
import { lab } from "../helpers.ts";
import { referenceRows, test } from "./reference.ts";

referenceRows("riscv-iommu", {
  "pgd-mode": {
    "2014-nesting": "absent",
    "pre-2022": "absent",
    "emediumtype-2022": "absent",
    "einval-6.2": "absent",
    "mainline-2025": "ENODEV",
    "test-dev-2025": "ENODEV",
  },
});

/** An SoC with an Sv57-capable IOMMU and an older Sv39/Sv48 one. */
function soc() {
  return lab("mainline-2025", {
    instances: [
      { id: "iommu0", driver: "riscv-iommu", props: { modes: "sv39,sv48,sv57" } },
      { id: "iommu1", driver: "riscv-iommu", props: { modes: "sv39,sv48" } },
    ],
    devices: [
      { id: "nvme", instance: "iommu0" },
      { id: "nic0", instance: "iommu1" },
      { id: "nic1", instance: "iommu1" },
    ],
  });
}

test("riscv: a domain takes the deepest format of its first IOMMU; another IOMMU refuses it with ENODEV", () => {
  const { k, dev } = soc();
  const d = domainAlloc(k, { dev: dev("nvme") }) as Domain;
  assert.is(d.props["pgdMode"], "sv57");
  assert.is(iommuAttachDevice(k, d, dev("nvme")), 0);
  assert.is(errnoName(iommuAttachDevice(k, d, dev("nic0"))), "ENODEV");
  // The other way round works: an Sv48 domain is walked by both IOMMUs (domains are not bound to one).
  const d48 = domainAlloc(k, { dev: dev("nic0") }) as Domain;
  assert.is(d48.props["pgdMode"], "sv48");
  assert.is(iommuAttachDevice(k, d48, dev("nic0")), 0);
});

test("riscv: ENODEV is not the soft failure - iommufd's auto-domain search stops on it, VFIO type1 does not care", () => {
  const { k, dev } = soc();
  const ioas = new Ioas("ioas0");
  const ctx = new IommufdCtx();
  assert.is(iommufdDeviceAttachIoas(k, ctx, ioas, dev("nvme")).outcome, "attached-new");
  const nic = iommufdDeviceAttachIoas(k, ctx, ioas, dev("nic0"));
  assert.is(nic.outcome, "hard-failure");
  assert.is(nic.errno, "ENODEV");

  const v = soc();
  const c = new VfioContainer("c0", "v2");
  assert.is(vfioType1AttachGroup(v.k, c, v.dev("nvme").group!).outcome, "attached-new");
  const vn = vfioType1AttachGroup(v.k, c, v.dev("nic0").group!);
  assert.is(vn.outcome, "attached-new");
  assert.is(vn.softFailures, 1);
});

test.run();
