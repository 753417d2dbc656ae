/**
 * Exercise 11: the student's replaceDevicePasid()/setGroupPasid() against the library's
 * iommu_replace_device_pasid() on twin kernels with a two-device group of iommufd mock devices;
 * then groups of 1-3 devices, attach (old = NULL) or replace, with set_dev_pasid failing on any
 * device (and the way back failing or not), comparing the devices' PASID tables, the record, the
 * log and the set_dev_pasid calls with their arguments.
 */
import { type Domain, domainAlloc, type EraId, errnoName, iommuAttachDevicePasid, iommuReplaceDevicePasid, Kernel, buildPlatform } from "../../lib/index.ts";
import { iommuSetGroupPasid } from "../../lib/core/pasid.ts";
import { effect } from "../../lib/driver.ts";
import { neg } from "../../lib/errno.ts";
import { differential, fc } from "../../tools/exercises/differential.ts";
import { MOCK_FAKE_ERROR_PASID } from "../../hardware/iommufd-mock.ts";
import { defineExercise, expectExport, Mismatch, type MismatchItem, patchDriver, registeredDriver, show } from "../../tools/exercises/harness.ts";
import type { DriverSet } from "../../lib/model.ts";
import { machine } from "./_helpers.ts";
import type * as Solution from "../../solutions/11-pasid-replace-rollback.ts";

type M = typeof Solution;

interface Env {
  k: Kernel;
  old: Domain;
  next: Domain;
}

/** Mock devices mock-a and mock-b in one group, PASID `pasid` attached to `old`; `next` is free. */
function env(era: EraId, pasid: number): Env {
  const k = machine(era, [{ id: "mock_iommu", driver: "iommufd-mock" }], [
    { id: "mock-a", instance: "mock_iommu", group: "g0", maxPasids: 1 << 20 },
    { id: "mock-b", instance: "mock_iommu", group: "g0", maxPasids: 1 << 20 },
  ]);
  const a = k.devices.get("mock-a")!;
  const old = domainAlloc(k, { dev: a }) as Domain;
  const next = domainAlloc(k, { dev: a }) as Domain;
  if (iommuAttachDevicePasid(k, old, a, pasid, "h0") !== 0) throw new Error("internal: the PASID attach of the set-up failed");
  return { k, old, next };
}

function state(e: Env, pasid: number, ret: number, from: number): Record<string, unknown> {
  const g = e.k.groups.get("g0")!;
  const entry = g.pasidArray.get(pasid);
  const out: Record<string, unknown> = { returned: errnoName(ret) };
  for (const id of ["mock-a", "mock-b"]) out[`${id}: PASID ${pasid} programmed to`] = e.k.devices.get(id)!.hwPasid.get(pasid)?.id ?? "nothing (removed)";
  out[`group pasid_array[${pasid}]`] = entry ? `${entry.domain.id} (handle ${entry.handle})` : "empty";
  // Levels only: the text of a WARN_ON is the student's choice.
  out["kernel log"] = e.k.log.slice(from).map((l) => (l.level === "WARN" ? "a WARN_ON splat" : `a ${l.level} line`));
  return out;
}

/** Replace `pasid` to `next` `times` times (handles h1, h2 ...) with both implementations; compare after each. */
function compare(m: M, era: EraId, pasid: number, times: number, why: string): void {
  const mine = env(era, pasid);
  const ref = env(era, pasid);
  for (let i = 1; i <= times; i++) {
    const f1 = ref.k.log.length;
    const want = state(ref, pasid, iommuReplaceDevicePasid(ref.k, ref.next, ref.k.devices.get("mock-a")!, pasid, `h${i}`), f1);
    const f2 = mine.k.log.length;
    const got = state(mine, pasid, m.replaceDevicePasid(mine.k, mine.next, mine.k.devices.get("mock-a")!, pasid, `h${i}`), f2);
    const items: MismatchItem[] = [];
    for (const key of Object.keys(want)) if (show(got[key]) !== show(want[key])) items.push({ what: `${era}, replace #${i} of PASID ${pasid} from ${ref.old.id} to ${ref.next.id}: ${key}`, expected: show(want[key]), got: show(got[key]) });
    if (items.length) throw new Mismatch(items, why);
  }
}

