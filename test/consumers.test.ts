/**
 * Consumers of the attach contract (fact sheet B): VFIO type1's domain search per era and
 * iommufd's auto-domain search (the EINVAL consumer).
 */
import { drivers } from "../hardware/index.ts";
import { test } from "uvu";
import * as assert from "uvu/assert";
import {
  buildPlatform,
  errnoName,
  iommuAttachDevicePasid,
  iommufdDeviceAttachIoas,
  iommufdDeviceUnbind,
  IommufdCtx,
  Ioas,
  Kernel,
  VfioContainer,
  vfioType1AttachGroup,
  type EraId,
  type Outcome,
} from "../lib/index.ts";
import { alloc, groupIs, hwIs, igpuPlatform, IOMMUFD_ERAS, lab, type Lab, mark, mixed, singles, throwsNamed, twoSmmus } from "./helpers.ts";

/** The part of an outcome a table would show. */
function counts(o: Outcome) {
  return { outcome: o.outcome, errno: o.errno, attempts: o.attempts, softFailures: o.softFailures, domainsAllocated: o.domainsAllocated };
}

function vfio(l: Lab, c: VfioContainer, group: string): Outcome {
  return vfioType1AttachGroup(l.k, c, l.group(group));
}

// ---- VFIO type1: allocate-then-merge (every merged era) ------------------------------------------

for (const era of ["pre-2022", "einval-6.2", "mainline-2025"] as const) {
  test(`type1 allocate-then-merge: new domain first, then a merge attempt per candidate (${era})`, () => {
    const l = twoSmmus(era);
    const c = new VfioContainer("c0", "v2");

    const a = vfio(l, c, "a");
    assert.equal(counts(a), { outcome: "attached-new", errno: "0", attempts: 1, softFailures: 0, domainsAllocated: 1 }, "a: empty container");
    const aDom = c.domains[0]!.domain;
    hwIs(l.dev("a"), aDom, "a on its new domain");

    // c sits behind the same SMMU: allocated, attached, then merged into a's domain; the new one is freed.
    const m = mark(l.k);
    const cOut = vfio(l, c, "c");
    assert.equal(counts(cOut), { outcome: "attached-existing", errno: "0", attempts: 2, softFailures: 0, domainsAllocated: 1 }, "c: merged");
    assert.is(cOut.domain, aDom.id, "c ends on a's domain");
    assert.ok(m.called("iommu_domain_free"), "the freshly allocated domain is freed after the merge");
    hwIs(l.dev("c"), aDom, "c's hardware on a's domain");
    assert.is(c.domains.length, 1, "still one domain in the container");
  });

  test(`type1 allocate-then-merge: a failed merge is not inspected, the group goes back to its new domain (${era})`, () => {
    const l = twoSmmus(era);
    const c = new VfioContainer("c0", "v2");
    vfio(l, c, "a");
    const m = mark(l.k);
    const b = vfio(l, c, "b");
    // attach(new), attach(a's domain) refused, attach(new) again.
    assert.equal(counts(b), { outcome: "attached-new", errno: "0", attempts: 3, softFailures: 1, domainsAllocated: 1 }, "b: behind another SMMU");
    const merge = m.calls("arm_smmu_attach_dev", "b").map((e) => errnoName(e.ret ?? 0));
    const refused = era === "pre-2022" ? "ENXIO" : "EINVAL";
    assert.ok(merge.includes(refused), `the merge attempt failed with ${refused} (${merge.join(",")})`);
    assert.is(c.domains.length, 2, "two domains in the container");
    const bDom = c.domains[1]!.domain;
    assert.is(b.domain, bDom.id);
    hwIs(l.dev("b"), bDom, "b's hardware on its own new domain");
    groupIs(l.group("b"), bDom, "b's group on its own new domain");
  });
}

test("type1 pre-2022: an ENXIO merge failure (not EINVAL) still ends attached-new, with the dev_err printed (pre-2022)", () => {
  const l = twoSmmus("pre-2022");
  const c = new VfioContainer("c0", "v2");
  vfio(l, c, "a");
  const b = vfio(l, c, "b");
  assert.is(b.outcome, "attached-new", "not a hard failure");
  assert.is(b.ret, 0);
  assert.equal(b.log.map((x) => `${x.level}:${x.text}`), ["err:cannot attach to SMMU smmu0 (upstream of smmu1)"], "the probe for reuse prints an error");
  assert.is(b.spam, 1, "one spam line for a successful request");
});

