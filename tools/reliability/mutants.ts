/**
 * Deliberate bugs in the attach core, for the mutation test of the fuzzer (test/fuzz-mutants.test.ts):
 * each one is a bug the kernel could plausibly have, installed on one Kernel instance by wrapping
 * its calls (Kernel.call runs every core function by its kernel name), never by editing lib/core.
 * The fuzzer must report a violation for each, and `caughtBy` names the promise that should.
 */
import { groupSetDomain } from "../../lib/core/set-domain.ts";
import { opsCompatible } from "../../lib/core/test-dev.ts";
import { driverSetDevPasid } from "../../lib/driver.ts";
import { neg, type Ret } from "../../lib/errno.ts";
import type { EraId } from "../../lib/eras.ts";
import type { Domain, Kernel } from "../../lib/model.ts";
import type { TraceEvent } from "../../lib/trace.ts";

export interface Mutant {
  id: string;
  /** The bug, in kernel terms. */
  bug: string;
  /** Eras whose kernel has the code the bug is in, and whose promises should catch it. */
  eras: readonly EraId[];
  /** Pieces of violation text, one per promise that may catch the bug first (any of them will do). */
  caughtBy: readonly string[];
  install(k: Kernel): void;
}

interface Frame {
  fn: string;
  args: TraceEvent["args"];
}

type Around = (fn: string, args: TraceEvent["args"], body: () => Ret, next: (body: () => Ret) => Ret, stack: readonly Frame[]) => Ret;

/** Wrap every k.call of this kernel; `stack` holds the calls in progress, the current one last. */
function around(k: Kernel, f: Around): Frame[] {
  const call = k.call.bind(k);
  const stack: Frame[] = [];
  k.call = (fn, args, body) => {
    stack.push({ fn, args });
    try {
      return f(fn, args, body, (b) => call(fn, args, b), stack);
    } finally {
      stack.pop();
    }
  };
  return stack;
}

function domainById(k: Kernel, id: unknown): Domain {
  const d = k.domains.get(String(id));
  if (d) return d;
  for (const s of k.staticDomains.values()) for (const x of [s.blocked, s.identity]) if (x.id === id) return x;
  throw new Error(`mutant: no domain ${String(id)}`);
}

const parent = (stack: readonly Frame[]) => stack[stack.length - 2];
/** An err_revert call: __iommu_device_set_domain with MUST_SUCCEED inside a flags-0 group walk. */
const isRevert = (fn: string, args: TraceEvent["args"], stack: readonly Frame[]) =>
  fn === "__iommu_device_set_domain" && args["flags"] === 1 && parent(stack)?.fn === "__iommu_group_set_domain_internal" && parent(stack)!.args["flags"] === 0;

/** The invariant "every device of a group is on group->domain" (invariants.ts, eras with rollback). */
const RID = " but group ";

const ROLLBACK_ERAS: readonly EraId[] = ["mainline-2025", "test-dev-2025"];
const ALL_ERAS: readonly EraId[] = ["pre-2022", "einval-6.2", "mainline-2025"];