// ---- Generated cases ----------------------------------------------------------------------------

interface Case {
  era: EraId;
  /** The group's devices: whether each supports PASID (the first always does: the call names it). */
  pasid: boolean[];
  /** attach: __iommu_set_group_pasid(next, group, pasid, NULL); replace: iommu_replace_device_pasid(next, ...). */
  op: "attach" | "replace";
  /** set_dev_pasid to the new domain fails on this device; the way back to the old one fails too when revertFails. */
  fault: { device: number; revertFails: boolean } | null;
}

const PASID = 7;

const caseArb: fc.Arbitrary<Case> = fc.array(fc.boolean(), { minLength: 0, maxLength: 2 }).chain((rest) =>
  fc.record({
    era: fc.constantFrom<EraId>("mainline-2025", "test-dev-2025"),
    pasid: fc.constant([true, ...rest]),
    op: fc.constantFrom<Case["op"]>("attach", "replace"),
    fault: fc.option(fc.record({ device: fc.integer({ min: 0, max: rest.length }), revertFails: fc.boolean() }), { freq: 3 }),
  }),
);

function describeCase(c: Case): string {
  const devs = c.pasid.map((p, i) => `dev${i}${p ? "" : " (no PASID)"}`).join(", ");
  const op = c.op === "attach" ? `__iommu_set_group_pasid(next, g0, ${PASID}, NULL) (an attach)` : `replace of PASID ${PASID} from old to next`;
  const fault = c.fault ? `; set_dev_pasid(next) fails on dev${c.fault.device}${c.fault.revertFails ? ", and set_dev_pasid back to old fails too" : ""}` : "";
  return `${c.era}, group g0 = ${devs}; ${op}${fault}`;
}

interface CaseEnv {
  k: Kernel;
  old: Domain;
  next: Domain;
}

function caseEnv(c: Case, drivers: DriverSet): CaseEnv {
  const k = new Kernel({ era: c.era, drivers, trace: true });
  buildPlatform(k, { instances: [{ id: "mock_iommu", driver: "iommufd-mock" }], devices: c.pasid.map((p, i) => ({ id: `dev${i}`, instance: "mock_iommu", group: "g0", maxPasids: p ? 1 << 20 : 0 })) });
  const d0 = k.devices.get("dev0")!;
  const old = domainAlloc(k, { dev: d0 }) as Domain;
  const next = domainAlloc(k, { dev: d0 }) as Domain;
  if (c.op === "replace" && iommuAttachDevicePasid(k, old, d0, PASID, "h0") !== 0) throw new Error("internal: the PASID attach of the set-up failed");
  return { k, old, next };
}

function caseState(e: CaseEnv, c: Case, ret: number, from: number, traceFrom: number): Record<string, unknown> {
  const g = e.k.groups.get("g0")!;
  const entry = g.pasidArray.get(PASID);
  const out: Record<string, unknown> = { returned: errnoName(ret) };
  c.pasid.forEach((_, i) => (out[`dev${i}: PASID ${PASID} programmed to`] = e.k.devices.get(`dev${i}`)!.hwPasid.get(PASID)?.id ?? "nothing"));
  out[`group pasid_array[${PASID}]`] = entry ? `${entry.domain.id} (handle ${entry.handle})` : "empty";
  out["kernel log"] = e.k.log.slice(from).map((l) => (l.level === "WARN" ? "a WARN_ON splat" : `a ${l.level} line`));
  out["set_dev_pasid calls (domain, dev, old)"] = e.k.trace!.slice(traceFrom).filter((t) => t.fn.includes("set_dev_pasid")).map((t) => `${t.fn}(${t.args["domain"]}, ${t.args["dev"]}, old=${t.args["old"]})`);
  return out;
}