test("type1 2014-nesting: the plain v2 type merges like later eras (2014-nesting)", () => {
  const l = singles("2014-nesting", "intel-vtd", ["nic", "nvme"]);
  const c = new VfioContainer("c0", "v2");
  assert.equal(counts(vfio(l, c, "nic")), { outcome: "attached-new", errno: "0", attempts: 1, softFailures: 0, domainsAllocated: 1 });
  assert.equal(counts(vfio(l, c, "nvme")), { outcome: "attached-existing", errno: "0", attempts: 2, softFailures: 0, domainsAllocated: 1 });
});

// ---- VFIO type1: ops + coherency matching (the iGPU case) --------------------------------------

for (const era of ["einval-6.2", "mainline-2025"] as const) {
  test(`type1 iGPU: enforce_cache_coherency differs, no merge attempt, two domains (${era})`, () => {
    const l = igpuPlatform(era);
    const c = new VfioContainer("c0", "v2");
    vfio(l, c, "nic");
    const igpu = vfio(l, c, "igpu");
    assert.equal(counts(igpu), { outcome: "attached-new", errno: "0", attempts: 1, softFailures: 0, domainsAllocated: 1 }, "igpu: not even tried against nic's domain");
    assert.is(c.domains.length, 2, "two domains");
    assert.equal(c.domains.map((d) => d.coherent), [true, false], "nic's domain enforces coherency, the iGPU's cannot");
    const nvme = vfio(l, c, "nvme");
    assert.equal(counts(nvme), { outcome: "attached-existing", errno: "0", attempts: 2, softFailures: 0, domainsAllocated: 1 }, "nvme merges into nic's domain");
    assert.is(nvme.domain, c.domains[0]!.domain.id);
  });
}

test("type1 iGPU: V510's IOMMU_CAP_CACHE_COHERENCY is bus-wide, so the iGPU merges into one domain (pre-2022)", () => {
  const l = igpuPlatform("pre-2022");
  const c = new VfioContainer("c0", "v2");
  vfio(l, c, "nic");
  const igpu = vfio(l, c, "igpu");
  assert.equal(counts(igpu), { outcome: "attached-existing", errno: "0", attempts: 2, softFailures: 0, domainsAllocated: 1 });
  assert.is(c.domains.length, 1);
});

test("type1 emediumtype proposal: reuse is preferred over matching coherency, the iGPU joins nic's domain (emediumtype-2022)", () => {
  const l = igpuPlatform("emediumtype-2022");
  const c = new VfioContainer("c0", "v2");
  vfio(l, c, "nic");
  const igpu = vfio(l, c, "igpu");
  assert.equal(counts(igpu), { outcome: "attached-existing", errno: "0", attempts: 1, softFailures: 0, domainsAllocated: 0 });
  assert.is(c.domains.length, 1);
});

// ---- VFIO type1: the emediumtype-2022 try-existing-first loop ---------------------------------

test("type1 emediumtype: existing domains first; EMEDIUMTYPE -> try the next / allocate (emediumtype-2022)", () => {
  const l = twoSmmus("emediumtype-2022");
  const c = new VfioContainer("c0", "v2");
  assert.equal(counts(vfio(l, c, "a")), { outcome: "attached-new", errno: "0", attempts: 1, softFailures: 0, domainsAllocated: 1 });
  const b = vfio(l, c, "b");
  assert.equal(counts(b), { outcome: "attached-new", errno: "0", attempts: 2, softFailures: 1, domainsAllocated: 1 }, "b: one EMEDIUMTYPE, then a new domain");
  assert.equal(b.log.map((x) => x.level), [], "the proposal as last posted (v6) deleted the dev_err");
  assert.is(b.spam, 0);
  const cOut = vfio(l, c, "c");
  assert.equal(counts(cOut), { outcome: "attached-existing", errno: "0", attempts: 1, softFailures: 0, domainsAllocated: 0 }, "c: first candidate fits, nothing allocated");
});

test("type1 emediumtype: any other errno from an existing domain is a hard failure (emediumtype-2022)", () => {
  // With the ops comparison dropped, an SMMU group is tried against the VT-d domain first;
  // intel's !device_to_iommu path answers ENODEV, which is not EMEDIUMTYPE.
  const l = mixed("emediumtype-2022");
  const c = new VfioContainer("c0", "v2");
  vfio(l, c, "v");
  const a = vfio(l, c, "a");
  assert.equal(counts(a), { outcome: "hard-failure", errno: "ENODEV", attempts: 1, softFailures: 0, domainsAllocated: 0 });
  assert.is(a.domain, null);
  assert.is(l.group("a").owner, null, "ownership released again");
  groupIs(l.group("a"), l.group("a").defaultDomain, "back on the default domain");
  assert.is(c.domains.length, 1);
});