export const MUTANTS: readonly Mutant[] = [
  {
    id: "no-err-revert",
    bug: "__iommu_group_set_domain_internal: on error, skip err_revert (the devices before the failing one stay on new_domain)",
    eras: ROLLBACK_ERAS,
    caughtBy: ["not rolled back after a failed attach", RID],
    install: (k) => around(k, (fn, args, body, next, stack) => (isRevert(fn, args, stack) ? 0 : next(body))),
  },
  {
    id: "revert-after-commit",
    bug: "__iommu_group_set_domain_internal: wrong order - group->domain = new_domain is set before err_revert runs, so the failed call leaves group->domain on new_domain",
    eras: ROLLBACK_ERAS,
    caughtBy: ["group->domain changed on a failed attach", RID],
    install: (k) =>
      around(k, (fn, args, body, next, stack) => {
        if (isRevert(fn, args, stack)) {
          const walk = parent(stack)!;
          k.setGroupDomain(k.groups.get(String(walk.args["group"]))!, domainById(k, walk.args["domain"]));
        }
        return next(body);
      }),
  },
  {
    id: "no-group-domain",
    bug: "__iommu_group_set_domain[_internal]: every device attached, but group->domain is not set to new_domain",
    eras: ALL_ERAS,
    caughtBy: ["returned 0 but group->domain is", RID],
    install: (k) => {
      const stack = around(k, (_fn, _args, body, next) => next(body));
      const set = k.setGroupDomain.bind(k);
      k.setGroupDomain = (g, d) => {
        const top = stack[stack.length - 1];
        if ((top?.fn === "__iommu_group_set_domain_internal" || top?.fn === "__iommu_group_set_domain") && top.args["flags"] === 0) return;
        set(g, d);
      };
    },
  },
  {
    id: "ebusy-non-core",
    bug: "__iommu_attach_group: no -EBUSY when group->domain is a caller's domain (neither default nor blocking): a second user takes the group over",
    eras: ALL_ERAS,
    caughtBy: ["__iommu_attach_group must return -EBUSY"],
    install: (k) =>
      around(k, (fn, args, body, next) => {
        if (fn !== "__iommu_attach_group") return next(body);
        const g = k.groups.get(String(args["group"]))!;
        const domain = domainById(k, args["domain"]);
        return next(() => {
          if (k.features.coreOwnerCheck === "attach-group" && (!g.devices[0] || !opsCompatible(g.devices[0], domain))) return neg("EINVAL");
          return groupSetDomain(k, g, domain);
        });
      }),
  },
  {
    id: "keep-attach-deferred",
    bug: "__iommu_device_set_domain / __iommu_attach_device: attach_deferred is not cleared by a real attach, so the next move to the default domain skips the device",
    eras: ALL_ERAS,
    caughtBy: ["returned 0 but device", RID],
    install: (k) =>
      around(k, (fn, args, body, next) => {
        if (fn !== "__iommu_attach_device" && fn !== "__iommu_device_set_domain") return next(body);
        const dev = k.devices.get(String(args["dev"]))!;
        const was = dev.attachDeferred;
        try {
          return next(body);
        } finally {
          dev.attachDeferred = was;
        }
      }),
  },
  {
    id: "no-pasid-rollback",
    bug: "__iommu_set_group_pasid: when set_dev_pasid fails on a device, the devices of the group that succeeded before it are not undone",
    eras: ROLLBACK_ERAS,
    caughtBy: ["PASID state changed on a failed PASID attach/replace", "not in pasid_array", "pasid_array says"],
    install: (k) =>
      around(k, (fn, args, body, next) => {
        if (fn !== "__iommu_set_group_pasid") return next(body);
        const g = k.groups.get(String(args["group"]))!;
        const domain = domainById(k, args["domain"]);
        const old = args["old"] === "NULL" ? null : domainById(k, args["old"]);
        const pasid = Number(args["pasid"]);
        return next(() => {
          for (const dev of g.devices) {
            if (dev.maxPasids === 0) continue;
            const res = driverSetDevPasid(k, domain, dev, pasid, old);
            if (res.ret) return res.ret;
            if (res.attach) dev.hwPasid.set(pasid, domain);
          }
          return 0;
        });
      }),
  },
  {
    id: "leak-pasid",
    bug: "iommu_attach_device_pasid: when __iommu_set_group_pasid fails, the reserved pasid_array entry is kept (no xa_release): the PASID leaks, marked attached to a domain no device has",
    eras: ROLLBACK_ERAS,
    caughtBy: ["PASID state changed on a failed PASID attach/replace", "not in pasid_array", "pasid_array says"],
    install: (k) => {
      let setFailed = false;
      around(k, (fn, args, body, next, stack) => {
        if (fn === "__iommu_set_group_pasid") {
          const ret = next(body);
          if (parent(stack)?.fn === "iommu_attach_device_pasid") setFailed = ret !== 0;
          return ret;
        }
        if (fn !== "iommu_attach_device_pasid") return next(body);
        setFailed = false;
        const ret = next(body);
        const g = k.devices.get(String(args["dev"]))!.group;
        if (setFailed && g) k.setGroupPasid(g, Number(args["pasid"]), { domain: domainById(k, args["domain"]), handle: null });
        return ret;
      });
    },
  },
  {
    id: "reset-no-ebusy",
    bug: "__iommu_group_set_domain_internal: no -EBUSY while group->resetting_domain is set, so an attach during a PCI reset moves the device off the blocking domain it was parked on",
    eras: ROLLBACK_ERAS,
    caughtBy: ["is not parked on the blocking domain during its reset"],
    install: (k) =>
      around(k, (fn, args, body, next) => {
        if (fn !== "__iommu_group_set_domain_internal") return next(body);
        const g = k.groups.get(String(args["group"]))!;
        const saved = g.resettingDomain;
        g.resettingDomain = null;
        try {
          return next(body);
        } finally {
          g.resettingDomain = saved;
        }
      }),
  },
];
