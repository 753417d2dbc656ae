/**
 * The compressed engine counts groups in the same state as one: their state must cover every
 * field of a group and its devices (tools/sweep/state.ts), so that a field added to Device or
 * Domain tomorrow cannot merge groups that differ in it. Each rule is checked on the real state
 * function and on a mutant (the hand-kept field lists the engine had before), which it rejects.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Device, Domain, Group } from "../lib/model.ts";
import { Kernel } from "../lib/model.ts";
import { buildPlatform } from "../lib/platform.ts";
import { drivers } from "../hardware/index.ts";
import { groupDevices, makeFleet, resolveExperiment } from "../tools/sweep/index.ts";
import { probeGroup } from "../tools/sweep/runner.ts";
import { describeDomain, type DomainKey, domainFingerprint, domainUnchanged, type DomainTokens, groupState, stateFingerprint, StateTokens, stateUnchanged, TokenCheck } from "../tools/sweep/state.ts";

/** Two groups of one class in a small fleet, probed into one kernel: twins. */
function twins(): { a: Group; b: Group } {
  const exp = resolveExperiment({ name: "twins", platform: { preset: "arm-server-2x-smmuv3" }, devices: 40, consumer: "vfio-type1", eras: ["mainline-2025"] }, "test");
  const fleet = makeFleet(exp, 1);
  const k = new Kernel({ era: "mainline-2025", drivers, trace: false });
  buildPlatform(k, { instances: fleet.instances, devices: [] });
  const seen = new Map<number, number>();
  for (let j = 0; j < fleet.classOf.length; j++) {
    const cls = fleet.classOf[j]!;
    probeGroup(k, groupDevices(fleet, j));
    const first = seen.get(cls);
    if (first !== undefined) return { a: [...k.groups.values()][first]!, b: [...k.groups.values()][j]! };
    seen.set(cls, j);
  }
  throw new Error("no two groups of one class");
}

const byDescription = (d: Domain): string => (d.isStatic ? `S:${d.owner.id}:${d.type}` : `X(${describeDomain(d)})`);

/** The engine's state before issue #17: a hand-kept list of group and device fields. */
function handListState(g: Group): string {
  const ref = (d: Domain | null | undefined) => (!d ? "-" : d === g.defaultDomain ? "DEF" : d === g.blockingDomain ? "BLK" : byDescription(d));
  let s = `${ref(g.domain)}|D(${g.defaultDomain ? byDescription(g.defaultDomain) : "-"})|${g.owner ?? "-"}|${g.ownerCnt}|${g.pasidArray.size}|${ref(g.resettingDomain)}`;
  for (const d of g.devices) s += `|${ref(d.hwDomain)},${ref(d.fakeAttach)},${d.attachDeferred ? 1 : 0},${d.hwPasid.size},${d.inReset ? 1 : 0},${d.deferredAtBoot ? 1 : 0}`;
  return s;
}

/** The old domain description: a hand-kept list of domain fields. */
function handListDescription(d: Domain): string {
  return `${d.type}/${d.owner.id}/${d.instance ? d.instance.id : "-"}/${d.pasidCapable ? 1 : 0}/${d.freed ? 1 : 0}/${JSON.stringify(d.props)}`;
}

/** Twins read the same; a field added to one device (a new Device field, set on one of them) tells them apart. */
function separatesNewDeviceField(state: (g: Group) => string): boolean {
  const { a, b } = twins();
  if (state(a) !== state(b)) throw new Error(`twins differ: ${state(a)} vs ${state(b)}`);
  (b.devices[0] as Device & { newField?: boolean }).newField = true;
  return state(a) !== state(b);
}

/** A field added to a domain (a new Domain field) changes its description. */
function separatesNewDomainField(describe: (d: Domain) => string): boolean {
  const { a, b } = twins();
  const da = a.defaultDomain!;
  const db = b.defaultDomain!;
  if (describe(da) !== describe(db)) throw new Error("twin default domains differ");
  (db as Domain & { newField?: number }).newField = 7;
  return describe(da) !== describe(db);
}