test("type1 allocate-then-merge compares ops: the same mixed machine never tries the VT-d domain (einval-6.2)", () => {
  const l = mixed("einval-6.2");
  const c = new VfioContainer("c0", "v2");
  vfio(l, c, "v");
  const m = mark(l.k);
  const a = vfio(l, c, "a");
  assert.equal(counts(a), { outcome: "attached-new", errno: "0", attempts: 1, softFailures: 0, domainsAllocated: 1 });
  assert.not.ok(m.called("intel_iommu_attach_device", "a"), "no attach of the SMMU group to a VT-d domain");
});

// ---- VFIO type1: allocation failure and ownership ----------------------------------------------

for (const [era, want] of [
  ["pre-2022", "EIO"],
  ["mainline-2025", "ENOMEM"],
] as const) {
  test(`type1: a failed domain allocation is ${want} (${era})`, () => {
    // Count the allocations of a clean run, then fail the last one (the new domain).
    const probe = singles(era, "intel-vtd", ["nic"]);
    const from = probe.k.allocations;
    vfio(probe, new VfioContainer("c0", "v2"), "nic");
    const nth = probe.k.allocations;
    assert.ok(nth > from, "fixture: the request allocates");
    const l = singles(era, "intel-vtd", ["nic"], {}, { failNth: nth });
    const o = vfio(l, new VfioContainer("c0", "v2"), "nic");
    assert.equal(counts(o), { outcome: "hard-failure", errno: want, attempts: 0, softFailures: 0, domainsAllocated: 0 });
    assert.is(l.group("nic").owner, null, "ownership released");
  });
}

test("type1: a require_direct device cannot be owned by VFIO (EINVAL from the claim, no attach) (mainline-2025)", () => {
  const l = singles("mainline-2025", "intel-vtd", ["rmrr"], { rmrr: { requireDirect: true } });
  const o = vfio(l, new VfioContainer("c0", "v2"), "rmrr");
  assert.equal(counts(o), { outcome: "hard-failure", errno: "EINVAL", attempts: 0, softFailures: 0, domainsAllocated: 0 });
  assert.equal(o.log.map((x) => x.level), ["warn"], "the dev_warn");
  hwIs(l.dev("rmrr"), l.group("rmrr").defaultDomain, "stays 1:1");
});

// ---- VFIO type1: VFIO_TYPE1_NESTING_IOMMU -------------------------------------------------------

test("type1 nesting 2014: intel-vtd refuses DOMAIN_ATTR_NESTING, a hard EINVAL (2014-nesting)", () => {
  const l = singles("2014-nesting", "intel-vtd", ["nic"]);
  const c = new VfioContainer("c0", "nesting");
  const m = mark(l.k);
  const o = vfio(l, c, "nic");
  assert.equal(counts(o), { outcome: "hard-failure", errno: "EINVAL", attempts: 0, softFailures: 0, domainsAllocated: 1 });
  const fns = m.fns();
  const setAttr = m.calls("iommu_domain_set_attr(DOMAIN_ATTR_NESTING)")[0];
  assert.ok(setAttr && errnoName(setAttr.ret ?? 0) === "EINVAL", "iommu_domain_set_attr returned EINVAL");
  assert.ok(fns.indexOf("iommu_domain_free") > fns.indexOf("iommu_domain_set_attr(DOMAIN_ATTR_NESTING)"), "goto out_domain: the domain is freed");
  assert.not.ok(m.called("iommu_attach_group"), "the group is never attached to it");
  assert.is(c.domains.length, 0);
  assert.is(l.group("nic").owner, null, "ownership released");
  groupIs(l.group("nic"), l.group("nic").defaultDomain, "back on default");
});

test("type1 nesting 2014: arm-smmu-v3 does not exist yet (buildPlatform throws LabArgumentError) (2014-nesting)", () => {
  const k = new Kernel({ era: "2014-nesting", drivers });
  throwsNamed(
    () => buildPlatform(k, { instances: [{ id: "smmu0", driver: "arm-smmu-v3" }], devices: [{ id: "a", instance: "smmu0" }] }),
    "LabArgumentError",
    "arm-smmu-v3 in 2014",
  );
});

