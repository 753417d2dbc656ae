/**
 * The compressed engine's subscriber of the kernel's event stream (KernelObserver): what one
 * transition read besides its own group, which domains it touched, and (verify mode) whether
 * it changed another group. Events outside a transition (between end() and begin()) are the
 * engine's own queries and are ignored.
 */
import type { Ret } from "../../lib/errno.ts";
import type { LogLine } from "../../lib/log.ts";
import type { Device, Domain, Group, IommuInstance, KernelChange, KernelObserver, KernelRead, PasidEntry } from "../../lib/model.ts";
import type { TraceEvent } from "../../lib/trace.ts";

/** Push x unless it is null or in `a` already (a few entries: a scan beats a Set). */
export function addOnce<T>(a: T[], x: T | null): void {
  if (x !== null && !a.includes(x)) a.push(x);
}

/**
 * Empty `a` and keep its storage: V8 drops an array's backing store at `a.length = 0`, so the
 * next push allocates a new one (arrays emptied once per simulated transition: a tenth of the
 * engine's garbage with the kernel's log); pop does not.
 */
export function empty(a: unknown[]): void {
  while (a.length) a.pop();
}

export class Watch implements KernelObserver {
  private on = false;
  private group: Group | null = null;
  /** Domains asked "who is on it" about (k.devicesOn, k.groupsOn: "dev"; k.instancesOn: "inst"). */
  readonly asked: Domain[] = [];
  readonly askedKind: Array<"dev" | "inst"> = [];
  /** Instances whose domains were asked for (k.domainsBehind). */
  readonly behind = new Set<string>();
  /** Instances whose pool was read (k.domainsFinalisedTo). */
  readonly pools = new Set<string>();
  /** k.devices or k.groups iterated, or k.domainsBehind asked: who is behind the instance was read. */
  scanned = false;
  /** The innermost kernel function running when k.domains was iterated, or null. */
  domainsScanned: string | null = null;
  /** Kernel functions entered and not yet left, innermost last. */
  private readonly running: string[] = [];
  /** Domains added by the transition. */
  readonly added = new Set<Domain>();
  /** Domains added, removed, finalised, or named by an argument of a kernel function (their props may have changed), each once: pools re-count them. */
  readonly dirty: Domain[] = [];
  /**
   * Positions of the consumer's list named by an argument of a kernel function (the domains the
   * request tried), each once. Arrays, not Sets: a few entries, and emptying a Set allocates.
   */
  readonly touched: number[] = [];
  /** Verify mode: groups the transition changed through a setter (its own, or one it must not change). */
  readonly changedGroups = new Set<Group>();
  /** The kernel's live domains by id (set once the kernel exists; a table, not a closure: code that calls one closure per engine is thrown away when the next engine's comes). */
  domains: ReadonlyMap<string, Domain> = new Map();

  constructor(
    /** Ids of the consumer's list (domain ids and iommufd hwpt ids) by position, kept by the engine. */
    private readonly heldIds: ReadonlyMap<string, number>,
    /** Track dirty domains (only when some driver of the fleet reads pools). */
    private readonly trackDirty: boolean,
    /** Refuse a transition that changes another group (assumption 1). */
    private readonly verify: boolean,
  ) {}

  /** A transition starts; `g` is its group when it exists already (a request). */
  begin(g: Group | null): void {
    this.on = true;
    this.group = g;
    // Clearing a Set allocates a new table even when it is empty.
    if (this.behind.size) this.behind.clear();
    if (this.pools.size) this.pools.clear();
    if (this.added.size) this.added.clear();
    empty(this.dirty);
    empty(this.touched);
    if (this.changedGroups.size) this.changedGroups.clear();
    empty(this.asked);
    empty(this.askedKind);
    this.scanned = false;
    this.domainsScanned = null;
  }

  /** The transition ended: stop listening (the engine's own queries follow). */
  end(): this {
    this.on = false;
    return this;
  }

  enter(fn: string, args: TraceEvent["args"]): void {
    this.running.push(fn);
    if (!this.on) return;
    // Nothing to look up while the consumer holds nothing (probes) and no pool is counted.
    if (this.heldIds.size === 0 && !this.trackDirty) return;
    // Kernel functions name a domain by the argument "domain" or "old", an iommufd hwpt by "hwpt"
    // (lib/ and hardware/ call sites). Reading those three is far cheaper than walking every
    // argument of every call; verify mode walks them all and refuses an id named otherwise.
    if (this.verify) this.otherNames(fn, args);
    const { domain, old, hwpt } = args;
    if (typeof domain === "string") this.named(domain);
    if (typeof old === "string") this.named(old);
    if (typeof hwpt === "string") this.named(hwpt);
  }

  /** An argument value that may be a domain id or a hwpt id. */
  private named(v: string): void {
    if (this.heldIds.size > 0) addOnce(this.touched, this.heldIds.get(v) ?? null);
    if (this.trackDirty) addOnce(this.dirty, this.domains.get(v) ?? null);
  }

  /** Verify mode: no argument other than domain, old and hwpt names a held id or a live domain. */
  private otherNames(fn: string, args: TraceEvent["args"]): void {
    for (const key in args) {
      if (key === "domain" || key === "old" || key === "hwpt") continue;
      const v = args[key];
      if (typeof v === "string" && (this.heldIds.has(v) || this.domains.has(v))) {
        throw new Error(`sweep: ${fn} names ${v} by its argument "${key}"; the compressed engine reads domains and hwpts only from the arguments domain, old and hwpt (tools/sweep/watch.ts)`);
      }
    }
  }

  exit(_fn: string, _ret: Ret | undefined, _returned: boolean): void {
    this.running.pop();
  }
  log(_line: LogLine): void {}

  read(what: KernelRead, of: Domain | IommuInstance | null): void {
    if (!this.on) return;
    switch (what) {
      case "devicesOn":
      case "groupsOn":
      case "instancesOn":
        this.asked.push(of as Domain);
        this.askedKind.push(what === "instancesOn" ? "inst" : "dev");
        return;
      case "domainsBehind":
        this.behind.add((of as IommuInstance).id);
        this.scanned = true;
        return;
      case "domainsFinalisedTo":
        this.pools.add((of as IommuInstance).id);
        return;
      case "devices":
      case "groups":
        this.scanned = true;
        return;
      case "domains":
        this.domainsScanned ??= this.running.length ? this.running[this.running.length - 1]! : "kernel";
        return;
      case "groupsWithPasids":
        // Always empty: a PASID attach is refused below.
        return;
    }
  }

  change(what: KernelChange, of: Device | Group | Domain, to: Domain | IommuInstance | PasidEntry | null): void {
    if (what === "groupPasid" && to !== null) {
      throw new Error("sweep: a transition attached a PASID; the compressed engine keys on no PASID state (run this experiment with the reference engine)");
    }
    if (!this.on) return;
    if (what === "addDomain") this.added.add(of as Domain);
    if (what === "addDomain" || what === "removeDomain" || what === "finaliseDomain") {
      if (this.trackDirty) addOnce(this.dirty, of as Domain);
      return;
    }
    if (this.verify) {
      const g = what === "hwDomain" ? (of as Device).group : (of as Group);
      if (g) this.changedGroups.add(g);
      if (this.group && g !== this.group) throw new Error(`sweep: compression assumption violated: a request for ${this.group.id} changed group ${g?.id ?? "-"}`);
    }
  }
}
