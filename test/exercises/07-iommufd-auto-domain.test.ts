/**
 * Exercise 07: the student's autoGetDomain() against the library's, on twin kernels: real
 * attaches (two SMMUv3 instances, einval-6.2 and mainline-2025), a manually allocated hwpt that
 * must be skipped, and attach strategies that fail with EBUSY or EMEDIUMTYPE (hard failures);
 * then generated searches (1-3 SMMUs, up to 5 devices, any candidate answering any errno).
 */
import { type Device, type EraId, errnoName, type Kernel, neg } from "../../lib/index.ts";
import { autoGetDomain, type AutoResult, type DoAttach, type Hwpt, hwptAttach, hwptPagingAlloc, iommufdBind, Ioas, IommufdCtx } from "../../lib/consumers/iommufd.ts";
import { defineExercise, expectExport, Mismatch, type MismatchItem, show } from "../../tools/exercises/harness.ts";
import { differential, fc } from "../../tools/exercises/differential.ts";
import { logLines, machine, twoInstances } from "./_helpers.ts";
import type * as Solution from "../../solutions/07-iommufd-auto-domain.ts";

type M = typeof Solution;
type Search = typeof autoGetDomain;

interface Env {
  k: Kernel;
  ctx: IommufdCtx;
  ioas: Ioas;
  dev: (id: string) => Device;
}

function env(era: EraId): Env {
  const k = twoInstances(era, "arm-smmu-v3");
  return { k, ctx: new IommufdCtx(), ioas: new Ioas("ioas0"), dev: (id) => k.devices.get(id)! };
}

/** A request: bind the device, then search with the given strategy (default: a real attach). */
type Strategy = (e: Env, dev: Device) => DoAttach;
const realAttach: Strategy = (e, dev) => (h) => hwptAttach(e.k, e.ctx, h, dev);
/** The first auto hwpt answers `errno` without reaching the driver; the others attach for real. */
const firstAnswers = (errno: "EBUSY" | "EMEDIUMTYPE" | "ENOMEM"): Strategy => (e, dev) => (h: Hwpt) => (h === e.ioas.hwpts.find((x) => x.autoDomain) ? neg(errno) : hwptAttach(e.k, e.ctx, h, dev));

function summary(e: Env, r: AutoResult, from: number): Record<string, unknown> {
  return {
    returned: errnoName(r.ret),
    hwpt: r.hwpt?.id ?? null,
    reused: r.reused,
    attempts: r.attempts,
    softFailures: r.softFailures,
    domainsAllocated: r.domainsAllocated,
    "hwpts in the IOAS": e.ioas.hwpts.map((h) => `${h.id}${h.autoDomain ? "" : " (manual)"}`),
    log: logLines(e.k.log.slice(from)),
  };
}

/** Play the same requests with both searches; report the first request where anything differs. */
function compare(m: M, era: EraId, requests: Array<[string, Strategy]>, setup: (e: Env) => void = () => undefined, why?: string, make: (era: EraId) => Env = env): void {
  const mine = make(era);
  const ref = make(era);
  setup(mine);
  setup(ref);
  for (const [id, strategy] of requests) {
    const run = (e: Env, search: Search) => {
      const dev = e.dev(id);
      if (iommufdBind(e.k, e.ctx, dev)) throw new Error(`internal: bind of ${id} failed`);
      const from = e.k.log.length;
      return summary(e, search(e.k, e.ctx, e.ioas, dev, strategy(e, dev)), from);
    };
    const want = run(ref, autoGetDomain);
    const got = run(mine, m.autoGetDomain);
    const items: MismatchItem[] = [];
    for (const key of Object.keys(want)) {
      if (show(got[key]) !== show(want[key])) items.push({ what: `${era}, device ${id}: ${key}`, expected: show(want[key]), got: show(got[key]) });
    }
    if (items.length) throw new Mismatch(items, why);
  }
}

// ---- Generated cases ----------------------------------------------------------------------------

type Answer = "EINVAL" | "EBUSY" | "ENOMEM" | "EMEDIUMTYPE";
interface Request {
  /** The SMMU the device sits behind. */
  smmu: number;
  /** The n-th auto hwpt tried answers this errno without reaching the driver (null: every attempt is real). */
  answer: { at: number; errno: Answer } | null;
}
interface Case {
  era: EraId;
  smmus: number;
  manualFirst: boolean;
  requests: Request[];
}

const caseArb: fc.Arbitrary<Case> = fc.integer({ min: 1, max: 3 }).chain((smmus) =>
  fc.record({
    era: fc.constantFrom<EraId>("einval-6.2", "mainline-2025"),
    smmus: fc.constant(smmus),
    manualFirst: fc.boolean(),
    requests: fc.array(
      fc.record({
        smmu: fc.integer({ min: 0, max: smmus - 1 }),
        answer: fc.option(fc.record({ at: fc.integer({ min: 0, max: 3 }), errno: fc.constantFrom<Answer>("EINVAL", "EBUSY", "ENOMEM", "EMEDIUMTYPE") }), { freq: 2 }),
      }),
      { minLength: 1, maxLength: 5 },
    ),
  }),
);