test("type1 nesting: the uAPI type is gone (ENODEV), nothing is attached (mainline-2025)", () => {
  const l = singles("mainline-2025", "intel-vtd", ["nic"]);
  const m = mark(l.k);
  const o = vfio(l, new VfioContainer("c0", "nesting"), "nic");
  assert.equal(counts(o), { outcome: "hard-failure", errno: "ENODEV", attempts: 0, softFailures: 0, domainsAllocated: 0 });
  assert.not.ok(m.called("iommu_group_claim_dma_owner"), "refused before touching the group");
  assert.is(l.group("nic").owner, null);
});

// ---- iommufd: the auto-domain search ---------------------------------------------------------

for (const era of ["2014-nesting", "pre-2022", "emediumtype-2022"] as const) {
  test(`iommufd does not exist before v6.2 (EraUnavailableError) (${era})`, () => {
    const l = singles(era, "intel-vtd", ["nic"]);
    throwsNamed(() => iommufdDeviceAttachIoas(l.k, new IommufdCtx(), new Ioas("ioas1"), l.dev("nic")), "EraUnavailableError", "iommufd");
  });
}

for (const era of IOMMUFD_ERAS) {
  test(`iommufd auto domain: a new hwpt when nothing matches, reuse when compatible (${era})`, () => {
    const l = twoSmmus(era);
    const ctx = new IommufdCtx();
    const ioas = new Ioas("ioas1");
    const a = iommufdDeviceAttachIoas(l.k, ctx, ioas, l.dev("a"));
    assert.equal(counts(a), { outcome: "attached-new", errno: "0", attempts: 1, softFailures: 0, domainsAllocated: 1 }, "a: empty IOAS");
    assert.is(ioas.hwpts.length, 1);
    const hwpt = ioas.hwpts[0]!;
    assert.ok(hwpt.autoDomain, "marked auto_domain");
    hwIs(l.dev("a"), hwpt.domain, "a's hardware on the auto domain");
    const c = iommufdDeviceAttachIoas(l.k, ctx, ioas, l.dev("c"));
    assert.equal(counts(c), { outcome: "attached-existing", errno: "0", attempts: 1, softFailures: 0, domainsAllocated: 0 }, "c: same SMMU, reused");
    assert.is(c.domain, hwpt.domain.id);
    hwIs(l.dev("c"), hwpt.domain, "c on the same domain");
  });

  test(`iommufd auto domain: EINVAL -> continue, then a new hwpt (${era})`, () => {
    const l = twoSmmus(era);
    const ctx = new IommufdCtx();
    const ioas = new Ioas("ioas1");
    iommufdDeviceAttachIoas(l.k, ctx, ioas, l.dev("a"));
    const b = iommufdDeviceAttachIoas(l.k, ctx, ioas, l.dev("b"));
    assert.equal(counts(b), { outcome: "attached-new", errno: "0", attempts: 2, softFailures: 1, domainsAllocated: 1 }, "b: behind another SMMU");
    assert.is(ioas.hwpts.length, 2);
    assert.not.ok(b.log.some((x) => x.level === "err"), "no dev_err for a soft failure");
    hwIs(l.dev("b"), ioas.hwpts[1]!.domain, "b on the second hwpt");
  });

  test(`iommufd igroup rule: another device of the group attached elsewhere -> EINVAL everywhere, even the new hwpt (${era})`, () => {
    const l = lab(era, {
      instances: [{ id: "smmu0", driver: "arm-smmu-v3" }],
      devices: [{ id: "a", instance: "smmu0", group: "g" }, { id: "b", instance: "smmu0", group: "g" }],
    });
    const ctx = new IommufdCtx();
    const io1 = new Ioas("ioas1");
    const io2 = new Ioas("ioas2");
    iommufdDeviceAttachIoas(l.k, ctx, io1, l.dev("a"));
    const b2 = iommufdDeviceAttachIoas(l.k, ctx, io2, l.dev("b"));
    assert.equal(counts(b2), { outcome: "hard-failure", errno: "EINVAL", attempts: 1, softFailures: 0, domainsAllocated: 1 }, "b into another IOAS");
    assert.is(io2.hwpts.length, 0, "the new hwpt is aborted");
    const b1 = iommufdDeviceAttachIoas(l.k, ctx, io1, l.dev("b"));
    assert.equal(counts(b1), { outcome: "attached-existing", errno: "0", attempts: 1, softFailures: 0, domainsAllocated: 0 }, "b into a's IOAS");
  });
}