function compareCase(m: M, c: Case): void {
  // The fault: set_dev_pasid to `next` fails on one device; with revertFails, so does the way back to `old`.
  // Armed for the call under test only (the set-up's PASID attach runs without it).
  let armed = false;
  const step = effect("injected-fault", "fault injection (exercise test)", "set_dev_pasid fails on one device", (x) => {
    if (!armed || !c.fault || x.dev.id !== `dev${c.fault.device}` && !c.fault.revertFails) return 0;
    if (x.domain.id === ref.next.id && x.dev.id === `dev${c.fault.device}`) return neg("ENOMEM");
    return c.fault.revertFails && x.domain.id === ref.old.id && x.old?.id === ref.next.id ? neg("EIO") : 0;
  });
  const faulty = patchDriver("iommufd-mock", { setDevPasid: [step, ...registeredDriver("iommufd-mock").setDevPasid] });
  const mine = caseEnv(c, faulty);
  const ref = caseEnv(c, faulty);
  const run = (e: CaseEnv, mineOrRef: "mine" | "ref") => {
    const from = e.k.log.length;
    const traceFrom = e.k.trace!.length;
    const g = e.k.groups.get("g0")!;
    const d0 = e.k.devices.get("dev0")!;
    armed = true;
    const ret =
      c.op === "attach"
        ? mineOrRef === "mine" ? m.setGroupPasid(e.k, e.next, g, PASID, null) : iommuSetGroupPasid(e.k, e.next, g, PASID, null)
        : mineOrRef === "mine" ? m.replaceDevicePasid(e.k, e.next, d0, PASID, "h1") : iommuReplaceDevicePasid(e.k, e.next, d0, PASID, "h1");
    armed = false;
    return caseState(e, c, ret, from, traceFrom);
  };
  const want = run(ref, "ref");
  const got = run(mine, "mine");
  const items: MismatchItem[] = [];
  for (const key of Object.keys(want)) if (show(got[key]) !== show(want[key])) items.push({ what: key, expected: show(want[key]), got: show(got[key]) });
  if (items.length) throw new Mismatch(items, "Program every PASID-capable device in order; on a failure undo exactly the devices done so far: back to old (set_dev_pasid(old, dev, pasid, domain)) and restore the record of it, or removed when there is no old or the way back fails (with a WARN).");
}

export default defineExercise<M>("11-pasid-replace-rollback", [
  {
    name: "exports setGroupPasid and replaceDevicePasid",
    run: (m) => {
      expectExport(m, "setGroupPasid", "function");
      expectExport(m, "replaceDevicePasid", "function");
    },
  },
  {
    name: "a replace that works moves both devices and records the new domain",
    run: (m) => {
      for (const era of ["mainline-2025", "test-dev-2025"] as EraId[]) compare(m, era, 7, 1, "Every PASID-capable device of the group is programmed, then the group's pasid_array names the new domain and handle.");
    },
  },
  {
    name: "the selftest mock's PASID 1024 error: the first device fails (faked ENOMEM) - the PASID keeps pointing at the old domain everywhere",
    run: (m) => compare(m, "mainline-2025", MOCK_FAKE_ERROR_PASID, 1, "\"The pasid of the device should be left in the old config in error case\": nothing moved, so the record must not move either."),
  },
  {
    name: "the second device fails: the first one is put back, and when even that fails, WARN and remove",
    run: (m) => {
      for (const era of ["mainline-2025", "test-dev-2025"] as EraId[]) {
        compare(m, era, MOCK_FAKE_ERROR_PASID, 2, "Replace #2 programs mock-a, then mock-b fails; mock-a must go back to the old domain - the mock fails that call too, so the core WARNs and removes mock-a's PASID (the selftest's follow-up case).");
      }
    },
  },
  {
    name: "an attach (old = NULL) that fails on the third device removes the PASID from the first two",
    run: (m) => compareCase(m, { era: "mainline-2025", pasid: [true, true, true], op: "attach", fault: { device: 2, revertFails: false } }),
  },
  {
    name: "a replace that fails on the last device puts every earlier one back on the old domain",
    run: (m) => compareCase(m, { era: "mainline-2025", pasid: [true, true, true], op: "replace", fault: { device: 2, revertFails: false } }),
  },
  {
    name: "generated: groups of 1-3 devices (with or without PASID), attach or replace, a failure at any device",
    run: (m) => differential(caseArb, (c) => compareCase(m, c), describeCase),
  },
], { names: ["iommuSetGroupPasid", "iommuReplaceDevicePasid", "iommuAttachDevicePasid"] });
