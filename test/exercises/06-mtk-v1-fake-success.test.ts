/**
 * Exercise 06: isFakeSuccess() on real attaches (mtk_iommu_v1's foreign domain, a real attach,
 * a refused attach), then the student's fix as a variant of the "foreign-domain" check: the
 * recipe in every era, and an iommufd attach in mainline-2025.
 */
import { domainAlloc, type Domain, type EraId, iommuAttachDevice, IommufdCtx, Ioas, iommufdDeviceAttachIoas } from "../../lib/index.ts";
import { compareTripAcrossEras, defineExercise, expectExport, expectFields, mismatch, registeredCheck, retText, patchChecks, DRIVER_DATA } from "../../tools/exercises/harness.ts";
import type { DriverSet } from "../../lib/model.ts";
import type { Observed } from "../../lib/matrix.ts";
import { machine, twoInstances } from "./_helpers.ts";
import type * as Solution from "../../solutions/06-mtk-v1-fake-success.ts";

type M = typeof Solution;

const VARIANT = "exercise-fix";
const withFix = (m: M) => {
  const base = registeredCheck("mtk-iommu-v1", "foreign-domain");
  return { "foreign-domain": { variants: { ...(base.variants ?? {}), [VARIANT]: m.fixRows } } };
};
const silentEinval: Observed = { errno: "EINVAL", levels: [], attached: false };

export default defineExercise<M>("06-mtk-v1-fake-success", [
  {
    name: "exports isFakeSuccess and fixRows",
    run: (m) => {
      expectExport(m, "isFakeSuccess", "function");
      expectExport(m, "fixRows", "object");
    },
  },
  {
    name: "isFakeSuccess spots mtk_iommu_v1's foreign-domain attach in every era it exists in",
    run: (m) => {
      for (const era of ["pre-2022", "einval-6.2", "mainline-2025"] as EraId[]) {
        const k = machine(era, [{ id: "m4u", driver: "mtk-iommu-v1" }], [{ id: "cam", instance: "m4u" }]);
        const dev = k.devices.get("cam")!;
        const d = domainAlloc(k, { dev }) as Domain;
        const ret = iommuAttachDevice(k, d, dev);
        if (ret !== 0 || dev.hwDomain === d) throw new Error(`internal: the mtk_iommu_v1 recipe did not fake a success in ${era}`);
        if (m.isFakeSuccess(dev, d, ret) !== true) throw mismatch(`${era}: mtk_iommu_v1 attach of cam to ${d.id} returned ${retText(ret)} and the hardware stayed on ${dev.hwDomain?.id ?? "no domain"}`, "true (a fake success)", "false");
      }
    },
  },
  {
    name: "isFakeSuccess says false for a real attach and for a refused one",
    run: (m) => {
      const k = twoInstances("mainline-2025", "arm-smmu-v3");
      const a = k.devices.get("a")!;
      const b = k.devices.get("b")!;
      const d = domainAlloc(k, { dev: a }) as Domain;
      const ok = iommuAttachDevice(k, d, a);
      if (m.isFakeSuccess(a, d, ok) !== false) throw mismatch(`SMMUv3 attach of a to ${d.id}: returned ${retText(ok)} and the hardware is on ${a.hwDomain?.id}`, "false (a real attach)", "true");
      const refused = iommuAttachDevice(k, d, b);
      if (m.isFakeSuccess(b, d, refused) !== false) throw mismatch(`SMMUv3 attach of b (other SMMU) to ${d.id}: returned ${retText(refused)}`, "false (a refusal is not a success)", "true");
    },
  },
  {
    name: "with the fix on: pre-2022 and the proposal keep their history, v6.2 and later refuse with a silent EINVAL",
    run: (m) =>
      compareTripAcrossEras("mtk-iommu-v1", "foreign-domain", withFix(m), {
        variants: [`mtk-iommu-v1:${VARIANT}`],
        want: { "einval-6.2": silentEinval, "mainline-2025": silentEinval, "test-dev-2025": silentEinval },
        label: "mtk_iommu_v1 attach of a foreign domain, with the fix",
        why: "The fix is the v6.2 contract applied to this path: incompatible -> -EINVAL, no print. Eras before v6.2 are history and stay as they were (a fake success).",
      }),
  },
  {
    name: "with the fix on, mainline-2025: iommufd reports an honest error instead of a false isolation",
    run: (m) => {
      const run = (set: DriverSet) => {
        const k = machine("mainline-2025", [{ id: "m4u", driver: "mtk-iommu-v1" }], [{ id: "cam", instance: "m4u" }], [`mtk-iommu-v1:${VARIANT}`], set);
        const ioas = new Ioas("ioas0");
        const o = iommufdDeviceAttachIoas(k, new IommufdCtx(), ioas, k.devices.get("cam")!);
        return { outcome: o.outcome, errno: o.errno, "hwpts left in the IOAS": ioas.hwpts.length, "log lines": o.log.length };
      };
      expectFields(run(patchChecks("mtk-iommu-v1", withFix(m))), { outcome: "hard-failure", errno: "EINVAL", "hwpts left in the IOAS": 0, "log lines": 0 }, "IOMMU_DEVICE_ATTACH of cam with the fix", "The only domain iommufd can offer is foreign to the M4U: with the fix the ioctl fails (and the new hwpt is destroyed) instead of pretending.");
    },
  },
], DRIVER_DATA);
