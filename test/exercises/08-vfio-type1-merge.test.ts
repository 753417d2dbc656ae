/**
 * Exercise 08: the student's allocate-then-merge loop inside vfio_iommu_type1_attach_group(),
 * against the library's type1 on twin kernels (lib/consumers/vfio-type1.ts).
 */
import type { EraId } from "../../lib/index";
import { defineExercise, expectExport } from "../../lib/exercises/harness";
import { compareType1, machine, twoInstances, type Type1Loop } from "./_helpers";
import type * as Solution from "../../solutions/08-vfio-type1-merge";

type M = typeof Solution;
const loop = (m: M): Type1Loop => (k, c, g, t) => m.allocateThenMerge(k, c, g, t);

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
], { names: ["vfioType1AttachGroup"] });
