/**
 * Exercise 04: arm-smmu's "no-fwspec" and "smmu-mismatch" rows, both recipes played through the
 * core in every era with the student's two tables in place; then iommufd on two SMMUs.
 */
import { IommufdCtx, Ioas, iommufdDeviceAttachIoas } from "../../lib/index.ts";
import { compareFleets } from "../../lib/exercises/differential.ts";
import { compareTripAcrossEras, defineExercise, expectExport, expectFields, withChecksPatch, DRIVER_DATA } from "../../lib/exercises/harness.ts";
import { logLines, twoInstances } from "./_helpers.ts";
import type * as Solution from "../../solutions/04-arm-smmu-robin.ts";

type M = typeof Solution;

const changes = (m: M) => ({ "no-fwspec": { rows: m.noFwspecRows }, "smmu-mismatch": { rows: m.smmuMismatchRows } });

export default defineExercise<M>("04-arm-smmu-robin", [
  {
    name: "exports noFwspecRows and smmuMismatchRows",
    run: (m) => {
      expectExport(m, "noFwspecRows", "object");
      expectExport(m, "smmuMismatchRows", "object");
    },
  },
  {
    name: "a device with no SMMU at all: a hard ENXIO with its error line, until the core's owner check made the test redundant",
    run: (m) =>
      compareTripAcrossEras("arm-smmu", "no-fwspec", changes(m), {
        why: "Robin Murphy, reviewing the EINVAL series: a failed fwspec check means the device has no IOMMU at all - no other domain would work, so it is not the soft failure. The 2023 cleanup removed it.",
      }),
  },
  {
    name: "a domain finalised to another SMMU: the incompatibility, with each era's soft errno",
    run: (m) =>
      compareTripAcrossEras("arm-smmu", "smmu-mismatch", changes(m), {
        why: "smmu_domain->smmu != smmu is the device/domain incompatibility: EINVAL + dev_err before 2022, EMEDIUMTYPE + dev_dbg in the proposal, silent EINVAL from v6.2 (f4a147735793).",
      }),
  },
  {
    name: "einval-6.2: iommufd moves past the other SMMU's domain without an error line",
    run: (m) => {
      const run = () => {
        const k = twoInstances("einval-6.2", "arm-smmu");
        const ctx = new IommufdCtx();
        const ioas = new Ioas("ioas0");
        const out: Record<string, string> = {};
        for (const id of ["a", "b", "c"]) {
          const o = iommufdDeviceAttachIoas(k, ctx, ioas, k.devices.get(id)!);
          out[`device ${id}`] = `${o.outcome} (${o.errno}) on ${o.domain}, ${o.softFailures} domain(s) skipped, log: ${logLines(o.log).join(" | ") || "none"}`;
        }
        return out;
      };
      const want = run();
      const got = withChecksPatch("arm-smmu", changes(m), run);
      expectFields(got, want, "IOMMU_DEVICE_ATTACH (a and c behind SMMU i0, b behind i1)", "A silent EINVAL lets iommufd try the next domain without filling the kernel log.");
    },
  },
  {
    name: "generated: fleets of 1-3 SMMUs and up to 4 devices, VFIO or iommufd, every era",
    run: (m) => compareFleets("arm-smmu", ["no-fwspec", "smmu-mismatch"], changes(m)),
  },
], DRIVER_DATA);
