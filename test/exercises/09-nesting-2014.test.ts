/**
 * Exercise 09: type1's newDomain() with the 2014 nesting rule (f5c9ecebaf2a), inside the
 * library's allocate-then-merge loop (the file imports it and hands it newDomain), against the
 * library's type1 on twin kernels; plus the trace name. The file may import the loop, not the
 * consumer that already nests (vfioType1AttachGroup).
 */
import { buildPlatform, ERA_IDS, type Group, Kernel, VfioContainer, vfioType1AttachGroup } from "../../lib/index.ts";
import { drivers } from "../../hardware/index.ts";
import { defineExercise, expectExport, expectSame, registeredDriver } from "../../tools/exercises/harness.ts";
import { differential } from "../../tools/exercises/differential.ts";
import { compareType1, compareType1Case, describeType1Case, type1CaseArb, type Type1Loop, twoInstances } from "./_helpers.ts";
import type * as Solution from "../../solutions/09-nesting-2014.ts";

type M = typeof Solution;
const loop = (m: M): Type1Loop => (k, c, g, t) => m.allocateThenMerge(k, c, g, t);
/** The stage of the domain the group ended on (arm-smmu's smmu_domain->stage). */
const stage = (_k: Kernel, g: Group) => ({ "stage of the group's domain": g.domain && !g.domain.isStatic ? String(g.domain.props["stage"] ?? "-") : "-" });

export default defineExercise<M>("09-nesting-2014", [
  {
    name: "exports newDomain and allocateThenMerge",
    run: (m) => {
      expectExport(m, "newDomain", "function");
      expectExport(m, "allocateThenMerge", "function");
    },
  },
  {
    name: "2014, arm-smmu: a nesting container gets NESTED domains",
    run: (m) => compareType1(loop(m), () => twoInstances("2014-nesting", "arm-smmu"), ["a", "b", "c"], "nesting", "2014 arm-smmu, nesting container", "DOMAIN_ATTR_NESTING is set on every new domain before its first attach, so the SMMU finalises it as a nested (stage 2) context.", stage),
  },
  {
    name: "2014, ipmmu-vmsa (no nesting): the request fails with the driver's errno and no domain is left behind",
    run: (m) => compareType1(loop(m), () => twoInstances("2014-nesting", "ipmmu-vmsa"), ["a", "b"], "nesting", "2014 ipmmu-vmsa, nesting container", "f5c9ecebaf2a made a refused DOMAIN_ATTR_NESTING a hard error: goto out_domain frees the domain and returns the errno (EINVAL from a driver that does not know the attribute).", stage),
  },
  {
    name: "a Type1v2 container does not ask for nesting",
    run: (m) => compareType1(loop(m), () => twoInstances("2014-nesting", "arm-smmu"), ["a", "b", "c"], "v2", "2014 arm-smmu, v2 container", "Only VFIO_TYPE1_NESTING_IOMMU containers set the attribute; a v2 container's domains stay stage 1.", stage),
  },
  {
    name: "pre-2022: the same rule with SMMUv3",
    run: (m) => compareType1(loop(m), () => twoInstances("pre-2022", "arm-smmu-v3"), ["a", "b", "c"], "nesting", "pre-2022 arm-smmu-v3, nesting container", "The nesting type lived until v6.13; SMMUv3 accepts nesting on a domain not yet finalised.", stage),
  },
  {
    name: "the request is traced as in each era: iommu_domain_set_attr(DOMAIN_ATTR_NESTING) in 2014, iommu_enable_nesting later",
    run: (m) => {
      const NAMES = ["iommu_domain_set_attr(DOMAIN_ATTR_NESTING)", "iommu_enable_nesting", "iommu_attach_group"];
      for (const era of ERA_IDS) {
        const driver = era === "2014-nesting" ? "arm-smmu" : "arm-smmu-v3";
        const make = () => {
          const k = new Kernel({ era, drivers });
          buildPlatform(k, { instances: [{ id: "i0", driver }], devices: [{ id: "a", instance: "i0" }] });
          return k;
        };
        const ref = make();
        if (!ref.features.vfioNestingType || !registeredDriver(driver).exists.includes(era)) continue;
        const from = ref.trace!.length;
        vfioType1AttachGroup(ref, new VfioContainer("c0", "nesting"), ref.groups.get("a")!);
        const want = ref.trace!.slice(from).map((e) => e.fn).filter((f) => NAMES.includes(f));
        const mine = make();
        m.allocateThenMerge(mine, new VfioContainer("c0", "nesting"), mine.groups.get("a")!, { attempts: 0, soft: 0, allocated: 0 });
        const got = mine.trace!.slice(from).map((e) => e.fn).filter((f) => NAMES.includes(f));
        expectSame(got, want, `${era}, ${driver}: the calls of one nesting request, in order`, {
          show: (v) => (v.length ? v.join(" then ") : "neither call"),
          why: "Call the driver through k.call(...) with the era's name (the attribute API until it became iommu_enable_nesting), and before the attach: nesting must be requested while the domain is still unfinalised.",
        });
      }
    },
  },
  {
    name: "generated: nesting and v2 containers on arm-smmu/ipmmu-vmsa (2014) and SMMUv3 (pre-2022), groups of 1-3 devices, a failure at any position",
    run: (m) => {
      const why = "Every new domain of a nesting container asks for nesting before its first attach; a refusal frees it and fails the request; v2 containers never ask.";
      differential(type1CaseArb({ eras: ["2014-nesting"], units: ["arm-smmu", "ipmmu-vmsa"], containers: ["nesting", "v2"] }), (c) => compareType1Case(loop(m), c, why, stage), describeType1Case, { runs: 30 });
      differential(type1CaseArb({ eras: ["pre-2022"], units: ["arm-smmu-v3"], containers: ["nesting", "v2"] }), (c) => compareType1Case(loop(m), c, why, stage), describeType1Case, { runs: 30 });
    },
  },
], { names: ["vfioType1AttachGroup"] });