function describeCase(c: Case): string {
  const reqs = c.requests.map((r, i) => `d${i} behind SMMU i${r.smmu}${r.answer ? ` (auto hwpt #${r.answer.at} answers -${r.answer.errno})` : ""}`);
  return `${c.era}, ${c.smmus} SMMUv3 instance(s)${c.manualFirst ? ", a manual hwpt allocated first" : ""}; IOMMU_DEVICE_ATTACH of ${reqs.join(", then ")}`;
}

function compareCase(m: M, c: Case): void {
  const make = (era: EraId): Env => {
    const k = machine(era, Array.from({ length: c.smmus }, (_, i) => ({ id: `i${i}`, driver: "arm-smmu-v3" })), c.requests.map((r, i) => ({ id: `d${i}`, instance: `i${r.smmu}` })));
    return { k, ctx: new IommufdCtx(), ioas: new Ioas("ioas0"), dev: (id) => k.devices.get(id)! };
  };
  const strategy = (r: Request): Strategy => (e, dev) => (h: Hwpt) => (r.answer && e.ioas.hwpts.filter((x) => x.autoDomain).indexOf(h) === r.answer.at ? neg(r.answer.errno) : hwptAttach(e.k, e.ctx, h, dev));
  const setup = (e: Env) => {
    if (c.manualFirst && typeof hwptPagingAlloc(e.k, e.ctx, e.ioas, e.dev("d0"), {}, false) === "number") throw new Error("internal: manual hwpt allocation failed");
  };
  compare(m, c.era, c.requests.map((r, i) => [`d${i}`, strategy(r)]), setup, "Every auto hwpt is a candidate, in order, whichever one fits: skip those that answer EINVAL and go on; stop at the first success or at any other errno.", make);
}

export default defineExercise<M>("07-iommufd-auto-domain", [
  {
    name: "exports autoGetDomain",
    run: (m) => expectExport(m, "autoGetDomain", "function"),
  },
  {
    name: "the first device of an empty IOAS gets a new auto hwpt",
    run: (m) => compare(m, "mainline-2025", [["a", realAttach]]),
  },
  {
    name: "a device behind the same SMMU reuses the existing auto hwpt",
    run: (m) => compare(m, "mainline-2025", [["a", realAttach], ["c", realAttach]], undefined, "An attach that succeeds ends the search: the device shares that hwpt (and its page table)."),
  },
  {
    name: "a device behind another SMMU skips the incompatible hwpt (EINVAL) and gets a new one; the next one reuses the first",
    run: (m) => {
      for (const era of ["einval-6.2", "mainline-2025"] as EraId[]) {
        compare(m, era, [["a", realAttach], ["b", realAttach], ["c", realAttach]], undefined, "-EINVAL means \"incompatible\": count it and try the next hwpt; only when none fits is a new one allocated.");
      }
    },
  },
  {
    name: "hwpts that user space allocated itself are not candidates",
    run: (m) =>
      compare(m, "mainline-2025", [["a", realAttach]], (e) => {
        if (typeof hwptPagingAlloc(e.k, e.ctx, e.ioas, e.dev("c"), {}, false) === "number") throw new Error("internal: manual hwpt allocation failed");
      }, "The search walks only the hwpts iommufd made automatically (autoDomain); an IOMMU_HWPT_ALLOC hwpt is skipped without an attempt."),
  },
  {
    name: "any other errno (EBUSY, ENOMEM) fails the request at once: no new hwpt",
    run: (m) => {
      compare(m, "mainline-2025", [["a", realAttach], ["c", firstAnswers("EBUSY")]], undefined, "\"Other error codes should propagate to userspace as failure\": no further attempt, no allocation.");
      compare(m, "mainline-2025", [["a", realAttach], ["c", firstAnswers("ENOMEM")]], undefined, "\"Other error codes should propagate to userspace as failure\": no further attempt, no allocation.");
    },
  },
  {
    name: "the second of two candidates fits: the search goes on after the first one's EINVAL",
    run: (m) => compare(m, "mainline-2025", [["a", realAttach], ["b", realAttach], ["c", realAttach]], undefined, "After an EINVAL the search continues with the next hwpt (continue, not break): b's hwpt is found after a's refused.", (era) => {
      const k = machine(era, [{ id: "i0", driver: "arm-smmu-v3" }, { id: "i1", driver: "arm-smmu-v3" }], [{ id: "a", instance: "i0" }, { id: "b", instance: "i1" }, { id: "c", instance: "i1" }]);
      return { k, ctx: new IommufdCtx(), ioas: new Ioas("ioas0"), dev: (id) => k.devices.get(id)! };
    }),
  },
  {
    name: "generated: 1-3 SMMUs, up to 5 devices, any candidate may fit or answer any errno",
    run: (m) => differential(caseArb, (c) => compareCase(m, c), describeCase),
  },
  {
    name: "EMEDIUMTYPE is a hard failure for iommufd",
    run: (m) => compare(m, "mainline-2025", [["a", realAttach], ["c", firstAnswers("EMEDIUMTYPE")]], undefined, "EMEDIUMTYPE was the 2022 proposal, never merged; iommufd only knows the v6.2 contract (EINVAL)."),
  },
], { names: ["autoGetDomain", "iommufdDeviceAttachIoas"] });