for (const era of ["einval-6.2", "mainline-2025"] as const) {
  test(`iommufd iGPU: EINVAL from force snooping -> a separate hwpt; nvme reuses nic's (${era})`, () => {
    const l = igpuPlatform(era);
    const ctx = new IommufdCtx();
    const ioas = new Ioas("ioas1");
    iommufdDeviceAttachIoas(l.k, ctx, ioas, l.dev("nic"));
    const igpu = iommufdDeviceAttachIoas(l.k, ctx, ioas, l.dev("igpu"));
    assert.equal(counts(igpu), { outcome: "attached-new", errno: "0", attempts: 2, softFailures: 1, domainsAllocated: 1 });
    const nvme = iommufdDeviceAttachIoas(l.k, ctx, ioas, l.dev("nvme"));
    assert.equal(counts(nvme), { outcome: "attached-existing", errno: "0", attempts: 1, softFailures: 0, domainsAllocated: 0 });
    assert.is(nvme.domain, ioas.hwpts[0]!.domain.id);
  });
}

/**
 * Three devices on one IOAS: a (smmu0), v (VT-d), b (smmu1). b is refused by a's hwpt (smmu
 * mismatch, EINVAL) and then tried against v's VT-d hwpt.
 */
function mixedIoas(era: EraId) {
  const l = mixed(era, [{ id: "b", instance: "smmu1" }]);
  const ctx = new IommufdCtx();
  const ioas = new Ioas("ioas1");
  const a = iommufdDeviceAttachIoas(l.k, ctx, ioas, l.dev("a"));
  const v = iommufdDeviceAttachIoas(l.k, ctx, ioas, l.dev("v"));
  assert.is(a.outcome, "attached-new", "fixture: a");
  assert.is(v.outcome, "attached-new", "fixture: v");
  return { l, ctx, ioas };
}

test("iommufd: any errno but EINVAL fails the ioctl - intel's ENODEV for a foreign device, no owner check yet (einval-6.2)", () => {
  const { l, ctx, ioas } = mixedIoas("einval-6.2");
  const b = iommufdDeviceAttachIoas(l.k, ctx, ioas, l.dev("b"));
  assert.equal(counts(b), { outcome: "hard-failure", errno: "ENODEV", attempts: 2, softFailures: 1, domainsAllocated: 0 });
  assert.is(b.domain, null);
  assert.is(ioas.hwpts.length, 2, "no hwpt added");
  assert.not.ok(ioas.hwpts.some((h) => l.dev("b").hwDomain === h.domain), "b is on none of the hwpts");
});

for (const era of ["mainline-2025", "test-dev-2025"] as const) {
  test(`iommufd: the same search succeeds once the core owner check turns the foreign domain into EINVAL (${era})`, () => {
    const { l, ctx, ioas } = mixedIoas(era);
    const b = iommufdDeviceAttachIoas(l.k, ctx, ioas, l.dev("b"));
    assert.equal(counts(b), { outcome: "attached-new", errno: "0", attempts: 3, softFailures: 2, domainsAllocated: 1 });
    hwIs(l.dev("b"), ioas.hwpts[2]!.domain, "b on a third hwpt");
  });
}

test("iommufd: EBUSY from binding a device whose group has a PASID attached is a hard failure (mainline-2025)", () => {
  const l = singles("mainline-2025", "arm-smmu-v3", ["p"], { p: { maxPasids: 16 } });
  assert.is(errnoName(iommuAttachDevicePasid(l.k, alloc(l.k, l.dev("p")), l.dev("p"), 1)), "0", "fixture: PASID in use");
  const o = iommufdDeviceAttachIoas(l.k, new IommufdCtx(), new Ioas("ioas1"), l.dev("p"));
  assert.equal(counts(o), { outcome: "hard-failure", errno: "EBUSY", attempts: 0, softFailures: 0, domainsAllocated: 0 });
});

test("iommufd unbind: the group goes back to its default domain and ownership is released (mainline-2025)", () => {
  const l = singles("mainline-2025", "arm-smmu-v3", ["a"]);
  const ctx = new IommufdCtx();
  iommufdDeviceAttachIoas(l.k, ctx, new Ioas("ioas1"), l.dev("a"));
  assert.is(l.group("a").owner, "iommufd");
  iommufdDeviceUnbind(l.k, ctx, l.dev("a"));
  assert.is(l.group("a").owner, null);
  groupIs(l.group("a"), l.group("a").defaultDomain, "default domain");
  hwIs(l.dev("a"), l.group("a").defaultDomain, "hardware on default");
});

