/**
 * Exercise 02: sprd-iommu's "domain-has-device" rows, played through the core in every era
 * and in the proposal's first posting (the registered driver with the student's rows vs the
 * registered driver as it is), then VFIO type1 on two sprd IOMMUs.
 */
import { VfioContainer, vfioType1AttachGroup } from "../../lib/index.ts";
import { compareFleets } from "../../tools/exercises/differential.ts";
import { compareTripAcrossEras, defineExercise, expectExport, expectFields, patchChecks, DRIVER_DATA } from "../../tools/exercises/harness.ts";
import { drivers } from "../../hardware/index.ts";
import type { DriverSet } from "../../lib/model.ts";

import { group, logLines, machine } from "./_helpers.ts";
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
        why: "pre-2022: pr_err + EINVAL; EMEDIUMTYPE as last posted (v6, like v4) made it a silent EMEDIUMTYPE, the print deleted (\"Also remove adjacent error prints\", seed 002); f4a147735793 (v6.2): silent EINVAL; the 2023 rework removed the check.",
      }),
  },
  {
    name: "the proposal's first posting (emediumtype-2022:v1) had not converted sprd",
    run: (m) =>
      compareTripAcrossEras("sprd-iommu", "domain-has-device", { "domain-has-device": { rows: m.domainHasDeviceRows } }, {
        eras: ["emediumtype-2022"],
        variants: ["emediumtype-2022:v1"],
        why: "Kevin Tian's review of v1 (seed 000) lists sprd_iommu_attach_device() among the paths v1 left alone: pr_err + EINVAL, as before 2022. Give v1 its own row under the key \"emediumtype-2022:v1\".",
      }),
  },
  {
    name: "VFIO type1 on two sprd IOMMUs: each merge probe printed the pr_err before 2022; from v5.19 VFIO refuses sprd before any attach",
    run: (m) => {
      for (const era of ["pre-2022", "emediumtype-2022", "einval-6.2"] as const) {
        const run = (set: DriverSet) => {
          const k = machine(era, [{ id: "sprd0", driver: "sprd-iommu" }, { id: "sprd1", driver: "sprd-iommu" }], [{ id: "a", instance: "sprd0" }, { id: "b", instance: "sprd1" }], [], set);
          const c = new VfioContainer("c0", "v2");
          const out: Record<string, string> = {};
          for (const id of ["a", "b"]) {
            const o = vfioType1AttachGroup(k, c, group(k, id));
            out[`group ${id}`] = `${o.outcome} (${o.errno}), ${o.softFailures} failed merge(s), log: ${logLines(o.log).join(" | ") || "none"}${o.detail ? `; ${o.detail}` : ""}`;
          }
          return out;
        };
        const got = run(patchChecks("sprd-iommu", { "domain-has-device": { rows: m.domainHasDeviceRows } }));
        expectFields(got, run(drivers), `${era}: VFIO_GROUP_SET_CONTAINER of a then b`, "Before 2022 type1's merge probe of b into a's domain trips this check, and the kernel log shows its pr_err. From v5.19 (e8ae0e140c05) VFIO refuses a device whose IOMMU lacks IOMMU_CAP_CACHE_COHERENCY, which sprd does not report.");
      }
    },
  },
  {
    name: "generated: fleets of 1-3 sprd IOMMUs and up to 4 devices, VFIO or iommufd, every era",
    run: (m) => compareFleets("sprd-iommu", ["domain-has-device"], { "domain-has-device": { rows: m.domainHasDeviceRows } }),
  },
], DRIVER_DATA);
