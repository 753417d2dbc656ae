/**
 * Exercise 03: tegra-gart's "other-active-domain" rows and the eras the driver exists in,
 * played through the core in every era, and in the proposal's first posting, against the
 * registered driver.
 */
import { ERA_IDS } from "../../lib/index.ts";
import { compareFleets } from "../../tools/exercises/differential.ts";
import { compareTripAcrossEras, defineExercise, expectExport, expectSame, registeredDriver, DRIVER_DATA } from "../../tools/exercises/harness.ts";
import type * as Solution from "../../solutions/03-tegra-gart-ebusy.ts";

type M = typeof Solution;

/** The eras of a list in track order, without repeats. */
const inOrder = (eras: readonly string[]): string[] => ERA_IDS.filter((e) => eras.includes(e));

export default defineExercise<M>("03-tegra-gart-ebusy", [
  {
    name: "exports otherActiveDomainRows and gartEras",
    run: (m) => {
      expectExport(m, "otherActiveDomainRows", "object");
      expectExport(m, "gartEras", "object");
    },
  },
  {
    name: "the driver exists from 2014 until its removal in 2023",
    run: (m) =>
      expectSame(inOrder(m.gartEras), inOrder(registeredDriver("tegra-gart").exists), "eras in which tegra-gart exists", {
        show: (v) => (v.length ? v.join(", ") : "none"),
        why: "c46294490131 removed tegra-gart in 2023 (v6.7, INFERRED), so it is absent from mainline-2025 and test-dev-2025.",
      }),
  },
  {
    name: "a second domain on the GART is refused as in history (EBUSY, then the proposal's EMEDIUMTYPE, then EINVAL)",
    run: (m) =>
      compareTripAcrossEras("tegra-gart", "other-active-domain", { "other-active-domain": { rows: m.otherActiveDomainRows } }, {
        eras: ERA_IDS,
        extra: { exists: m.gartEras },
        why: "EBUSY before 2022; EMEDIUMTYPE in the proposal as last posted (v6, 20220815181437.28127-2-nicolinc@nvidia.com); f4a147735793 (v6.2) made it EINVAL, the soft failure of the merged contract.",
      }),
  },
  {
    name: "the proposal's first posting (emediumtype-2022:v1) still said EBUSY",
    run: (m) =>
      compareTripAcrossEras("tegra-gart", "other-active-domain", { "other-active-domain": { rows: m.otherActiveDomainRows } }, {
        eras: ["emediumtype-2022"],
        variants: ["emediumtype-2022:v1"],
        extra: { exists: m.gartEras },
        why: "Kevin Tian's review of v1 (seed 000) lists gart_iommu_attach_dev()'s -EBUSY among the paths v1 had not converted: give v1 its own row under the key \"emediumtype-2022:v1\".",
      }),
  },
  {
    name: "generated: fleets of 1-3 GARTs and up to 4 devices, VFIO or iommufd, every era the GART exists in",
    run: (m) => compareFleets("tegra-gart", ["other-active-domain"], { "other-active-domain": { rows: m.otherActiveDomainRows } }),
  },
], DRIVER_DATA);