test("a field added to a device separates twin groups (the hand-kept list did not)", () => {
  assert.ok(separatesNewDeviceField((g) => groupState(g, byDescription)));
  assert.not.ok(separatesNewDeviceField(handListState), "mutant: the old hand-kept field list merges them");
});

test("a field added to a domain changes its description (the hand-kept list did not)", () => {
  assert.ok(separatesNewDomainField(describeDomain));
  assert.not.ok(separatesNewDomainField(handListDescription), "mutant: the old hand-kept description");
});

test("a group's state names no ids, and tells one shared domain from two equal ones", () => {
  const { a, b } = twins();
  const s = groupState(a, byDescription);
  assert.not.ok(s.includes(`"${a.id}"`) || s.includes(`"${a.devices[0]!.id}"`), s);
  // Device 0 of a on its own default domain, then on b's (equal by description, another object).
  const dev = a.devices[0]!;
  const own = groupState(a, byDescription);
  dev.hwDomain = b.defaultDomain;
  const other = groupState(a, byDescription);
  assert.ok(own.includes("hwDomain:$0"), own);
  assert.not.equal(own, other);
});

test("verify's fingerprints: an unchanged one means an unchanged state string and description; every change tried shows", () => {
  const key: DomainKey = (d) => (d.isStatic ? `S:${d.owner.id}:${d.type}` : null);
  const name = (d: Domain): string => (d.isStatic ? `S:${d.owner.id}:${d.type}` : `X(${describeDomain(d)})`);
  const changes: Array<[string, (g: Group) => void]> = [
    ["a device field written", (g) => (g.devices[0]!.wedged = !g.devices[0]!.wedged)],
    ["a field added to a device", (g) => ((g.devices[0] as unknown as Record<string, unknown>).extra = 1)],
    ["device props changed in place", (g) => ((g.devices[0]!.props as Record<string, unknown>).x = 2)],
    ["the default domain's props changed in place (its description)", (g) => ((g.defaultDomain!.props as Record<string, unknown>).x = 3)],
    ["the default domain freed", (g) => (g.defaultDomain!.freed = true)],
    ["a PASID entry", (g) => g.devices[0]!.hwPasid.set(1, g.defaultDomain!)],
    ["an owner", (g) => ((g.owner = "vfio"), g.ownerCnt++)],
  ];
  for (const [what, change] of changes) {
    const { a } = twins();
    const fp = stateFingerprint(a, key);
    const dfp = domainFingerprint(a.defaultDomain!);
    const [s, desc] = [groupState(a, name), describeDomain(a.defaultDomain!)];
    assert.ok(stateUnchanged(a, key, fp), `${what}: before`);
    change(a);
    assert.is.not(groupState(a, name), s, `${what}: the change changes the state`);
    assert.not.ok(stateUnchanged(a, key, fp), what);
    if (describeDomain(a.defaultDomain!) !== desc) assert.not.ok(domainUnchanged(a.defaultDomain!, dfp), `${what}: description`);
  }
});

/** The test's names as tokens: static domains by driver and type, others by description (as byDescription). */
const byDescriptionTokens: DomainTokens = {
  domainTokens: (d, w) => (d.isStatic ? w.raw(`S:${d.owner.id}:${d.type}`) : w.describe(d)),
};
const tokensOf = (w: StateTokens, g: Group): string => Array.from(w.state(g, 0).buf.subarray(0, w.n)).join(",");

/**
 * Pairs of states that the strings tell apart or not, from twins (equal) and twins with one
 * change each (the changes verify's fingerprints must see, and a shared domain against an equal
 * one): the tokens must split them exactly as the strings do.
 */
