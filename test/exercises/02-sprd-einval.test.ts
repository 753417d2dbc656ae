/**
 * Exercise 02: sprd-iommu's "domain-has-device" rows, played through the core in every era
 * (the registered driver with the student's rows vs the registered driver as it is), then
 * iommufd's auto-domain search on two sprd IOMMUs in einval-6.2.
 */
import { IommufdCtx, Ioas, iommufdDeviceAttachIoas } from "../../lib/index.ts";
import { compareFleets } from "../../lib/exercises/differential.ts";
import { compareTripAcrossEras, defineExercise, expectExport, expectFields, withChecksPatch, DRIVER_DATA } from "../../lib/exercises/harness.ts";
import { logLines, machine } from "./_helpers.ts";
import type * as Solution from "../../solutions/02-sprd-einval.ts";

type M = typeof Solution;

export default defineExercise<M>("02-sprd-einval", [
  {
    name: "exports domainHasDeviceRows",
    run: (m) => expectExport(m, "domainHasDeviceRows", "object"),
  },
  {
    name: "the check behaves as in history in every era (errno, log line, attach state)",
    run: (m) =>
      compareTripAcrossEras("sprd-iommu", "domain-has-device", { "domain-has-device": { rows: m.domainHasDeviceRows } }, {
        why: "pre-2022: pr_err + EINVAL; the EMEDIUMTYPE patch missed sprd (Kevin Tian's review listed it), so 2022 is unchanged; f4a147735793 (v6.2): silent EINVAL; the 2023 rework removed the check.",
      }),
  },
  {
    name: "einval-6.2: iommufd skips the used domain silently and gives the second device a new one",
    run: (m) => {
      const run = () => {
        const k = machine("einval-6.2", [{ id: "sprd0", driver: "sprd-iommu" }, { id: "sprd1", driver: "sprd-iommu" }], [{ id: "a", instance: "sprd0" }, { id: "b", instance: "sprd1" }]);
        const ctx = new IommufdCtx();
        const ioas = new Ioas("ioas0");
        iommufdDeviceAttachIoas(k, ctx, ioas, k.devices.get("a")!);
        const o = iommufdDeviceAttachIoas(k, ctx, ioas, k.devices.get("b")!);
        return { outcome: o.outcome, errno: o.errno, attempts: o.attempts, "skipped (soft failures)": o.softFailures, log: logLines(o.log) };
      };
      const want = run();
      const got = withChecksPatch("sprd-iommu", { "domain-has-device": { rows: m.domainHasDeviceRows } }, run);
      expectFields(got, want, "IOMMU_DEVICE_ATTACH of device b", "iommufd tries the existing auto domain first; a silent EINVAL makes it move on without an error line in the kernel log.");
    },
  },
  {
    name: "generated: fleets of 1-3 sprd IOMMUs and up to 4 devices, VFIO or iommufd, every era",
    run: (m) => compareFleets("sprd-iommu", ["domain-has-device"], { "domain-has-device": { rows: m.domainHasDeviceRows } }),
  },
], DRIVER_DATA);
