/**
 * The Kernel's index of domain users (devicesOn, instancesOn, groupsOn, domainsBehind,
 * domainsFinalisedTo) against what a scan of every device, group and domain says, through
 * attach, replace, detach and free; and the invariant checker catching a field written
 * behind the index's back.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { domainFree, domainUsers, iommuAttachGroup, iommuDetachGroup, type Domain, type Kernel } from "../lib/index.ts";
import { checkInvariants } from "../tools/reliability/invariants.ts";
import { alloc, lab, type Lab } from "./helpers.ts";

/** Three devices on two DMAR units; nic and nvme share group "g". */
function fixture(): Lab {
  return lab("mainline-2025", {
    instances: [{ id: "dmar0", driver: "intel-vtd" }, { id: "dmar1", driver: "intel-vtd" }],
    devices: [
      { id: "nic", instance: "dmar0", group: "g" },
      { id: "nvme", instance: "dmar0", group: "g" },
      { id: "gpu", instance: "dmar1" },
    ],
  });
}

const ids = (xs: Iterable<{ id: string }>) => [...xs].map((x) => x.id).sort();

/** The index answers what a full scan answers, for every live domain and every instance. */
function agrees(k: Kernel, extra: Domain[] = []): void {
  const domains = new Set<Domain>([...k.domains.values(), ...extra]);
  for (const g of k.groups.values()) if (g.domain) domains.add(g.domain);
  for (const d of domains) {
    const devs = [...k.devices.values()].filter((x) => x.hwDomain === d);
    assert.equal(ids(k.devicesOn(d)), ids(devs), `devicesOn(${d.id})`);
    assert.equal(ids(k.instancesOn(d)), ids(new Set(devs.flatMap((x) => (x.instance ? [x.instance] : [])))), `instancesOn(${d.id})`);
    assert.equal(ids(k.groupsOn(d)), ids([...k.groups.values()].filter((g) => g.domain === d)), `groupsOn(${d.id})`);
  }
  for (const inst of k.instances.values()) {
    const behind = new Set([...k.devices.values()].filter((x) => x.instance === inst && x.hwDomain).map((x) => x.hwDomain!));
    assert.equal(ids(k.domainsBehind(inst)), ids(behind), `domainsBehind(${inst.id})`);
    assert.equal(ids(k.domainsFinalisedTo(inst)), ids([...k.domains.values()].filter((d) => d.instance === inst)), `domainsFinalisedTo(${inst.id})`);
  }
}

test("the index follows probe, attach, detach and free", () => {
  const { k, dev, group } = fixture();
  agrees(k);
  const g = group("g");
  const def = g.defaultDomain!;
  assert.equal(ids(k.devicesOn(def)), ["nic", "nvme"]);

  const d = alloc(k, dev("nic"));
  assert.is(iommuAttachGroup(k, d, g), 0);
  assert.is(iommuAttachGroup(k, d, group("gpu")), 0);
  agrees(k);
  assert.equal(ids(k.devicesOn(d)), ["gpu", "nic", "nvme"]);
  assert.equal(ids(k.instancesOn(d)), ["dmar0", "dmar1"]);
  assert.equal(k.devicesOn(def).size, 0, "the default domain has nobody on it any more");
  assert.ok(domainUsers(k, d).length > 0);

  iommuDetachGroup(k, d, g);
  iommuDetachGroup(k, d, group("gpu"));
  agrees(k);
  assert.equal(ids(k.instancesOn(d)), []);
  assert.equal(domainUsers(k, d), []);
  domainFree(k, d);
  agrees(k, [d]);
  assert.not.ok(k.log.some((l) => l.level === "WARN"), "freeing an unused domain warns nothing");
});

test("many attach and detach rounds keep the index equal to a scan", () => {
  const { k, dev, group } = fixture();
  const ds = [alloc(k, dev("nic")), alloc(k, dev("gpu")), alloc(k, dev("nvme"))];
  for (let i = 0; i < 30; i++) {
    const d = ds[i % 3]!;
    const g = group(i % 2 ? "g" : "gpu");
    iommuAttachGroup(k, d, g);
    if (i % 5 === 0) iommuDetachGroup(k, g.domain!, g);
    agrees(k);
  }
  assert.equal(checkInvariants(k), []);
});

test("a field written behind the index is reported by the invariant checker", () => {
  const { k, dev } = fixture();
  const d = alloc(k, dev("nic"));
  assert.equal(checkInvariants(k), []);
  dev("gpu").hwDomain = d; // not through Kernel.setHwDomain
  assert.ok(checkInvariants(k).some((v) => v.includes("gpu") && v.includes("users index")));
  const { k: k2, dev: dev2, group: group2 } = fixture();
  group2("gpu").domain = alloc(k2, dev2("gpu"));
  assert.ok(checkInvariants(k2).some((v) => v.includes("group gpu") && v.includes("users index")));
});

test.run();