function tokensAgree(make: () => StateTokens): string[] {
  const changes: Array<[string, (g: Group, other: Group) => void]> = [
    ["none", () => {}],
    ["a device field written", (g) => (g.devices[0]!.wedged = !g.devices[0]!.wedged)],
    ["a field added to a device", (g) => ((g.devices[0] as unknown as Record<string, unknown>).extra = 1)],
    ["a field added to a device, as a string", (g) => ((g.devices[0] as unknown as Record<string, unknown>).extra = "1")],
    ["a field added to each, the same value under two names", (g, other) => (((g.devices[0] as unknown as Record<string, unknown>).extra = 1), ((other.devices[0] as unknown as Record<string, unknown>).other = 1))],
    ["device props changed in place", (g) => ((g.devices[0]!.props as Record<string, unknown>).x = 2)],
    ["the default domain's props changed in place", (g) => ((g.defaultDomain!.props as Record<string, unknown>).x = 3)],
    ["the default domain freed", (g) => (g.defaultDomain!.freed = true)],
    ["a PASID entry", (g) => g.devices[0]!.hwPasid.set(1, g.defaultDomain!)],
    ["an owner", (g) => ((g.owner = "vfio"), g.ownerCnt++)],
    // Strings are written quoted from a cache (./state quote): two of one length must stay apart, and one that was seen stay equal.
    ["owners of one length", (g, other) => ((g.owner = "vfio:c1"), (other.owner = "vfio:c0"), (g.ownerCnt = other.ownerCnt = 1))],
    ["the same owner", (g, other) => ((g.owner = other.owner = "vfio:c0"), (g.ownerCnt = other.ownerCnt = 1))],
    ["on the twin's default domain (equal, another object)", (g, other) => (g.devices[0]!.hwDomain = other.defaultDomain)],
  ];
  const bad: string[] = [];
  for (const [what, change] of changes) {
    const { a, b } = twins();
    const w = make();
    change(b, a);
    const sameString = groupState(a, byDescription) === groupState(b, byDescription);
    const sameTokens = tokensOf(w, a) === tokensOf(w, b);
    if (sameString !== sameTokens) bad.push(`${what}: strings ${sameString ? "equal" : "differ"}, tokens ${sameTokens ? "equal" : "differ"}`);
    const descs = describeDomain(a.defaultDomain!) === describeDomain(b.defaultDomain!);
    const descTokens = Array.from(w.description(a.defaultDomain!).buf.subarray(0, w.n)).join() === Array.from(w.description(b.defaultDomain!).buf.subarray(0, w.n)).join();
    if (descs !== descTokens) bad.push(`${what}: descriptions ${descs ? "equal" : "differ"}, their tokens ${descTokens ? "equal" : "differ"}`);
  }
  return bad;
}

test("state tokens (the engine interns tuples by them) split states exactly as the state strings do", () => {
  assert.equal(tokensAgree(() => new StateTokens(byDescriptionTokens)), []);
  // Mutants: booleans as null, every domain named afresh (no $i back-reference), a field's name left out.
  type Walk = { value(v: unknown): void; object(o: object): void; fields(o: object): void; put(t: number): void; namer: DomainTokens };
  const real = StateTokens.prototype as unknown as Walk;
  const mutant = (patch: Partial<Walk>) => () => Object.assign(Object.create(new StateTokens(byDescriptionTokens)) as StateTokens, patch);
  const noBooleans = mutant({ value(this: Walk, v) { if (typeof v === "boolean") this.put(0); else real.value.call(this, v); } });
  assert.ok(tokensAgree(noBooleans).some((x) => x.startsWith("a device field written")), "mutant: booleans as null");
  const noRefs = mutant({ object(this: Walk, o) { if ("isStatic" in o && "owner" in o && "freed" in o) this.namer.domainTokens(o as Domain, this as unknown as StateTokens); else real.object.call(this, o); } });
  assert.ok(tokensAgree(noRefs).some((x) => x.startsWith("on the twin's default domain")), "mutant: no back-references");
  const noNames = mutant({ fields(this: Walk, o) { for (const k in o) if (k !== "id") this.value((o as Record<string, unknown>)[k]); } });
  assert.ok(tokensAgree(noNames).some((x) => x.startsWith("a field added to each")), "mutant: field names left out");
});

test("verify mode's token check refuses tokens that merge two strings or split one", () => {
  const check = new TokenCheck("state");
  check.check(0, "a");
  check.check(0, "a");
  check.check(1, "b");
  assert.throws(() => check.check(0, "c"), /merged/);
  assert.throws(() => check.check(2, "a"), /split/);
});

test.run();
