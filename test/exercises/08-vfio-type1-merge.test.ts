/**
 * Exercise 08: the student's allocate-then-merge loop inside vfio_iommu_type1_attach_group(),
 * against the library's type1 on twin kernels (lib/consumers/vfio-type1.ts): hand-written
 * machines, then generated ones (1-3 IOMMUs, groups of 1-3 devices, an attach_dev failure
 * injected at any position: a merge, the re-attach to the new domain, the n-th device).
 */
import type { EraId, VfioIommuType } from "../../lib/index.ts";
import { defineExercise, expectExport } from "../../tools/exercises/harness.ts";
import { differential } from "../../tools/exercises/differential.ts";
import { compareType1, compareType1Case, describeType1Case, machine, twoInstances, type Type1Case, type1CaseArb, type Type1Loop, type Type1Unit } from "./_helpers.ts";
import type * as Solution from "../../solutions/08-vfio-type1-merge.ts";

type M = typeof Solution;
const loop = (m: M): Type1Loop => (k, c, g, t) => m.allocateThenMerge(k, c, g, t);

const WHY = "Allocate, attach, then try every existing domain with the same ops and coherency in turn; a failed merge (whatever its errno) goes back to the new domain and on to the next candidate; a failed re-attach ends the request.";
const GEN = { eras: ["pre-2022", "einval-6.2", "mainline-2025"] as EraId[], units: ["arm-smmu-v3", "intel-vtd", "intel-vtd-nosnoop"] as Type1Unit[], containers: ["v2"] as VfioIommuType[] };
const compareCase = (m: M, c: Type1Case) => compareType1Case(loop(m), c, WHY);

export default defineExercise<M>("08-vfio-type1-merge", [
  {
    name: "exports allocateThenMerge",
    run: (m) => expectExport(m, "allocateThenMerge", "function"),
  },
  {
    name: "mainline-2025, two SMMUv3s: b's merge into a's domain fails, so b keeps its own; c merges into a's",
    run: (m) => compareType1(loop(m), () => twoInstances("mainline-2025", "arm-smmu-v3"), ["a", "b", "c"], "v2", "mainline-2025", "A group whose merge attempt fails goes back to its new domain; a group that can share an existing domain does, and its new domain is freed."),
  },
  {
    name: "pre-2022: the merge attempt fails with ENXIO and a dev_err, and type1 carries on all the same",
    run: (m) => compareType1(loop(m), () => twoInstances("pre-2022", "arm-smmu-v3"), ["a", "b", "c"], "v2", "pre-2022", "type1 never reads the errno of a failed merge: ENXIO (pre-2022 SMMUv3) is as good as EINVAL for moving on."),
  },
  {
    name: "einval-6.2: the same loop, whatever the new contract says",
    run: (m) => compareType1(loop(m), () => twoInstances("einval-6.2", "arm-smmu-v3"), ["a", "b", "c"], "v2", "einval-6.2", "v6.2 changed the drivers' errnos, not type1: the loop is unchanged in mainline."),
  },
  {
    name: "a domain of another driver (SMMUv3 next to VT-d) is not even tried",
    run: (m) =>
      compareType1(
        loop(m),
        () => machine("mainline-2025", [{ id: "smmu0", driver: "arm-smmu-v3" }, { id: "dmar0", driver: "intel-vtd" }], [{ id: "a", instance: "smmu0" }, { id: "v", instance: "dmar0" }, { id: "w", instance: "dmar0" }]),
        ["a", "v", "w"],
        "v2",
        "SMMUv3 + VT-d",
        "Only domains with the same ops (d->domain->ops == domain->domain->ops) are merge candidates: no attach call is spent on another driver's domain.",
      ),
  },
  {
    name: "VT-d units with different snooping (the integrated-graphics case): the coherency property decides who may merge",
    run: (m) => {
      for (const era of ["pre-2022", "einval-6.2", "mainline-2025"] as EraId[]) {
        compareType1(
          loop(m),
          () => machine(era, [{ id: "dmar0", driver: "intel-vtd" }, { id: "dmar1", driver: "intel-vtd", props: { snoopControl: false } }], [{ id: "nic", instance: "dmar0" }, { id: "igpu", instance: "dmar1" }, { id: "nvme", instance: "dmar0" }]),
          ["nic", "igpu", "nvme"],
          "v2",
          `${era}, VT-d`,
          "Candidates must also match the coherency property: the per-bus IOMMU_CACHE of older kernels lets the iGPU merge; enforce_cache_coherency (v6.2 on in the kit) keeps it apart, since its unit cannot force snooping.",
        );
      }
    },
  },
  {
    name: "three SMMUv3s: the merge into the first domain fails, the second one is the match",
    run: (m) => compareCase(m, { era: "mainline-2025", container: "v2", units: ["arm-smmu-v3", "arm-smmu-v3", "arm-smmu-v3"], groups: [{ unit: 0, devices: 1 }, { unit: 1, devices: 1 }, { unit: 1, devices: 2 }], fault: null }),
  },
  {
    name: "the re-attach to the new domain after a failed merge fails too: the request fails and frees the new domain",
    run: (m) => compareCase(m, { era: "mainline-2025", container: "v2", units: ["arm-smmu-v3", "arm-smmu-v3"], groups: [{ unit: 0, devices: 1 }, { unit: 1, devices: 1 }], fault: { at: 4, errno: "ENOMEM" } }),
  },
  {
    name: "generated: 1-3 IOMMUs, groups of 1-3 devices, a failing attach_dev call at any position",
    run: (m) => differential(type1CaseArb(GEN), (c) => compareCase(m, c), describeType1Case),
  },
], { names: ["vfioType1AttachGroup", "allocateThenMerge"] });
