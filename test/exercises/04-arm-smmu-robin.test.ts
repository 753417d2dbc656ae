/**
 * Exercise 04: arm-smmu's "no-fwspec" and "smmu-mismatch" rows, both recipes played through the
 * core in every era and in the proposal's v4 and v1 with the student's two tables in place; then
 * the consumers on two SMMUs: the proposal's VFIO type1 loop (v6 and v4) and iommufd (v6.2).
 */
import { IommufdCtx, Ioas, iommufdDeviceAttachIoas, VfioContainer, vfioType1AttachGroup } from "../../lib/index.ts";
import { compareFleets } from "../../tools/exercises/differential.ts";
import { compareTripAcrossEras, defineExercise, expectExport, expectFields, patchChecks, DRIVER_DATA } from "../../tools/exercises/harness.ts";
import { drivers } from "../../hardware/index.ts";
import type { DriverSet } from "../../lib/model.ts";

import { group, logLines, twoInstances } from "./_helpers.ts";
import type * as Solution from "../../solutions/04-arm-smmu-robin.ts";

type M = typeof Solution;

const changes = (m: M) => ({ "no-fwspec": { rows: m.noFwspecRows }, "smmu-mismatch": { rows: m.smmuMismatchRows } });
const V4 = "emediumtype-2022:v4";
const V1 = "emediumtype-2022:v1";

/** Both checks' recipes in the proposal's era, with one of its earlier postings selected. */
function inPosting(m: M, posting: string, why: string): void {
  for (const check of ["no-fwspec", "smmu-mismatch"]) compareTripAcrossEras("arm-smmu", check, changes(m), { eras: ["emediumtype-2022"], variants: [posting], why });
}

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
        why: "Robin Murphy, reviewing EMEDIUMTYPE v4 (seed 002): a failed fwspec check means the device \"doesn't have an IOMMU at all\" - no other domain would work, so it is not the soft failure. v6 and v6.2 left it as it was; the 2023 cleanup (e7080665c977) removed it.",
      }),
  },
  {
    name: "a domain finalised to another SMMU: the incompatibility, with each era's soft errno",
    run: (m) =>
      compareTripAcrossEras("arm-smmu", "smmu-mismatch", changes(m), {
        why: "smmu_domain->smmu != smmu is the device/domain incompatibility: EINVAL + dev_err before 2022, a silent EMEDIUMTYPE in the proposal's v6 (20220815181437.28127-2-nicolinc@nvidia.com), a silent EINVAL from v6.2 (f4a147735793).",
      }),
  },
  {
    name: "v4 as posted (emediumtype-2022:v4): the fwspec check converted, the SMMU mismatch left alone",
    run: (m) => inPosting(m, V4, "v4's arm-smmu hunk turned the fwspec check into a bare \"return -EMEDIUMTYPE;\" and did not touch smmu_domain->smmu != smmu (still EINVAL + dev_err): that is what Robin Murphy caught (seed 002). Keep it under the key \"emediumtype-2022:v4\"."),
  },
  {
    name: "v1 (emediumtype-2022:v1): neither check converted",
    run: (m) => inPosting(m, V1, "Kevin Tian's review of v1 (seed 000) lists the fwspec check (dev_err + ENXIO) as not converted, and v1 left the SMMU mismatch too. A v1 row is looked up first, then v4's: v1 needs its own row wherever it differs from v4."),
  },
  {
    name: "emediumtype-2022: the proposal's VFIO type1 loop on two SMMUs moves on after v6's EMEDIUMTYPE, and fails outright on v4's EINVAL",
    run: (m) => {
      for (const variants of [[], [V4]]) {
        const run = (set: DriverSet) => {
          const k = twoInstances("emediumtype-2022", "arm-smmu", variants, set);
          const c = new VfioContainer("c0", "v2");
          const out: Record<string, string> = {};
          for (const id of ["a", "b", "c"]) {
            const o = vfioType1AttachGroup(k, c, group(k, id));
            out[`group ${id}`] = `${o.outcome} (${o.errno}) on ${o.domain ?? "no domain"}, ${o.softFailures} domain(s) skipped, log: ${logLines(o.log).join(" | ") || "none"}`;
          }
          return out;
        };
        expectFields(run(patchChecks("arm-smmu", changes(m))), run(drivers), `VFIO_GROUP_SET_CONTAINER of a, b (the other SMMU), c${variants.length ? ` with ${V4}` : ""}`, "The proposed vfio_iommu_alloc_attach_domain() tries the existing domains first and moves on only after EMEDIUMTYPE: on the SMMU mismatch v6 answers EMEDIUMTYPE (b gets a new domain), v4 still answered EINVAL + dev_err (b's request fails) - Robin Murphy's point.");
      }
    },
  },
  {
    name: "einval-6.2: iommufd moves past the other SMMU's domain without an error line",
    run: (m) => {
      const run = (set: DriverSet) => {
        const k = twoInstances("einval-6.2", "arm-smmu", [], set);
        const ctx = new IommufdCtx();
        const ioas = new Ioas("ioas0");
        const out: Record<string, string> = {};
        for (const id of ["a", "b", "c"]) {
          const o = iommufdDeviceAttachIoas(k, ctx, ioas, k.devices.get(id)!);
          out[`device ${id}`] = `${o.outcome} (${o.errno}) on ${o.domain}, ${o.softFailures} domain(s) skipped, log: ${logLines(o.log).join(" | ") || "none"}`;
        }
        return out;
      };
      const want = run(drivers);
      const got = run(patchChecks("arm-smmu", changes(m)));
      expectFields(got, want, "IOMMU_DEVICE_ATTACH (a and c behind SMMU i0, b behind i1)", "A silent EINVAL lets iommufd try the next domain without filling the kernel log.");
    },
  },
  {
    name: "generated: fleets of 1-3 SMMUs and up to 4 devices, VFIO or iommufd, every era (and v4)",
    run: (m) => {
      compareFleets("arm-smmu", ["no-fwspec", "smmu-mismatch"], changes(m));
      compareFleets("arm-smmu", ["no-fwspec", "smmu-mismatch"], changes(m), { eras: ["emediumtype-2022"], variants: [V4] });
    },
  },
], DRIVER_DATA);
