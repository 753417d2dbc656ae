/**
 * The kernel's event stream (KernelOptions.observer): the trace is one subscriber of it, so a
 * TraceRecorder given as the observer of an untraced kernel records exactly k.trace of a traced
 * one; reads through the query methods, table iterations and changes through the setters are
 * reported, lookups by id are not; with neither trace nor observer nothing listens.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { domainAlloc, iommuAttachDevice, iommuDetachDevice, type KernelObserver, TraceRecorder } from "../lib/index.ts";
import { Kernel } from "../lib/model.ts";
import { buildPlatform } from "../lib/platform.ts";
import { drivers } from "../hardware/index.ts";

function play(k: Kernel): void {
  buildPlatform(k, { instances: [{ id: "s0", driver: "omap-iommu" }], devices: [{ id: "a", instance: "s0" }, { id: "b", instance: "s0" }] });
  const a = k.devices.get("a")!;
  const b = k.devices.get("b")!;
  const d = domainAlloc(k, { dev: a, type: "unmanaged" });
  if (typeof d === "number") throw new Error("alloc failed");
  iommuAttachDevice(k, d, a);
  iommuAttachDevice(k, d, b); // omap: one client device per domain, so this one is refused after a read of who is on it
  iommuDetachDevice(k, d, a);
}

/** Events as [key, value] lists, so that a `ret` key holding undefined differs from no `ret` key. */
const shape = (evs: readonly object[]) => JSON.stringify(evs.map((e) => Object.entries(e).map(([k, v]) => [k, v === undefined ? "<undefined>" : v])));

test("a TraceRecorder subscribed as the observer records exactly the kernel's own trace", () => {
  const traced = new Kernel({ era: "mainline-2025", drivers });
  play(traced);
  const rec = new TraceRecorder();
  const observed = new Kernel({ era: "mainline-2025", drivers, trace: false, observer: rec });
  play(observed);
  assert.is(observed.trace, null);
  assert.ok(traced.trace!.length > 10);
  assert.is(shape(rec.events), shape(traced.trace!));
  assert.ok(traced.trace!.some((e) => e.log.length > 0), "log lines nest in their events");
});

test("reads, iterations and changes are reported; lookups by id are not; nobody listens by default", () => {
  const seen: string[] = [];
  const observer: KernelObserver = {
    enter: (fn) => seen.push(`enter ${fn}`),
    exit: (fn, _ret, returned) => seen.push(`exit ${fn} ${returned}`),
    log: () => {},
    read: (what, of) => seen.push(`read ${what} ${of ? of.id : "-"}`),
    change: (what, of) => seen.push(`change ${what} ${of.id}`),
  };
  const k = new Kernel({ era: "mainline-2025", drivers, trace: false, observer });
  play(k);
  for (const e of ["read devicesOn dom#1", "change hwDomain a", "change addDomain dom#1", "exit omap_iommu_attach_dev true"]) assert.ok(seen.includes(e), `${e} in:\n${seen.join("\n")}`);
  const before = seen.length;
  k.devices.get("a");
  k.groups.has("x");
  assert.is(seen.length, before, "lookups by id are not reads");
  for (const _ of k.devices.values()) void _;
  assert.is(seen[seen.length - 1], "read devices -");
  assert.is(new Kernel({ era: "mainline-2025", drivers, trace: false }).observer, null);
});

test.run();
