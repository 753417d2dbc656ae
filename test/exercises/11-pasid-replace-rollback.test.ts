/**
 * Exercise 11: the student's replaceDevicePasid()/setGroupPasid() against the library's
 * iommu_replace_device_pasid() on twin kernels with a two-device group of iommufd mock devices.
 */
import { type Domain, domainAlloc, type EraId, errnoName, iommuAttachDevicePasid, iommuReplaceDevicePasid, type Kernel } from "../../lib/index";
import { MOCK_FAKE_ERROR_PASID } from "../../hardware/iommufd-mock";
import { defineExercise, expectExport, Mismatch, type MismatchItem, show } from "../../lib/exercises/harness";
import { machine } from "./_helpers";
import type * as Solution from "../../solutions/11-pasid-replace-rollback";

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
    name: "E-26: the first device fails (faked ENOMEM) - the PASID keeps pointing at the old domain everywhere",
    run: (m) => compare(m, "mainline-2025", MOCK_FAKE_ERROR_PASID, 1, "\"The pasid of the device should be left in the old config in error case\": nothing moved, so the record must not move either."),
  },
  {
    name: "the second device fails: the first one is put back, and when even that fails, WARN and remove",
    run: (m) => {
      for (const era of ["mainline-2025", "test-dev-2025"] as EraId[]) {
        compare(m, era, MOCK_FAKE_ERROR_PASID, 2, "Replace #2 programs mock-a, then mock-b fails; mock-a must go back to the old domain - the mock fails that call too, so the core WARNs and removes mock-a's PASID (the follow-up case of E-26).");
      }
    },
  },
], { names: ["iommuSetGroupPasid", "iommuReplaceDevicePasid", "iommuAttachDevicePasid"] });
