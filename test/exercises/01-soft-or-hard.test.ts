/**
 * Exercise 01: classify(era, ret) against the library's classifyRet() for every era and errno,
 * and on the errnos real attaches return (an SMMUv3 domain offered to a device behind another
 * SMMUv3, played through the core in each era).
 */
import { classifyRet, ERA_IDS, ERRNO, errnoName, type ErrnoName, Kernel, neg } from "../../lib/index.ts";
import { drivers } from "../../hardware/index.ts";
import { defineExercise, Mismatch, type MismatchItem, playTrip, retText } from "../../tools/exercises/harness.ts";
import type * as Solution from "../../solutions/01-soft-or-hard.ts";

type M = typeof Solution;

function compare(m: M, cases: Array<{ era: (typeof ERA_IDS)[number]; ret: number; note?: string }>, why: string): void {
  const items: MismatchItem[] = [];
  for (const { era, ret, note } of cases) {
    const want = classifyRet(new Kernel({ era, drivers, trace: false }), ret);
    const got = m.classify(era, ret);
    if (got !== want) items.push({ what: `era ${era}, ${retText(ret)}${note ? ` (${note})` : ""}`, expected: want, got: String(got) });
  }
  if (items.length) throw new Mismatch(items.slice(0, 6), why);
}

export default defineExercise<M>("01-soft-or-hard", [
  {
    name: "0 is \"ok\" in every era",
    run: (m) => compare(m, ERA_IDS.map((era) => ({ era, ret: 0 })), "A return value of 0 means the attach succeeded, whatever the era."),
  },
  {
    name: "each era's soft errno, and only that one, is a soft failure",
    run: (m) =>
      compare(
        m,
        ERA_IDS.flatMap((era) => (Object.keys(ERRNO) as ErrnoName[]).map((n) => ({ era, ret: neg(n) }))),
        "Before 2022 no errno had a contract; the 2022 proposal used EMEDIUMTYPE; from v6.2 EINVAL is the one soft failure.",
      ),
  },
  {
    name: "real attaches: an SMMUv3 domain offered to a device behind another SMMUv3",
    run: (m) => {
      const cases = ERA_IDS.flatMap((era) => {
        const o = playTrip("arm-smmu-v3", "smmu-mismatch", era);
        if (!o || o.errno.startsWith("setup:") || o.errno === "0") return [];
        return [{ era, ret: neg(o.errno as ErrnoName), note: `what arm_smmu_attach_dev returned: ${errnoName(neg(o.errno as ErrnoName))}` }];
      });
      compare(m, cases, "The same hardware situation (two SMMUs) gives ENXIO before 2022, EMEDIUMTYPE in the proposal and EINVAL from v6.2: only the last two are soft.");
    },
  },
], { names: ["classifyRet", "ERAS", "Kernel"] });
