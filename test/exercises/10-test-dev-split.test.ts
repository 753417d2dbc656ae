/**
 * Exercise 10: the phases of ipmmu-vmsa's checks, with the call trace of test-dev-2025 attaches
 * (which op refused, with what) compared between the student's phases and the registered driver.
 */
import { buildPlatform, type Domain, domainAlloc, type Device, iommuAttachDevice, Kernel } from "../../lib/index.ts";
import { __iommuAttachDevice } from "../../lib/core/set-domain.ts";
import { type CheckStep, driverTestDev } from "../../lib/driver.ts";
import { defineExercise, expectExport, expectFields, patchChecks, registeredCheck, registeredDriver, retText, show, DRIVER_DATA } from "../../tools/exercises/harness.ts";
import { drivers } from "../../hardware/index.ts";
import type { DriverSet } from "../../lib/model.ts";

import type * as Solution from "../../solutions/10-test-dev-split.ts";

type M = typeof Solution;
type DriverId = keyof M["phases"];
const DRIVERS: DriverId[] = ["ipmmu-vmsa", "arm-smmu"];

const changes = (m: M, driver: DriverId): Record<string, Partial<CheckStep>> =>
  Object.fromEntries(Object.entries(m.phases[driver] as Record<string, string>).map(([id, phase]) => [id, { phase: phase as CheckStep["phase"] }]));

/** The kit's drivers with the student's phases in both drivers. */
function withPhases(m: M): DriverSet {
  return patchChecks("arm-smmu", changes(m, "arm-smmu"), "attach", {}, patchChecks("ipmmu-vmsa", changes(m, "ipmmu-vmsa")));
}

/** Play a check's recipe through iommu_attach_device() with the trace on; say which driver op answered what. */
function tracedTrip(set: DriverSet, DRIVER: DriverId, checkId: string, direct = false): Record<string, unknown> {
  const trip = registeredCheck(DRIVER, checkId).trip!;
  const k = new Kernel({ era: "test-dev-2025", drivers: set });
  buildPlatform(k, {
    instances: [{ id: "i0", driver: DRIVER, props: trip.inst ?? {} }, ...(trip.other ? [{ id: "i1", driver: DRIVER, props: trip.other }] : [])],
    devices: [{ id: "first", instance: "i0", props: trip.first ?? {} }, { id: "dut", instance: trip.other ? "i1" : "i0", props: trip.dev ?? {} }],
  });
  const first = k.devices.get("first")!;
  const dut = k.devices.get("dut")!;
  const d = domainAlloc(k, { dev: first, props: trip.domain ?? {} }) as Domain;
  if (trip.firstAttach ?? true) iommuAttachDevice(k, d, first);
  const from = k.trace!.length;
  const logFrom = k.log.length;
  // direct: the core's internal __iommu_attach_device(), which does not run test_dev first.
  const ret = direct ? __iommuAttachDevice(k, d, dut, dut.hwDomain) : iommuAttachDevice(k, d, dut);
  const drv = registeredDriver(DRIVER).fn;
  if (drv.testDev === null) throw new Error(`internal: ${DRIVER} has no test_dev op in the kit`);
  const fns = { testDev: drv.testDev, attach: drv.attach };
  const calls = k.trace!.slice(from).filter((e) => e.args["dev"] === "dut" && (e.fn === fns.testDev || e.fn === fns.attach));
  const answer = (fn: string) => {
    const e = calls.find((x) => x.fn === fn);
    return e ? retText(e.ret ?? 0) : "not called";
  };
  return {
    [`${fns.testDev}()`]: answer(fns.testDev),
    [`${fns.attach}()`]: answer(fns.attach),
    [direct ? "__iommu_attach_device() returned" : "iommu_attach_device() returned"]: retText(ret),
    "log levels": k.log.slice(logFrom).map((l) => l.level),
    "device attached": dut.hwDomain === d,
  };
}

/** A device with no IPMMU, handed to the driver's test_dev and (without test_dev) to its attach_dev. */
function noMmu(set: DriverSet): Record<string, unknown> {
  const DRIVER = "ipmmu-vmsa";
  const k = new Kernel({ era: "test-dev-2025", drivers: set });
  buildPlatform(k, { instances: [{ id: "i0", driver: DRIVER }], devices: [{ id: "first", instance: "i0" }, { id: "stray" }] });
  const d = domainAlloc(k, { dev: k.devices.get("first")! }) as Domain;
  const stray: Device = k.devices.get("stray")!;
  return {
    "ipmmu_domain_test_device() for a device with no IPMMU": retText(driverTestDev(k, d, stray, null, null)),
    "ipmmu_attach_device() reached without test_dev": retText(__iommuAttachDevice(k, d, stray, null)),
  };
}