// ---- The cache-coherency gate (e8ae0e140c05, v5.19; iommufd_device_bind) ------------------------

const GATE_ERAS: EraId[] = ["emediumtype-2022", "einval-6.2", "mainline-2025", "test-dev-2025"];

/** One instance of `driver` (props `inst`) with a single device "dev". */
function one(era: EraId, driver: string, inst: Record<string, number | boolean | string> = {}): Lab {
  return lab(era, { instances: [{ id: "i0", driver, props: inst }], devices: [{ id: "dev", instance: "i0" }] });
}

test("coherency gate: VFIO refuses a device whose IOMMU does not report IOMMU_CAP_CACHE_COHERENCY (EINVAL, nothing attached) from v5.19 only", () => {
  for (const era of ["pre-2022", ...GATE_ERAS] as EraId[]) {
    const l = one(era, "sprd-iommu");
    const before = l.group("dev").domain;
    const m = mark(l.k);
    const o = vfio(l, new VfioContainer("c0", "v2"), "dev");
    if (era === "pre-2022") {
      assert.is(o.outcome, "attached-new", `${era}: no gate before v5.19`);
      continue;
    }
    assert.equal(counts(o), { outcome: "hard-failure", errno: "EINVAL", attempts: 0, softFailures: 0, domainsAllocated: 0 }, era);
    assert.match(o.detail ?? "", /vfio_register_group_dev\(\) refused dev: its IOMMU does not report IOMMU_CAP_CACHE_COHERENCY/, era);
    assert.ok(m.called("vfio_register_group_dev"), `${era}: the refusal is in the trace`);
    assert.not.ok(m.called("iommu_group_claim_dma_owner"), `${era}: refused before the group is claimed`);
    groupIs(l.group("dev"), before, `${era}: the group keeps its domain`);
  }
});

test("coherency gate: iommufd_device_bind() refuses such a device with EINVAL before it claims ownership", () => {
  for (const era of IOMMUFD_ERAS) {
    const l = one(era, "apple-dart");
    const ctx = new IommufdCtx();
    const o = iommufdDeviceAttachIoas(l.k, ctx, new Ioas("ioas0"), l.dev("dev"));
    assert.equal(counts(o), { outcome: "hard-failure", errno: "EINVAL", attempts: 0, softFailures: 0, domainsAllocated: 0 }, era);
    assert.match(o.detail ?? "", /iommufd_device_bind\(\) refused dev/, era);
    assert.not.ok(ctx.bound.has(l.dev("dev")), `${era}: not bound`);
    assert.is(l.group("dev").owner, null, `${era}: ownership never claimed`);
  }
});

test("coherency gate: each driver's .capable answer per era (intel true from v5.19, virtio from v6.0, arm-smmu by COHERENT_WALK from v6.1)", () => {
  const cases: Array<[string, Record<string, number | boolean | string>, EraId, boolean]> = [
    // f78dc1dad829: intel reports IOMMU_CAP_CACHE_COHERENCY even on a unit without snoop control.
    ["intel-vtd", { snoopControl: false }, "emediumtype-2022", true],
    ["intel-vtd", { snoopControl: false }, "mainline-2025", true],
    // virtio-iommu had no .capable in v5.19 ("iommu/virtio: Fix interaction with VFIO", v6.0).
    ["virtio-iommu", {}, "emediumtype-2022", false],
    ["virtio-iommu", {}, "einval-6.2", true],
    // arm-smmu: true up to v6.0, then ARM_SMMU_FEAT_COHERENT_WALK (df198b37e72c).
    ["arm-smmu", { coherentWalk: false }, "emediumtype-2022", true],
    ["arm-smmu", { coherentWalk: false }, "einval-6.2", false],
    ["arm-smmu", { coherentWalk: true }, "mainline-2025", true],
    ["s390-iommu", {}, "mainline-2025", true],
    ["amd-iommu", {}, "mainline-2025", true],
    ["mtk-iommu-v1", {}, "einval-6.2", false],
    ["tegra-gart", {}, "emediumtype-2022", false],
  ];
  for (const [driver, inst, era, passes] of cases) {
    const l = one(era, driver, inst);
    const o = vfio(l, new VfioContainer("c0", "v2"), "dev");
    assert.is(o.errno === "EINVAL" && /vfio_register_group_dev/.test(o.detail ?? ""), !passes, `${driver} ${JSON.stringify(inst)} in ${era}: ${o.outcome} ${o.errno}`);
  }
});

test.run();
