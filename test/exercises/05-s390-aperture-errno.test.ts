/**
 * Exercise 05: s390-iommu's "dma-range" rows (and the proposal-v6 variant) and mainline's
 * "aperture-overlap" rows, played through the core in every era; then the consumers that feel the
 * difference: VFIO type1's proposed try-existing-first loop (emediumtype-2022) and iommufd (mainline).
 */
import { IommufdCtx, Ioas, iommufdDeviceAttachIoas, type Kernel, VfioContainer, vfioType1AttachGroup } from "../../lib/index.ts";
import { compareFleets } from "../../lib/exercises/differential.ts";
import { compareTripAcrossEras, defineExercise, expectExport, expectFields, registeredCheck, withChecksPatch, DRIVER_DATA } from "../../lib/exercises/harness.ts";
import { group, logLines, machine } from "./_helpers.ts";
import type * as Solution from "../../solutions/05-s390-aperture-errno.ts";

type M = typeof Solution;

const V6 = "s390-iommu:emediumtype-v6";

// Each row's own check patches only that row, so that its failure names the row at fault.
const dmaRange = (m: M) => ({ "dma-range": { rows: m.dmaRangeRows, variants: { "emediumtype-v6": m.proposalV6Rows } } });
const apertureOverlap = (m: M) => ({ "aperture-overlap": { rows: m.apertureOverlapRows } });
const changes = (m: M) => ({ ...dmaRange(m), ...apertureOverlap(m) });

/** Two zPCI functions with the ranges of the check's own recipe: f1 starts where f0 ends. */
function functions(era: "emediumtype-2022" | "mainline-2025", variants: string[]): Kernel {
  const trip = registeredCheck("s390-iommu", "dma-range").trip!;
  return machine(era, [{ id: "zpci", driver: "s390-iommu" }], [{ id: "f0", instance: "zpci", props: trip.first ?? {} }, { id: "f1", instance: "zpci", props: trip.dev ?? {} }], variants);
}

export default defineExercise<M>("05-s390-aperture-errno", [
  {
    name: "exports dmaRangeRows, proposalV6Rows and apertureOverlapRows",
    run: (m) => {
      for (const name of ["dmaRangeRows", "proposalV6Rows", "apertureOverlapRows"]) expectExport(m, name, "object");
    },
  },
  {
    name: "\"dma-range\": a silent EINVAL while the check exists, none in mainline",
    run: (m) =>
      compareTripAcrossEras("s390-iommu", "dma-range", dmaRange(m), {
        why: "s390 never printed here; the EMEDIUMTYPE patch missed it (Kevin Tian's review); v6.2 did not touch it; mainline replaced it with the overlap check.",
      }),
  },
  {
    name: "\"dma-range\" with the variant s390-iommu:emediumtype-v6: EMEDIUMTYPE in the proposal's era only",
    run: (m) =>
      compareTripAcrossEras("s390-iommu", "dma-range", dmaRange(m), {
        variants: [V6],
        why: "The proposal's last posting (v6, 15 Aug 2022) converted this path to a silent EMEDIUMTYPE; no other era changes.",
      }),
  },
  {
    name: "\"aperture-overlap\": mainline's EINVAL under WARN_ON",
    run: (m) =>
      compareTripAcrossEras("s390-iommu", "aperture-overlap", apertureOverlap(m), {
        why: "Mainline refuses a function whose range misses the aperture with WARN_ON(...) + EINVAL; TD1 moves the same WARN_ON into test_dev.",
      }),
  },
  {
    name: "emediumtype-2022: VFIO type1's try-existing-first loop fails the second function unless the check says EMEDIUMTYPE",
    run: (m) => {
      for (const variants of [[], [V6]]) {
        const run = () => {
          const k = functions("emediumtype-2022", variants);
          const c = new VfioContainer("c0", "v2");
          const out: Record<string, string> = {};
          for (const f of ["f0", "f1"]) {
            const o = vfioType1AttachGroup(k, c, group(k, f));
            out[`group ${f}`] = `${o.outcome} (${o.errno}), log: ${logLines(o.log).join(" | ") || "none"}`;
          }
          return out;
        };
        expectFields(withChecksPatch("s390-iommu", changes(m), run), run(), `VFIO_GROUP_SET_CONTAINER${variants.length ? ` with ${V6}` : ""}`, "The proposed loop moves on only after EMEDIUMTYPE; any other errno, EINVAL included, is a hard failure.");
      }
    },
  },
  {
    name: "mainline-2025: iommufd's search reaches the \"impossible\" path and the log shows the WARN",
    run: (m) => {
      const run = () => {
        const k = functions("mainline-2025", []);
        const ctx = new IommufdCtx();
        const ioas = new Ioas("ioas0");
        const out: Record<string, string> = {};
        for (const f of ["f0", "f1"]) {
          const o = iommufdDeviceAttachIoas(k, ctx, ioas, k.devices.get(f)!);
          out[`device ${f}`] = `${o.outcome} (${o.errno}), ${o.softFailures} domain(s) skipped, ${o.log.length} log line(s): ${o.log.map((l) => l.level).join(", ") || "none"}`;
        }
        return out;
      };
      expectFields(withChecksPatch("s390-iommu", changes(m), run), run(), "IOMMU_DEVICE_ATTACH of f0 then f1", "The search still moves on (EINVAL), but the WARN_ON splat lands in the log every time.");
    },
  },
  {
    name: "generated: fleets of zPCI functions with the recipes' ranges, VFIO or iommufd, every era (with and without the v6 variant)",
    run: (m) => {
      compareFleets("s390-iommu", ["dma-range", "aperture-overlap"], changes(m));
      compareFleets("s390-iommu", ["dma-range", "aperture-overlap"], changes(m), { variants: [V6] });
    },
  },
], DRIVER_DATA);