const compareTrip = (m: M, driver: DriverId, checkId: string, what: string, why: string, direct = false) =>
  expectFields(tracedTrip(withPhases(m), driver, checkId, direct), tracedTrip(drivers, driver, checkId, direct), `${driver}: ${what}`, why);

export default defineExercise<M>("10-test-dev-split", [
  {
    name: "exports phases for the five checks",
    run: (m) => {
      expectExport(m, "phases", "object");
      for (const d of DRIVERS) {
        const got = (m.phases[d] ?? {}) as Record<string, unknown>;
        const bad = Object.keys(registeredPhases(d)).filter((id) => !["test", "attach", "both"].includes(String(got[id])));
        if (bad.length) expectFields(Object.fromEntries(bad.map((id) => [id, show(got[id])])), Object.fromEntries(bad.map((id) => [id, "\"test\", \"attach\" or \"both\""])), `phases["${d}"]`);
      }
    },
  },
  {
    name: "ipmmu-vmsa: a domain of another IPMMU is refused by test_dev; attach_dev is never called",
    run: (m) => {
      const why = "An incompatibility can be answered without touching anything: that is what test_dev is for (rule 1), and only there: attach_dev no longer repeats it.";
      compareTrip(m, "ipmmu-vmsa", "mmu-mismatch", "attach of a device behind IPMMU i1 to a domain on i0", why);
      compareTrip(m, "ipmmu-vmsa", "mmu-mismatch", "the same attach reaching attach_dev without test_dev", why, true);
    },
  },
  {
    name: "ipmmu-vmsa: no free translation context - test_dev answers EBUSY, attach_dev keeps the check",
    run: (m) => {
      const why = "EBUSY is not an errno attach_dev may return under TD1, so test_dev must answer it (rule 1); attach_dev takes the context, so it keeps the check too (rule 2).";
      compareTrip(m, "ipmmu-vmsa", "contexts-exhausted", "attach of a new domain when the root IPMMU has no free context", why);
      compareTrip(m, "ipmmu-vmsa", "contexts-exhausted", "the same attach reaching attach_dev without test_dev", why, true);
    },
  },
  {
    name: "ipmmu-vmsa: a device with no IPMMU - test_dev answers, and attach_dev keeps its guard",
    run: (m) => expectFields(noMmu(withPhases(m)), noMmu(drivers), "ipmmu-vmsa: the \"no-mmu\" guard", "TD1 11/20 moves the !mmu test into ipmmu_domain_test_device; attach_dev dereferences mmu and can be reached without test_dev, so it keeps the guard (rule 3)."),
  },
  {
    name: "arm-smmu: a domain of another SMMU is refused by test_dev",
    run: (m) => {
      const why = "smmu_domain->smmu != smmu is the incompatibility: test_dev (rule 1), and attach_dev no longer repeats it.";
      compareTrip(m, "arm-smmu", "smmu-mismatch", "attach of a device behind SMMU i1 to a domain on i0", why);
      compareTrip(m, "arm-smmu", "smmu-mismatch", "the same attach reaching attach_dev without test_dev", why, true);
    },
  },
  {
    name: "arm-smmu: no free context bank - ENOSPC from attach_dev, as the new kdoc allows",
    run: (m) => compareTrip(m, "arm-smmu", "cb-exhausted", "attach of a new domain when every context bank is taken", "ENOSPC (\"non-ENOMEM type of resource allocation failure\") is one of the errnos attach_dev may still return, and the bank is allocated there: the check stays in attach_dev only."),
  },
], DRIVER_DATA);

/** The registered phases of the exercise's checks (their ids, for validating the export). */
function registeredPhases(d: DriverId): Record<string, string> {
  const ids = d === "ipmmu-vmsa" ? ["no-mmu", "contexts-exhausted", "mmu-mismatch"] : ["cb-exhausted", "smmu-mismatch"];
  return Object.fromEntries(ids.map((id) => [id, registeredCheck(d, id).phase ?? "test"]));
}
