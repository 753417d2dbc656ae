/**
 * Exercise 05: s390-iommu's "dma-range" rows (every era, and the proposal's v1) and the v6.2
 * rework's "aperture-overlap" rows, played through the core; then the consumers that feel the
 * difference: the proposal's VFIO type1 loop (emediumtype-2022, v6 and v1), type1's merge and
 * iommufd's search after the rework (einval-6.2, mainline-2025).
 */
import { type EraId, IommufdCtx, Ioas, iommufdDeviceAttachIoas, type Kernel, VfioContainer, vfioType1AttachGroup } from "../../lib/index.ts";
import { compareFleets } from "../../tools/exercises/differential.ts";
import { compareTripAcrossEras, defineExercise, expectExport, expectFields, registeredCheck, patchChecks, DRIVER_DATA } from "../../tools/exercises/harness.ts";
import { drivers } from "../../hardware/index.ts";
import type { DriverSet } from "../../lib/model.ts";

import { group, logLines, machine } from "./_helpers.ts";
import type * as Solution from "../../solutions/05-s390-aperture-errno.ts";

type M = typeof Solution;

const V1 = "emediumtype-2022:v1";

// Each row's own check patches only that row, so that its failure names the row at fault.
const dmaRange = (m: M) => ({ "dma-range": { rows: m.dmaRangeRows } });
const apertureOverlap = (m: M) => ({ "aperture-overlap": { rows: m.apertureOverlapRows } });
const changes = (m: M) => ({ ...dmaRange(m), ...apertureOverlap(m) });

/**
 * Three zPCI functions: f0 and f1 with the ranges of the check's own recipe (f1 starts where f0's
 * region-third table ends), f2 inside f0's range but not identical to it.
 */
function functions(era: EraId, variants: readonly string[], set: DriverSet): Kernel {
  const trip = registeredCheck("s390-iommu", "dma-range").trip!;
  return machine(era, [{ id: "zpci", driver: "s390-iommu" }], [
    { id: "f0", instance: "zpci", props: trip.first ?? {} },
    { id: "f1", instance: "zpci", props: trip.dev ?? {} },
    { id: "f2", instance: "zpci", props: { dmaRange: "0x200000000-0x2ffffffffff" } },
  ], variants, set);
}

/** Each function's request in turn, through VFIO type1 or iommufd, summarised. */
function attachAll(k: Kernel, consumer: "type1" | "iommufd", ids: readonly string[]): Record<string, string> {
  const c = new VfioContainer("c0", "v2");
  const ctx = new IommufdCtx();
  const ioas = new Ioas("ioas0");
  const out: Record<string, string> = {};
  for (const f of ids) {
    const o = consumer === "type1" ? vfioType1AttachGroup(k, c, group(k, f)) : iommufdDeviceAttachIoas(k, ctx, ioas, k.devices.get(f)!);
    out[`${consumer === "type1" ? "group" : "device"} ${f}`] = `${o.outcome} (${o.errno}) on ${o.domain ?? "no domain"}, ${o.softFailures} domain(s) skipped, log: ${logLines(o.log).join(" | ") || "none"}`;
  }
  return out;
}

export default defineExercise<M>("05-s390-aperture-errno", [
  {
    name: "exports dmaRangeRows and apertureOverlapRows",
    run: (m) => {
      for (const name of ["dmaRangeRows", "apertureOverlapRows"]) expectExport(m, name, "object");
    },
  },
  {
    name: "\"dma-range\": a silent EINVAL before 2022, the proposal's silent EMEDIUMTYPE (v6), gone with the v6.2 rework",
    run: (m) =>
      compareTripAcrossEras("s390-iommu", "dma-range", dmaRange(m), {
        why: "s390 never printed here. The proposal's last posting (v6, 20220815181437.28127-2-nicolinc@nvidia.com) made it a silent EMEDIUMTYPE; Niklas Schnelle's rework (cbf7827bc5dc, v6.2) fixed the aperture at allocation and dropped the identical-range check.",
      }),
  },
  {
    name: "\"dma-range\" in the proposal's first posting (emediumtype-2022:v1): not converted",
    run: (m) =>
      compareTripAcrossEras("s390-iommu", "dma-range", dmaRange(m), {
        eras: ["emediumtype-2022"],
        variants: [V1],
        why: "Kevin Tian's review of v1 (seed 000) lists s390_iommu_attach_device()'s \"rc = -EINVAL\" among the paths v1 had not converted: v1 needs its own row under the key \"emediumtype-2022:v1\".",
      }),
  },
  {
    name: "\"aperture-overlap\": EINVAL under WARN_ON from the v6.2 rework on",
    run: (m) =>
      compareTripAcrossEras("s390-iommu", "aperture-overlap", apertureOverlap(m), {
        why: "From cbf7827bc5dc (v6.2) the driver refuses a function whose range misses the aperture with WARN_ON(...) + EINVAL; mainline keeps it, and TD1 moves the same WARN_ON into test_dev.",
      }),
  },
  {
    name: "emediumtype-2022: the proposal's VFIO type1 loop gives each function a domain after v6's EMEDIUMTYPE, and fails them on v1's EINVAL",
    run: (m) => {
      for (const variants of [[], [V1]]) {
        const run = (set: DriverSet) => attachAll(functions("emediumtype-2022", variants, set), "type1", ["f0", "f1", "f2"]);
        expectFields(run(patchChecks("s390-iommu", changes(m))), run(drivers), `VFIO_GROUP_SET_CONTAINER of f0, f1, f2${variants.length ? ` with ${V1}` : ""}`, "The proposed loop tries the existing domains first and moves on only after EMEDIUMTYPE; any other errno, EINVAL included, is a hard failure.");
      }
    },
  },
  {
    name: "einval-6.2 and mainline-2025: an overlapping range joins the existing domain; a range outside the aperture hits the WARN",
    run: (m) => {
      for (const era of ["einval-6.2", "mainline-2025"] as EraId[]) {
        for (const consumer of ["type1", "iommufd"] as const) {
          const run = (set: DriverSet) => attachAll(functions(era, [], set), consumer, ["f0", "f1", "f2"]);
          expectFields(run(patchChecks("s390-iommu", changes(m))), run(drivers), `${era}, ${consumer === "type1" ? "VFIO_GROUP_SET_CONTAINER" : "IOMMU_DEVICE_ATTACH"} of f0, f1, f2`, "After the rework f2's different but overlapping range fits f0's domain, so both consumers share it; f1's range misses the aperture, and trying f0's domain lands in the \"impossible\" WARN_ON.");
        }
      }
    },
  },
  {
    name: "generated: fleets of zPCI functions with the recipes' ranges, VFIO or iommufd, every era (and v1)",
    run: (m) => {
      compareFleets("s390-iommu", ["dma-range", "aperture-overlap"], changes(m));
      compareFleets("s390-iommu", ["dma-range", "aperture-overlap"], changes(m), { eras: ["emediumtype-2022"], variants: [V1] });
    },
  },
], DRIVER_DATA);
