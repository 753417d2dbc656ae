/**
 * The compressed engine: compute once, count many.
 *
 * A sweep cell is a sequence of transitions, one per IOMMU group in fleet order: first every
 * group's probe, then every group's consumer request. The engine keeps a real Kernel that
 * holds only some of the groups ("representatives") and runs every transition it needs
 * through the real library (buildPlatform, the consumers, the core, the drivers). A transition
 * that changed nothing the others can see but which tuples are present (it may bring its own
 * group's new state in: a twin would find it there) is remembered together with what it read;
 * a later group whose transition would read the same things is counted with the remembered
 * outcome and never materialised.
 *
 * What a transition reads:
 * - its own group: the class (instance + every member's properties, ./fleet) and the state
 *   tuple (group domain, default and blocking domains, owner and count, PASIDs, each device's
 *   hardware domain, fake attach, deferred flags). Domains are named structurally: static
 *   ones by driver and type, the group's own default/blocking domain as DEF/BLK, a domain the
 *   consumer holds by its position (H0, H1, ...), any other by its description (type, owner,
 *   instance, props, freed). No ids, so groups in the same situation have the same tuple;
 * - a request: the consumer's list up to the last domain it tried when it ended on an
 *   existing domain (both searches stop at the first success), else the whole list: each
 *   domain's description and the consumer's flags for it (coherent, auto, enforced);
 * - when kernel code iterated k.devices or k.groups, or asked for the domains behind its
 *   instance (k.domainsBehind), during the transition: which tuples are present behind the
 *   group's own instance, and on each domain of the list it tried;
 * - when kernel code asked who is on a domain (k.devicesOn, k.groupsOn, k.instancesOn): for a
 *   domain of the consumer's list, which tuples (or which instances) are on it; for the group's
 *   own default or blocking domain or one made during the transition, nothing (only the group
 *   is on it); for any other, the instance's tuples as above;
 * - when kernel code asked for the domains finalised to an instance (k.domainsFinalisedTo,
 *   a pool: context banks, context ids, one page table per instance): that instance's
 *   finalised domains, counted per description, saturated at 1 + max(64, the driver's largest
 *   numeric instance property on the platform). Such drivers are known from their steps'
 *   declared reads (Read "pool"), or found by watching the reads: the first time an
 *   undeclared one shows up the cell restarts. Kernel code iterating k.domains
 *   during a transition is refused, and so is a PASID attach (the reference engine runs such
 *   experiments).
 *
 * The engine learns all of this from the kernel's event stream (KernelObserver, ./watch):
 * reads through the Kernel's query methods and table iterations, changes through its setters,
 * and the arguments of each kernel function entered (which domains of the consumer's list a
 * request tried, which domains a driver touched). A group's state (tuple) is every field of
 * the group and its devices (./state), so a new field cannot merge different groups.
 *
 * The assumptions behind that list (checked as the engine runs with `verify`, and by the test
 * that compares it with the per-device reference engine on many small fleets):
 * 1. A transition changes only its own group, the domains it touches and the consumer's list.
 * 2. Other groups matter only by existence (is there one in this state on this domain, behind
 *    this instance), never by number, except pools (3).
 * 3. A driver counts domains only through k.domainsFinalisedTo.
 * 4. Groups not yet probed are invisible; the core asks who uses a domain only when it frees
 *    it, and consumers free only domains the same request made.
 *
 * Representatives. Phase 1 materialises a group whenever no remembered probe fits. Phase 2
 * needs, for each request it runs, a representative in the right post-probe state: one left
 * from phase 1, or the group itself probed now ("late"), accepted only if it lands in the same
 * state without changing anything (else the cell restarts with more phase-1 representatives).
 * While groups of a (class, state) remain to be served, at least one representative stays in
 * that state, and none is left once all are served, so "is there a group in this state" has
 * the same answer as in the full kernel.
 */
import { drivers as allDrivers } from "../../hardware/index.ts";
import type { DriverModel } from "../../lib/driver.ts";
import type { Domain, Group, IommuInstance } from "../../lib/model.ts";
import { Kernel } from "../../lib/model.ts";
import { buildPlatform } from "../../lib/platform.ts";
import { type Fleet, groupDevices, groupId } from "./fleet.ts";
import type { Experiment } from "./load.ts";
import { attachGroup, checkLimit, ConsumerContext, probeGroup, type Req } from "./runner.ts";
import { describeDomain, type DomainTokens, groupState, StateTokens, TokenCheck, TokenTable } from "./state.ts";
import { type Cell, type CellResult, Tally } from "./tally.ts";
import { Verified } from "./verify.ts";
import { addOnce, empty, Watch } from "./watch.ts";

export { describeDomain } from "./state.ts";

/**
 * Drivers known to read a pool (k.domainsFinalisedTo): those whose steps declare it (Read
 * "pool"), and those seen reading one elsewhere (domain_alloc, say: the cell restarts the first
 * time); kept for the life of the process.
 */
const poolDrivers = new Set<string>();

/** A driver some step of which declares a pool read. */
function declaresPool(d: DriverModel): boolean {
  for (const s of [...d.attach, ...(d.staticAttach ?? []), ...d.setDevPasid]) if (s.reads?.includes("pool")) return true;
  return false;
}

class Restart extends Error {}

/**
 * Thrown (with EngineOptions.payOff) when grouping does not pay for a cell: the caller runs it
 * per device instead (./cells). Decided from counts only, so the choice is the same on every
 * machine and run.
 */
export class GroupingDoesNotPay extends Error {
  constructor(readonly simulated: number) {
    super("grouping does not pay for this cell");
  }
}

/**
 * When grouping does not pay. A transition the engine simulates costs about 10-20 times one of
 * the per-device engine (its bookkeeping: tuples, memos, shared state), so past simulating 1 in
 * 8 transitions it loses. It gives up
 * (a) at a checkpoint in each phase (after the first 1/64 of the groups, at least 256), when 1
 *     in 8 of the transitions in the second half of that stretch changed what other groups
 *     read (the consumer's list, a pool: a new domain per VFIO container, say), so that no
 *     twin can ever be counted with them. The first half is left out: there the engine learns
 *     (a first memo per class or state, pools filling up to their caps, each a change once);
 *     on a 10^5-device mixed fleet 1 in 8 of the first 1/64 changed something but only 1 in 17
 *     of its second half, and grouping is 13 times faster than per device there;
 * (b) when its simulated transitions, restarts included, pass 1/8 of the cell's (2 per group).
 * (a) costs the probes and 1/64 of the requests at most, (b) about what the per-device run costs.
 */
const PAYS_BELOW = 8;
const CHECKPOINT_MIN = 256;

/** What Pools names a domain's description by (Engine.descId). */
interface Describer {
  descId(d: Domain): number;
}

/**
 * The pools drivers read (k.domainsFinalisedTo: context banks, context ids, domain ids), per
 * instance: the domains finalised to it, as a multiset of descriptions with each count
 * saturated at the driver's cap. Kept only for the drivers seen reading a pool, and kept up to
 * date from the domains a transition touched.
 */
class Pools {
  private readonly counted = new Map<Domain, [string, number]>();
  private readonly counts = new Map<string, Map<number, number>>();
  private readonly lanes = new Map<string, [number, number]>();
  private readonly keys = new Map<string, string>();
  /** Bumped whenever a key changes. */
  changes = 0;

  constructor(
    private readonly drivers: ReadonlySet<string>,
    private readonly cap: Map<string, number>,
    private readonly k: Kernel,
    private readonly describer: Describer,
  ) {}

  private shift(inst: string, cap: number, desc: number, by: number): void {
    let m = this.counts.get(inst);
    if (!m) this.counts.set(inst, (m = new Map()));
    let l = this.lanes.get(inst);
    if (!l) this.lanes.set(inst, (l = [0, 0]));
    const a = m.get(desc) ?? 0;
    const b = a + by;
    if (b) m.set(desc, b);
    else m.delete(desc);
    if (Math.min(a, cap) === Math.min(b, cap)) return;
    this.keys.delete(inst);
    this.changes++;
    if (a) {
      const [x, y] = pairHash(desc, Math.min(a, cap));
      l[0] = (l[0] - x) >>> 0;
      l[1] = (l[1] - y) >>> 0;
    }
    if (b) {
      const [x, y] = pairHash(desc, Math.min(b, cap));
      l[0] = (l[0] + x) >>> 0;
      l[1] = (l[1] + y) >>> 0;
    }
  }

  /** Count `d` again as it is now. */
  update(d: Domain): void {
    const driver = d.owner.id;
    if (!this.drivers.has(driver)) return;
    const old = this.counted.get(d);
    const now = d.instance && this.k.domainsFinalisedTo(d.instance).has(d) ? this.describer.descId(d) : undefined;
    if (old && old[0] === d.instance?.id && old[1] === now) return;
    const cap = this.cap.get(driver)!;
    if (old) this.shift(old[0], cap, old[1], -1);
    if (now !== undefined) {
      this.shift(d.instance!.id, cap, now, 1);
      this.counted.set(d, [d.instance!.id, now]);
    } else this.counted.delete(d);
  }

  /** The key of each instance's pool, joined. */
  key(insts: readonly string[]): string {
    let s = "";
    for (const i of insts) {
      let k = this.keys.get(i);
      if (k === undefined) {
        const l = this.lanes.get(i) ?? [0, 0];
        this.keys.set(i, (k = `${l[0].toString(36)}.${l[1].toString(36)}`));
      }
      s += `${i}=${k};`;
    }
    return s;
  }

  /** The key of `inst`'s pool, counted from scratch over its finalised domains (verify mode). */
  static recount(domains: Iterable<Domain>, cap: number, describer: Describer): string {
    const m = new Map<number, number>();
    for (const d of domains) {
      const desc = describer.descId(d);
      m.set(desc, (m.get(desc) ?? 0) + 1);
    }
    let x = 0;
    let y = 0;
    for (const [desc, n] of m) {
      const [hx, hy] = pairHash(desc, Math.min(n, cap));
      x = (x + hx) >>> 0;
      y = (y + hy) >>> 0;
    }
    return `${x.toString(36)}.${y.toString(36)}`;
  }
}

/** Two independent 32-bit string hashes (cyrb53's lanes). */
function hash2(s: string): [number, number] {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < s.length; i++) {
    const ch = s.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return [h1 >>> 0, h2 >>> 0];
}

/** Two independent 32-bit hashes of a pair of integers (a description's number and its count). */
function pairHash(a: number, b: number): [number, number] {
  let h1 = Math.imul(a ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(b + 0x7f4a7c15, 0xc2b2ae35);
  let h2 = Math.imul(b ^ 0x632be5ab, 0x27d4eb2f) ^ Math.imul(a + 0x165667b1, 0x9e3779b1);
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return [h1 >>> 0, h2 >>> 0];
}

function hashKey(s: string): string {
  const [a, b] = hash2(s);
  return `${a.toString(36)}.${b.toString(36)}`;
}

/** Sort a few numbers in place (Array.prototype.sort copies them into a new work array first). */
function sortNumbers(a: number[]): void {
  for (let i = 1; i < a.length; i++) {
    const x = a[i]!;
    let k = i - 1;
    for (; k >= 0 && a[k]! > x; k--) a[k + 1] = a[k]!;
    a[k + 1] = x;
  }
}

/** The keys of `sets` at the positions `at` (sorted in place), or undefined when there are none. */
function keysAt(at: number[], sets: readonly TupleSet[]): Array<[number, string]> | undefined {
  if (!at.length) return undefined;
  sortNumbers(at);
  return at.map((i): [number, string] => [i, sets[i]!.key()]);
}

/**
 * n values made by `make`, pushed one by one: a packed array whatever the fleet's arrays are
 * (Array.map copies their elements kind, and code optimised for one kind is thrown away when
 * the other comes).
 */
function listOf<T>(n: number, make: (i: number) => T): T[] {
  const a: T[] = [];
  for (let i = 0; i < n; i++) a.push(make(i));
  return a;
}

const attachedExisting = (r: Req): boolean => r.outcome === "attached-existing";
const unavailable = (r: Req): boolean => r.outcome === "unavailable";

/** The set of tuples present (how many groups share one does not count), as an order-independent hash. */
class TupleSet {
  private readonly counts = new Map<number, number>();
  private a = 0;
  private b = 0;
  private n = 0;
  /** The key, or "" when it must be made again (never null: one field type, so optimised code that reads it stays valid). */
  private cached = "0.0.0";
  /** Bumped whenever a tuple comes in or goes out (a cheap "did it change" for one transition). */
  changes = 0;
  /**
   * Slots whose cached request lookup (FitCache) read this set, to look at when it changes
   * (Engine.requestKeep); emptied then. May name slots looked up again since: checked.
   */
  readonly watchers: number[] = [];
  /** In `changed`, the sets changed since the engine last looked. */
  logged = false;

  constructor(
    private readonly h: Array<[number, number]>,
    private readonly changed: TupleSet[],
  ) {}

  private change(): void {
    this.cached = "";
    this.changes++;
    if (this.logged) return;
    this.logged = true;
    this.changed.push(this);
  }

  add(t: number): void {
    const c = this.counts.get(t) ?? 0;
    if (c === 0) {
      const [x, y] = this.h[t]!;
      this.a = (this.a + x) >>> 0;
      this.b = (this.b + y) >>> 0;
      this.n++;
      this.change();
    }
    this.counts.set(t, c + 1);
  }

  remove(t: number): void {
    const c = this.counts.get(t)!;
    if (c === 1) {
      const [x, y] = this.h[t]!;
      this.a = (this.a - x) >>> 0;
      this.b = (this.b - y) >>> 0;
      this.n--;
      this.counts.delete(t);
      this.change();
    } else this.counts.set(t, c - 1);
  }

  has(t: number): boolean {
    return this.counts.has(t);
  }

  key(): string {
    if (this.cached === "") this.cached = `${this.a.toString(36)}.${this.b.toString(36)}.${this.n}`;
    return this.cached;
  }
}

interface Rep {
  group: Group;
  cls: number;
  inst: number;
  tuple: number;
  /** Positions in the consumer's list that the tuple names (Hn). */
  held: number[];
  /** Positions whose domain some device of the group has programmed for its RID. */
  hw: number[];
}

/**
 * What a transition read besides its own group, to decide whether a remembered one fits.
 * Memos keep every field, undefined when not read: one object shape, so the loops that count
 * twins stay monomorphic.
 */
interface Reads {
  /** Instance-scope tuple set, when driver code iterated devices or groups. */
  inst: string | undefined;
  /** Keys of the pools driver code read (k.domainsFinalisedTo), and whose. */
  pools: string | undefined;
  poolInsts: string[] | undefined;
}

/** A transition's reads as it ran, with the list positions driver code asked about. */
interface TransitionReads extends Reads {
  /** Positions of the consumer's list whose devices (k.devicesOn) driver code asked for. */
  occAt: number[] | undefined;
  /** Positions of the consumer's list whose instances (k.instancesOn) driver code asked for. */
  onAt: number[] | undefined;
}

interface ProbeMemo extends Reads {
  /** Index in Engine.probeById (its count of twins is Engine.probeHits[id]). */
  id: number;
  req: Req;
  slot: number;
}

interface RequestMemo extends Reads {
  /**
   * Where the group lands when its state names positions of the list (Hn): a twin is counted
   * only while a representative is there, because who is on a position is read later and the
   * same name means another domain in the next consumer context.
   */
  lands: { tuple: number; at: number[] } | undefined;
  /** Last position of the consumer's list read (-1: none). */
  p: number;
  /** The whole list was read: its length must be `len`. */
  full: boolean;
  len: number;
  /** Rolling key of the descriptions of positions 0..p. */
  desc: string;
  /** When devices were iterated: who is on each position the request tried. */
  occ: Array<[number, string]> | undefined;
  /** When driver code asked which instances are on a position: their set, per position. */
  on: Array<[number, string]> | undefined;
  reqs: Req[];
  /** Where its group landed: tuple, list positions named, positions on hardware (Rep). */
  to: number;
  toHeld: number[];
  toHw: number[];
  /** Index in Engine.requestById (its count of twins is Engine.requestHits[id]). */
  id: number;
}

/**
 * Per slot (or per class): the first remembered transition that fits, kept until something a
 * lookup read changes. Every lookup reads the shared state (list, descriptions, pools,
 * context: one version number); a memo that reads which tuples are present reads a few tuple
 * sets, and the entry is kept while none of those changed. Most transitions only move their
 * own group between tuples, so most entries survive them.
 */
class FitCache<M> {
  private readonly memo: Array<M | undefined> = [];
  private readonly shared: number[] = [];
  /** The tuple sets the entry's lookup read, and their change counts then. */
  private readonly deps: Array<TupleSet[]> = [];
  private readonly seen: Array<number[]> = [];

  /** The cached entry, or null when it must be looked up again (fill). */
  get(i: number, vShared: number): M | undefined | null {
    if (this.shared[i] !== vShared) return null;
    const deps = this.deps[i]!;
    const seen = this.seen[i]!;
    for (let k = 0; k < deps.length; k++) if (deps[k]!.changes !== seen[k]) return null;
    return this.memo[i];
  }

  /** Keep `found`, looked up by reading the tuple sets `deps` (Engine.search; copied into the entry's own arrays, reused). */
  fill(i: number, vShared: number, found: M | undefined, deps: readonly TupleSet[]): M | undefined {
    this.memo[i] = found;
    this.shared[i] = vShared;
    let mine = this.deps[i];
    let seen = this.seen[i];
    if (mine === undefined || seen === undefined) {
      this.deps[i] = mine = [];
      this.seen[i] = seen = [];
    }
    empty(mine);
    empty(seen);
    for (const d of deps) {
      mine.push(d);
      seen.push(d.changes);
    }
    return found;
  }

  /** A memo was added for `i`: look it up again next time. */
  forget(i: number): void {
    this.shared[i] = -1;
  }
}

export interface EngineOptions {
  /** Check assumption 1 after every simulated transition, and remembered outcomes against re-runs (slow; for tests). */
  verify?: boolean;
  /** Called now and then with the number of transitions (probes or requests) done since the last call. */
  tick?: (n: number) => void;
  /** Give up with GroupingDoesNotPay where grouping does not pay (see PAYS_BELOW). */
  payOff?: boolean;
}

/** Verify mode: every representative is checked after every this many simulated transitions (checkOthers). */
const VERIFY_EVERY = 4;

/** Progress in chunks of this many transitions. */
export const TICK = 1 << 14;

class Engine implements DomainTokens {
  readonly k: Kernel;
  /** What the current transition read and changed, from the kernel's event stream. */
  private readonly watch: Watch;
  readonly tally = new Tally();
  // Tuples, interned by their tokens (./state StateTokens): a hash table of token lists.
  private readonly tokens = new StateTokens(this);
  private readonly tuples = new TokenTable();
  private readonly tupleHash: Array<[number, number]> = [];
  /** Domain descriptions (describeDomain), interned the same way (descId). */
  private readonly descs = new TokenTable();
  /** Verify mode: tuples' strings (tokens and strings must agree both ways). */
  private readonly tupleStr = new TokenCheck("state");
  /** The list positions the state being tokenised names (domainTokens). */
  private naming: number[] = [];
  // (class, tuple) slots.
  private readonly slotIds = new Map<string, number>();
  readonly slotClass: number[] = [];
  readonly slotTuple: number[] = [];
  private readonly slotCache = new FitCache<RequestMemo>();
  /** Phase-1 representatives wanted per slot (restarts raise it). */
  private readonly slotReserve: number[] = [];
  // Representatives.
  readonly reps: Rep[] = [];
  private readonly unused: Rep[][] = [];
  private readonly matCount: number[] = [];
  private readonly heldReps = new Set<Rep>();
  // What transitions read.
  private readonly instSets: TupleSet[];
  private occSets: TupleSet[] = [];
  /** Tuple sets changed since the request table was last checked (TupleSet.logged). */
  private readonly changedSets: TupleSet[] = [];
  /** Per position of the list: the instances (indices) of the representatives with a device on it. */
  private instOn: TupleSet[] = [];
  private readonly instHash: Array<[number, number]>;
  /** Per position of the list: its description's number and the consumer's flags for it. */
  private listDescs: string[] = [];
  private cumDesc: string[] = [];
  private ctxFixed = "probe";
  private readonly poolCap = new Map<string, number>();
  private readonly fleetPoolDrivers: Set<string>;
  private readonly pools: Pools;
  /** Verify mode: what was last confirmed, to check cheaply (./verify). */
  private readonly checked: Verified<Rep>;
  /** Bumped whenever the shared state changes (the list, its descriptions, pools, the context). */
  private verShared = 0;
  // Consumer.
  ctx: ConsumerContext | null = null;
  private heldList: Domain[] = [];
  private heldIndex = new Map<Domain, number>();
  /** Domain ids and iommufd hwpt ids of the list, by position. */
  private readonly heldIds = new Map<string, number>();
  // Remembered transitions.
  private readonly probeMemo: Array<ProbeMemo[]>;
  /** Per slot, per fixed part of the consumer context (ctxFixed): the remembered requests. */
  private readonly requestMemo: Array<Map<string, RequestMemo[]>> = [];
  private readonly classCache = new FitCache<ProbeMemo>();
  /** Memos by id, and how many twins each counts for (settled from the counting loops' counters). */
  private readonly probeById: ProbeMemo[] = [];
  private readonly probeHits: number[] = [];
  private readonly requestById: RequestMemo[] = [];
  private readonly requestHits: number[] = [];
  /**
   * The counting loops' tables (countProbes, countRequests). An entry holds what the slow
   * path's lookup (FitCache) found, and is dropped when that lookup would now find another:
   * all of them when the shared state changed, else those whose lookup read a tuple set that
   * changed (probeKeep, requestKeep). Each loop counts into one counter per group, indexed by
   * what it reads first (class, slot): an increment that waits on a second lookup costs twice
   * as much. The counts go to the memos (settle) before an entry changes.
   * - probe: per class c, the slot its groups go to (probeTab[2c], -1: look) and how many were
   *   counted since it was set (probeTab[2c + 1]: side by side, one cache line), with the id
   *   of the probe memo they are counted with (probeFast);
   * - request: per slot, the id of the request memo (requestFast), how many more groups may be
   *   counted with it before the slow path must look (requestRoom: 0, look now), and the room
   *   as of the last settle (requestGiven: the groups counted since are the difference).
   */
  private readonly probeFast: Int32Array;
  private readonly probeTab: Int32Array;
  /**
   * Each group's slot, as the probe phase left it, by class: a class's groups keep the slot the
   * probe table gave them until its next slow path, which starts a segment (group, slot; the
   * next segment of the same class). A few thousand segments instead of a slot per group: the
   * request phase reads the class of each group, as the probe phase did, and writes nothing
   * per group.
   */
  private readonly segAt: number[] = [];
  private readonly segSlot: number[] = [];
  private readonly segNext: number[] = [];
  private readonly firstSeg: Int32Array;
  private readonly lastSeg: Int32Array;
  /** Request phase: per class, its segment now (requestTab holds where it ends and its slot). */
  private readonly curSeg: Int32Array;
  private readonly requestTab: Int32Array;
  /** The tables are views of the module's (FAST_GROUPS): the loops are given those, V8 knows them as constants. */
  private readonly fast: boolean;
  private fastRequest = false;
  /** Per instance, its classes, and its tuple set's change count when the probe table was last checked against it (probeKeep). */
  private readonly instClasses: number[][];
  private readonly instSeen: Int32Array;
  private requestFast = new Int32Array(0);
  private requestRoom = new Int32Array(0);
  private requestGiven = new Int32Array(0);
  /** Slots whose table entry is set (to settle), each once (requestIn). */
  private readonly requestSet: number[] = [];
  private requestIn = new Uint8Array(0);
  /** Per slot, its groups not yet served (as of the last settle). */
  private remaining = new Int32Array(0);
  /** Instance index of each class. */
  private readonly classInst: Int32Array;
  /**
   * The fleet's classOf, held here: the loops over groups read it from a field of this class,
   * whose type V8 knows, not from the fleet object (made by an object literal, whose field types
   * V8 widens when the next fleet is made, throwing away the code optimised for the first).
   */
  private readonly classOf: Int32Array;
  simulated = 0;
  memoised = 0;
  /** Simulated transitions allowed in this run (PAYS_BELOW; restarts spent part of it), and where each phase checks its rate. */
  private budget = Infinity;
  private checkpoint = -1;
  /** Changers when the phase reached half its checkpoint. */
  private halfChangers = 0;
  /** Simulated transitions that changed the shared state (no twin can be counted with them). */
  private changers = 0;

  /**
   * What the engine reads of the experiment, copied: an experiment object made elsewhere (a
   * spread copy: another hidden class) would change the type V8 knows of such a field, and with
   * it throw away the code optimised for this class.
   */
  private readonly contextSize: number;
  private readonly vfioType: Experiment["vfioType"];
  private readonly domainsPerContext: number;

  constructor(
    exp: Experiment,
    readonly fleet: Fleet,
    readonly cell: Cell,
    private readonly reserve: Map<string, number>,
    private readonly verify: boolean,
    private readonly tick: (n: number) => void,
  ) {
    this.contextSize = exp.contextSize;
    this.vfioType = exp.vfioType;
    this.domainsPerContext = exp.domainsPerContext;
    const drivers = new Set(fleet.instances.map((i) => i.driver));
    for (const d of drivers) {
      const model = allDrivers.get(d);
      if (model && declaresPool(model)) poolDrivers.add(d);
    }
    this.fleetPoolDrivers = new Set([...drivers].filter((d) => poolDrivers.has(d)));
    this.watch = new Watch(this.heldIds, this.fleetPoolDrivers.size > 0, verify);
    this.k = new Kernel({ era: cell.era, drivers: allDrivers, variants: cell.variants, trace: false, observer: this.watch });
    this.watch.domains = this.k.domains;
    buildPlatform(this.k, { instances: fleet.instances, devices: [] });
    this.instSets = listOf(fleet.instances.length, () => new TupleSet(this.tupleHash, this.changedSets));
    this.instHash = listOf(fleet.instances.length, (i) => hash2(`instance ${i}`));
    for (const d of drivers) {
      let max = 64;
      for (const i of fleet.instances) {
        if (i.driver !== d) continue;
        for (const v of Object.values(i.props ?? {})) if (typeof v === "number" && v > max) max = v;
      }
      this.poolCap.set(d, max + 1);
    }
    this.pools = new Pools(this.fleetPoolDrivers, this.poolCap, this.k, this);
    this.probeMemo = listOf(fleet.classes.length, (): ProbeMemo[] => []);
    this.checked = new Verified<Rep>((d) => this.domainKey(d), (r) => this.tupleString(r.group, r.cls));
    this.classInst = Int32Array.from(fleet.classes, (c) => c.instance);
    this.classOf = fleet.classOf;
    this.probeFast = new Int32Array(fleet.classes.length).fill(-1);
    const groups = fleet.classOf.length;
    this.fast = groups <= fastGroups && fleet.classes.length <= FAST_CLASSES;
    if (this.fast) CLASS_OF.set(fleet.classOf);
    this.probeTab = this.fast ? PROBE_TAB.subarray(0, 2 * fleet.classes.length).fill(0) : new Int32Array(2 * fleet.classes.length);
    for (let c = 0; c < fleet.classes.length; c++) this.probeTab[2 * c] = -1;
    this.firstSeg = new Int32Array(fleet.classes.length).fill(-1);
    this.lastSeg = new Int32Array(fleet.classes.length).fill(-1);
    this.curSeg = new Int32Array(fleet.classes.length);
    this.requestTab = this.fast ? REQUEST_TAB.subarray(0, 2 * fleet.classes.length).fill(0) : new Int32Array(2 * fleet.classes.length);
    this.instClasses = listOf(fleet.instances.length, (): number[] => []);
    for (let c = 0; c < this.classInst.length; c++) this.instClasses[this.classInst[c]!]!.push(c);
    this.instSeen = new Int32Array(fleet.instances.length);
  }

  // ---- Tuples --------------------------------------------------------------------------

  /** The number of d's description (describeDomain, as tokens). */
  descId(d: Domain): number {
    return this.verify ? this.checked.descId(d, this.descIdOf) : this.descs.intern(this.tokens.description(d));
  }

  /** descId without verify's checks (for it to call: a closure, so verify mode only). */
  private readonly descIdOf = (d: Domain): number => this.descs.intern(this.tokens.description(d));

  private slotOf(cls: number, tuple: number): number {
    const key = `${cls}:${tuple}`;
    let s = this.slotIds.get(key);
    if (s === undefined) {
      s = this.slotClass.length;
      this.slotIds.set(key, s);
      this.slotClass.push(cls);
      this.slotTuple.push(tuple);
      this.slotReserve.push(this.reserve.size ? (this.reserve.get(this.reserveKey(s)) ?? 1) : 1);
      this.unused.push([]);
      this.matCount.push(0);
    }
    return s;
  }

  /** A name for a slot that stays the same across restarts (its tokens, which start with the class; tokens are process-wide). */
  private reserveKey(slot: number): string {
    return this.tuples.tokens(this.slotTuple[slot]!).join(",");
  }

  /** The tuple of group g (class and state), the list positions it names (`held`) and those its devices' RIDs are on (`hw`, for k.instancesOn). */
  private tupleOf(g: Group, cls: number): { tuple: number; held: number[]; hw: number[] } {
    const held: number[] = [];
    this.naming = held;
    const tuple = this.tuples.intern(this.tokens.state(g, cls));
    if (tuple === this.tupleHash.length) this.tupleHash.push(hash2(`tuple ${tuple}`));
    if (this.verify) this.tupleStr.check(tuple, this.tupleString(g, cls));
    const hw: number[] = [];
    for (const d of g.devices) {
      const h = d.hwDomain ? this.heldIndex.get(d.hwDomain) : undefined;
      if (h !== undefined && !hw.includes(h)) hw.push(h);
    }
    return { tuple, held, hw };
  }

  /** As ref names d, in tokens (./state DomainTokens). */
  domainTokens(d: Domain, w: StateTokens): void {
    if (d.isStatic) return w.raw(this.staticName(d));
    const k = this.heldIndex.get(d);
    if (k === undefined) return w.describe(d);
    if (!this.naming.includes(k)) this.naming.push(k);
    w.held(k);
  }

  /** The tuple's state as a string (verify mode and its messages): groupState with ref's names. */
  private tupleString(g: Group, cls: number): string {
    const held: number[] = [];
    return `${cls}|${groupState(g, (d) => this.ref(held, d))}`;
  }

  /**
   * How a group's state names domain d: static ones by driver and type (their instance field
   * follows the last attach anywhere), a list position (noted in `held`), or by description.
   */
  private ref(held: number[], d: Domain): string {
    const k = this.domainKey(d);
    if (k === null) return `X(${describeDomain(d)})`;
    if (typeof k === "string") return k;
    if (!held.includes(k)) held.push(k);
    return `H${k}`;
  }

  /** What ref names d by, short of its description (null): the key of verify mode's fingerprints too. */
  private domainKey(d: Domain): string | number | null {
    return d.isStatic ? this.staticName(d) : (this.heldIndex.get(d) ?? null);
  }

  /** Static domains' names, made once (a new string per state was hashed again for its token). */
  private readonly staticNames = new Map<Domain, string>();

  private staticName(d: Domain): string {
    let s = this.staticNames.get(d);
    if (s === undefined) this.staticNames.set(d, (s = `S:${d.owner.id}:${d.type}`));
    return s;
  }

  private place(r: Rep): void {
    this.instSets[r.inst]!.add(r.tuple);
    for (const h of r.held) this.occSets[h]!.add(r.tuple);
    for (const h of r.hw) this.instOn[h]!.add(r.inst);
    if (r.held.length) this.heldReps.add(r);
  }

  private unplace(r: Rep): void {
    this.instSets[r.inst]!.remove(r.tuple);
    for (const h of r.held) this.occSets[h]!.remove(r.tuple);
    for (const h of r.hw) this.instOn[h]!.remove(r.inst);
    this.heldReps.delete(r);
  }

  /** Recompute a representative's tuple from its objects. */
  private retuple(r: Rep): void {
    const { tuple, held, hw } = this.tupleOf(r.group, r.cls);
    this.move(r, tuple, held, hw);
    if (this.verify) this.checked.confirmed(r, this.tupleStr.string(tuple));
  }

  /** Verify mode: r's tuple (and the positions it names) is what its objects give. */
  private landed(r: Rep): void {
    const { tuple, held, hw } = this.tupleOf(r.group, r.cls);
    if (tuple !== r.tuple || held.join() !== r.held.join() || hw.join() !== r.hw.join()) {
      throw new Error(`sweep: compression assumption violated: request of ${r.group.id} landed elsewhere than its remembered twin: ${this.tupleStr.string(r.tuple)} -> ${this.tupleStr.string(tuple)}`);
    }
    this.checked.confirmed(r, this.tupleStr.string(tuple));
  }

  /** Put a representative in another tuple. */
  private move(r: Rep, tuple: number, held: number[], hw: number[]): void {
    this.unplace(r);
    r.tuple = tuple;
    r.held = held;
    r.hw = hw;
    this.place(r);
  }

  // ---- Pools and the consumer's list ---------------------------------------------------------

  /** List positions a request read (requestMiss; reused). */
  private readonly positions: number[] = [];

  /** The domains updatePools re-counts (reused). */
  private readonly poolDirty: Domain[] = [];

  /** Re-count the domains the last transition touched (allocated, freed, handed to a kernel function, held, its group's). */
  private updatePools(g: Group | null): void {
    if (!this.fleetPoolDrivers.size) return;
    const dirty = this.poolDirty;
    empty(dirty);
    for (const d of this.watch.dirty) dirty.push(d);
    // Of the consumer's list, only the positions the transition named can have changed (assumption 1; verify recounts all).
    for (const i of this.watch.touched) if (i < this.heldList.length) addOnce(dirty, this.heldList[i]!);
    if (g) {
      addOnce(dirty, g.domain);
      addOnce(dirty, g.defaultDomain);
      addOnce(dirty, g.blockingDomain);
      for (const dev of g.devices) addOnce(dirty, dev.hwDomain);
    }
    for (const d of dirty) this.pools.update(d);
    if (this.verify) {
      const finalisedTo = (i: IommuInstance) => this.k.domainsFinalisedTo(i);
      for (const i of this.k.instances.values()) {
        if (!this.fleetPoolDrivers.has(i.driver.id)) continue;
        if (`${i.id}=${Pools.recount(finalisedTo(i), this.poolCap.get(i.driver.id)!, this)};` !== this.pools.key([i.id])) {
          throw new Error(`sweep: compression assumption violated: a transition changed a domain finalised to ${i.id} it did not touch`);
        }
      }
    }
  }

  private consumerFlags(i: number): string {
    const ctx = this.ctx!;
    if (ctx.vfio) return `c${ctx.vfio.domains[i]!.coherent ? 1 : 0}`;
    if (ctx.ioas) {
      const h = ctx.ioas.hwpts[i]!;
      return `a${h.autoDomain ? 1 : 0}e${h.enforceCacheCoherency ? 1 : 0}`;
    }
    return "";
  }

  private fixedPart(): string {
    const ctx = this.ctx;
    if (!ctx) return "probe";
    if (ctx.vfio) return `vfio/${ctx.vfio.type}`;
    if (ctx.ioas) return "iommufd";
    const d = ctx.direct;
    return `direct/${d === null ? "none" : typeof d === "number" ? `failed${d}` : "held"}`;
  }

  /**
   * The list changed (or its domains did): positions, descriptions, rolling keys. Only the
   * positions in `touched` and new ones are described again (assumption 1), unless `all`.
   */
  private refreshConsumer(touched: readonly number[] | null = null): void {
    const list = this.ctx ? this.ctx.held() : [];
    let appended = list.length >= this.heldList.length;
    for (let i = 0; appended && i < this.heldList.length; i++) appended = list[i] === this.heldList[i];
    const old = appended ? this.heldList.length : 0;
    if (list.length !== this.heldList.length || !appended) {
      this.heldList = list;
      this.heldIndex = new Map(list.map((d, i) => [d, i]));
      this.heldIds.clear();
      list.forEach((d, i) => this.heldIds.set(d.id, i));
      this.ctx?.ioas?.hwpts.forEach((h, i) => this.heldIds.set(h.id, i));
      while (this.occSets.length < list.length) this.occSets.push(new TupleSet(this.tupleHash, this.changedSets));
      while (this.instOn.length < list.length) this.instOn.push(new TupleSet(this.instHash, this.changedSets));
      // Positions only ever grow by appending in today's consumers; anything else renames them.
      if (!appended) for (const r of this.reps) this.retuple(r);
    }
    let from = list.length;
    this.listDescs.length = list.length;
    for (let i = 0; i < list.length; i++) {
      if (touched && i < old && !touched.includes(i)) continue;
      const desc = `${this.descId(list[i]!)}~${this.consumerFlags(i)}`;
      if (desc !== this.listDescs[i]) {
        this.listDescs[i] = desc;
        from = Math.min(from, i);
      }
    }
    if (touched && this.verify) {
      list.forEach((d, i) => {
        if (this.listDescs[i] !== `${this.descId(d)}~${this.consumerFlags(i)}`) throw new Error(`sweep: compression assumption violated: held domain ${i} changed without being tried`);
      });
    }
    this.rollKeys(from);
    this.ctxFixed = this.fixedPart();
  }

  /** Rolling keys of the descriptions, from position `from` on. */
  private rollKeys(from = 0): void {
    this.cumDesc.length = this.heldList.length;
    let d = from > 0 ? this.cumDesc[from - 1]! : "";
    for (let i = from; i < this.heldList.length; i++) {
      d = hashKey(`${d}|${this.listDescs[i]}`);
      this.cumDesc[i] = d;
    }
  }

  /** Changes of who is on the list's positions (enough to tell whether one transition changed any). */
  private occupancyChanges(): number {
    let n = 0;
    for (let i = 0; i < this.heldList.length; i++) n += this.occSets[i]!.changes + this.instOn[i]!.changes;
    return n;
  }

  /**
   * What another transition could read, to compare before and after one transition
   * (assumption 1: a transition touches its own instance only), in two parts.
   * - shared state: the list, its domains' descriptions and the pools. A transition that
   *   changed one of them cannot be remembered: a twin would append, allocate or alter again.
   * - set changes: which tuples are present (behind the instance, on each position). Only the
   *   transition's own group moves between tuples, and presence is all that is read
   *   (assumption 2), so a twin starting where it started lands on a tuple already present and
   *   changes nothing: such a transition is remembered, and only the cached lookups whose
   *   memos read those sets go stale (FitCache). Counted, not hashed: a tuple that left and
   *   came back counts as a change, which only costs a lookup.
   * sharedBefore notes the shared state before a transition, sharedSame compares it after.
   */
  private sharedBefore(): void {
    const n = this.heldList.length;
    this.beforeFixed = this.ctxFixed;
    this.beforeLen = n;
    this.beforeDesc = n ? this.cumDesc[n - 1]! : "";
    this.beforePools = this.pools.changes;
  }

  /** Is the shared state what sharedBefore saw (its parts compared, not joined into a string per transition)? */
  private sharedSame(): boolean {
    const n = this.heldList.length;
    return this.beforeFixed === this.ctxFixed && this.beforeLen === n && this.beforeDesc === (n ? this.cumDesc[n - 1]! : "") && this.beforePools === this.pools.changes;
  }

  // The shared state as sharedBefore saw it.
  private beforeFixed = "";
  private beforeLen = 0;
  private beforeDesc = "";
  private beforePools = 0;

  private setChanges(inst: number): number {
    return this.occupancyChanges() + this.instSets[inst]!.changes;
  }

  private verifyTick = 0;

  /**
   * Verify mode, after every simulated transition: the other representatives are where the
   * engine has them (assumption 1). Those whose group or devices the transition changed through
   * a setter (the event stream names them) are checked every time; all of them (fingerprints,
   * ./verify: a field written without a setter) on every VERIFY_EVERY-th transition, and each
   * before it is used again (check). A group changed behind the engine's back stays changed
   * until a transition changes it back, so it is seen.
   */
  private checkOthers(except: Rep): void {
    const all = ++this.verifyTick % VERIFY_EVERY === 0;
    const named = this.watch.changedGroups;
    if (!all && !named.size) return;
    for (const r of this.reps) if (r !== except && (all || named.has(r.group))) this.check(r);
  }

  /** Verify mode: r is where the engine has it. */
  private check(r: Rep): void {
    this.violated(r, this.checked.changed(r, this.tupleStr.string(r.tuple)));
  }

  /**
   * Verify mode, at the end of a phase: every representative's state made again from its
   * objects, fingerprints aside (a second line behind checkOthers, costing one string each).
   */
  private checkAll(): void {
    for (const r of this.reps) {
      const s = this.tupleString(r.group, r.cls);
      this.violated(r, s === this.tupleStr.string(r.tuple) ? null : s);
    }
  }

  private violated(r: Rep, now: string | null): void {
    if (now !== null) throw new Error(`sweep: compression assumption violated: a transition changed another group (${r.group.id}): ${this.tupleStr.string(r.tuple)} -> ${now}`);
  }

  /** Start watching a transition. */
  private begin(g: Group | null): void {
    this.watch.begin(g);
  }

  /**
   * After a transition: refuse driver code that iterated k.domains; restart if a driver not yet
   * known to read pools read one; say what the transition read besides its own group.
   */
  private reads(inst: number, g: Group): TransitionReads {
    const w = this.watch.end();
    const out: TransitionReads = { inst: undefined, pools: undefined, poolInsts: undefined, occAt: undefined, onAt: undefined };
    for (let a = 0; a < w.asked.length; a++) {
      const d = w.asked[a]!;
      const i = this.heldIndex.get(d);
      if (i !== undefined) (w.askedKind[a] === "dev" ? (out.occAt ??= []) : (out.onAt ??= [])).push(i);
      // Its own domains and those made by this transition carry only its own devices (assumption 1).
      else if (d !== g.defaultDomain && d !== g.blockingDomain && !w.added.has(d)) out.inst = this.instSets[inst]!.key();
    }
    if (w.domainsScanned !== null) throw new Error(`sweep: code under ${w.domainsScanned} iterated every domain (k.domains) during a transition; the compressed engine keys only on the pools of k.domainsFinalisedTo (run this experiment with the reference engine)`);
    if (w.pools.size) {
      // A pool read from a driver not yet counted: count its pools from the start.
      let fresh = false;
      for (const i of w.pools) {
        const d = this.k.instances.get(i)!.driver.id;
        if (!poolDrivers.has(d)) {
          poolDrivers.add(d);
          fresh = true;
        }
      }
      if (fresh) throw new Restart();
      out.poolInsts = [...w.pools].sort();
      out.pools = this.pools.key(out.poolInsts);
    }
    const own = this.fleet.instances[inst]!.id;
    for (const i of w.behind) {
      if (i !== own) throw new Error(`sweep: driver code read the domains behind ${i} while serving a group behind ${own}; the compressed engine keys only on the group's own instance (run this experiment with the reference engine)`);
    }
    if (w.scanned) out.inst = this.instSets[inst]!.key();
    return out;
  }

  /** The tuple sets a memo's fit depends on (fits, requestFits); a position not there yet is in the shared state. */
  private setsRead(m: Reads & Partial<RequestMemo>, inst: number, into: TupleSet[]): void {
    if (m.inst !== undefined) into.push(this.instSets[inst]!);
    if (m.lands) for (const i of m.lands.at) if (this.occSets[i]) into.push(this.occSets[i]!);
    if (m.occ) for (const [i] of m.occ) if (this.occSets[i]) into.push(this.occSets[i]!);
    if (m.on) for (const [i] of m.on) if (this.instOn[i]) into.push(this.instOn[i]!);
  }

  /** The first memo of `list` that fits a group behind `inst` (request memos: requestFits), noting in `deps` the tuple sets that read. */
  private search<M extends Reads>(list: readonly M[] | undefined, inst: number, request: boolean, deps: TupleSet[]): M | undefined {
    if (list === undefined) return undefined;
    for (let i = 0; i < list.length; i++) {
      const m = list[i]!;
      this.setsRead(m, inst, deps);
      if (request ? this.requestFits(m as unknown as RequestMemo, inst) : this.fits(m, inst)) return m;
    }
    return undefined;
  }

  private fits(r: Reads, inst: number): boolean {
    return (r.inst === undefined || r.inst === this.instSets[inst]!.key()) && (r.poolInsts === undefined || r.pools === this.pools.key(r.poolInsts));
  }

  // ---- Phase 1: probes ---------------------------------------------------------------------

  /** Probe group j as a new representative (a late one gets a fresh id: j may exist already). */
  private materialise(j: number, gid = groupId(j)): { rep: Rep; req: Req; reads: Reads } {
    const cls = this.classOf[j]!;
    const inst = this.fleet.classes[cls]!.instance;
    this.begin(null);
    const req = probeGroup(this.k, groupDevices(this.fleet, j, gid));
    const g = this.k.groups.get(gid)!;
    const { tuple, held, hw } = this.tupleOf(g, cls);
    const rep: Rep = { group: g, cls, inst, tuple, held, hw };
    if (this.verify) this.checked.confirmed(rep, this.tupleStr.string(tuple));
    // Read before the new tuple is placed: the probe saw the instance without it.
    const reads = this.reads(inst, g);
    this.reps.push(rep);
    this.place(rep);
    this.updatePools(g);
    // A probe names no position of the list as it stood (a late probe's are checked by its tuple).
    return { rep, req, reads: { inst: reads.inst, pools: reads.pools, poolInsts: reads.poolInsts } };
  }

  private probeLookup(cls: number, inst: number): ProbeMemo | undefined {
    const m = this.classCache.get(cls, this.verShared);
    return m !== null ? m : this.probeFill(cls, inst);
  }

  /** The tuple sets a lookup read (probeFill, requestFill; reused). */
  private readonly deps: TupleSet[] = [];

  private probeFill(cls: number, inst: number): ProbeMemo | undefined {
    const deps = this.deps;
    empty(deps);
    return this.classCache.fill(cls, this.verShared, this.search(this.probeMemo[cls], inst, false, deps), deps);
  }

  /**
   * After a transition: a change of the shared state invalidates every cached lookup; a change
   * of tuple sets only those whose memos read the sets (FitCache keeps their change counts).
   */
  private changed(same: boolean): void {
    if (same) return;
    this.verShared++;
    this.changers++;
  }

  /** Count a simulated transition against the budget. */
  private spend(): void {
    if (++this.simulated > this.budget) throw new GroupingDoesNotPay(this.simulated);
  }

  /** Give up where grouping does not pay, with `spent` simulated transitions already spent by earlier restarts. */
  payOff(spent: number): void {
    const n = this.classOf.length;
    this.budget = (2 * n) / PAYS_BELOW - spent;
    const c = Math.max(CHECKPOINT_MIN, n >> 6);
    if (c < n) this.checkpoint = c;
  }

  /**
   * Before group j: report progress, check the pay-off rate (`base`: the changers before the
   * phase), and say where the next such event is. The loops over groups run between events in
   * small methods (probeRun, requestRun) with no rare branch in them: V8 optimises such a loop
   * early and does not throw the code away the first time a rare branch runs.
   */
  private nextStop(j: number, n: number, base: number): number {
    if ((j & (TICK - 1)) === TICK - 1) this.tick(TICK);
    const half = this.checkpoint >> 1;
    if (j === 0) this.halfChangers = base;
    if (j === half) this.halfChangers = this.changers;
    if (j === this.checkpoint && (this.changers - this.halfChangers) * PAYS_BELOW > j - half) throw new GroupingDoesNotPay(this.simulated);
    let to = Math.min(n, (j + 1) | (TICK - 1));
    if (half > j && half < to) to = half;
    else if (this.checkpoint > j && this.checkpoint < to) to = this.checkpoint;
    return to;
  }

  probeAll(): void {
    const n = this.classOf.length;
    for (let j = 0; j < n; j = this.probeRun(j, this.nextStop(j, n, 0)));
    this.probeSettle();
    this.tick(n % TICK);
    if (this.verify) this.checkAll();
  }

  /** Probes of groups from..to-1 (no event between them); returns `to`. */
  private probeRun(from: number, to: number): number {
    for (let j = from; ; ) {
      const k = this.fast ? countProbes(CLASS_OF, PROBE_TAB, j, to) : countProbes(this.classOf, this.probeTab, j, to);
      this.memoised += k - j;
      if (k === to) return to;
      this.probeSlow(k);
      j = k + 1;
    }
  }

  /** Group j's class has nothing in the table: look its memos up (and fill the table), or probe it. */
  private probeSlow(j: number): void {
    const cls = this.classOf[j]!;
    const memo = this.probeLookup(cls, this.classInst[cls]!);
    // Representatives only ever come in during phase 1: once a slot has its reserve, it keeps it.
    if (memo && this.matCount[memo.slot]! >= this.slotReserve[memo.slot]!) {
      this.probeFast[cls] = memo.id;
      this.probeTab[2 * cls] = memo.slot;
      this.probeTab[2 * cls + 1]!++;
      this.memoised++;
      this.segment(cls, j, memo.slot);
      return;
    }
    const shared = this.verShared;
    this.segment(cls, j, this.probeMiss(j, cls, memo));
    if (this.verShared !== shared) {
      for (let c = 0; c < this.probeFast.length; c++) if (this.probeFast[c]! >= 0) this.probeDrop(c);
    } else this.probeKeep();
  }

  /** From group j on, class c's groups go to `slot` (until its next segment). */
  private segment(c: number, j: number, slot: number): void {
    const k = this.segAt.length;
    this.segAt.push(j);
    this.segSlot.push(slot);
    this.segNext.push(-1);
    const last = this.lastSeg[c]!;
    if (last >= 0) this.segNext[last] = k;
    else this.firstSeg[c] = k;
    this.lastSeg[c] = k;
  }

  /** Request phase: class c's groups are in segment k until requestTab[2c], in its slot requestTab[2c + 1]. */
  private enterSegment(c: number, k: number): void {
    this.curSeg[c] = k;
    this.requestTab[2 * c + 1] = this.segSlot[k]!;
    const next = this.segNext[k]!;
    this.requestTab[2 * c] = next >= 0 ? this.segAt[next]! : this.classOf.length;
  }

  /**
   * After a probe that left the shared state as it was: drop the entries whose lookup read a
   * tuple set that changed since (only its own instance's set, assumption 1; probe memos read
   * no other). Verify mode looks every entry kept up afresh.
   */
  private probeKeep(): void {
    const sets = this.instSets;
    for (let i = 0; i < sets.length; i++) {
      const changes = sets[i]!.changes;
      if (changes === this.instSeen[i]) continue;
      this.instSeen[i] = changes;
      for (const c of this.instClasses[i]!) {
        const id = this.probeFast[c]!;
        if (id >= 0 && this.classCache.get(c, this.verShared) !== this.probeById[id]) this.probeDrop(c);
      }
    }
    if (this.verify) {
      for (let c = 0; c < this.probeFast.length; c++) {
        const id = this.probeFast[c]!;
        if (id >= 0 && this.search(this.probeMemo[c], this.classInst[c]!, false, []) !== this.probeById[id]) throw new Error(`sweep: the probe table kept a memo for class ${c} that no longer fits`);
      }
    }
  }

  /** Settle class c's counter and empty its entry. */
  private probeDrop(c: number): void {
    this.probeHits[this.probeFast[c]!]! += this.probeTab[2 * c + 1]!;
    this.probeTab[2 * c + 1] = 0;
    this.probeTab[2 * c] = -1;
    this.probeFast[c] = -1;
  }

  /** Give the probe memos the groups counted with them. */
  private probeSettle(): void {
    const fast = this.probeFast;
    const tab = this.probeTab;
    for (let c = 0; c < fast.length; c++) {
      if (tab[2 * c + 1]) {
        this.probeHits[fast[c]!]! += tab[2 * c + 1]!;
        tab[2 * c + 1] = 0;
      }
    }
  }

  /**
   * Group j has no remembered probe that can be counted: probe it as a representative. Kept out
   * of probeRun so that loop stays small (it runs once per group; this once per simulated probe).
   */
  private probeMiss(j: number, cls: number, memo: ProbeMemo | undefined): number {
    this.sharedBefore();
    const { rep, req, reads } = this.materialise(j);
    this.spend();
    const slot = this.slotOf(cls, rep.tuple);
    if (this.verify) this.checkOthers(rep);
    const same = this.sharedSame();
    this.changed(same);
    if (same) {
      if (!memo) {
        const m: ProbeMemo = { inst: reads.inst, pools: reads.pools, poolInsts: reads.poolInsts, id: this.probeById.length, req, slot };
        this.probeMemo[cls]!.push(m);
        this.probeById.push(m);
        this.probeHits.push(0);
        this.classCache.forget(cls);
      } else if (this.verify && (memo.slot !== slot || JSON.stringify(memo.req) !== JSON.stringify(req))) {
        throw new Error(`sweep: compression assumption violated: probe of ${rep.group.id} differs from its remembered twin`);
      }
    }
    this.tally.add("probe", req);
    this.matCount[slot]!++;
    this.unused[slot]!.push(rep);
    empty(this.k.log);
    return slot;
  }

  // ---- Phase 2: consumer requests ------------------------------------------------------------

  private newContext(): void {
    // Those about to be re-tupled are checked first (their change would be taken in).
    if (this.verify) for (const r of this.heldReps) this.check(r);
    this.ctx = new ConsumerContext(this.cell.consumer, this.vfioType);
    this.heldList = [];
    this.heldIndex = new Map();
    this.heldIds.clear();
    // Groups on the old context's domains now name them by description.
    for (const r of [...this.heldReps]) this.retuple(r);
    this.occSets = [];
    this.instOn = [];
    this.listDescs = [];
    this.cumDesc = [];
    this.refreshConsumer();
    this.verShared++;
    this.requestClear();
  }

  /** Probe group j now, in the current state; accepted only if it lands where its twins did. */
  private late(j: number, slot: number): Rep {
    const inst = this.fleet.classes[this.slotClass[slot]!]!.instance;
    this.sharedBefore();
    const setsBefore = this.setChanges(inst);
    const { rep } = this.materialise(j, `late${this.reps.length}`);
    this.spend();
    empty(this.k.log);
    if (rep.tuple !== this.slotTuple[slot] || !this.sharedSame() || this.setChanges(inst) !== setsBefore) {
      const key = this.reserveKey(slot);
      this.reserve.set(key, Math.max(4, (this.reserve.get(key) ?? 1) * 4));
      throw new Restart();
    }
    if (this.verify) this.checkOthers(rep);
    return rep;
  }

  private requestFits(m: RequestMemo, inst: number): boolean {
    const n = this.heldList.length;
    if (m.full ? n !== m.len : n <= m.p) return false;
    if (m.lands) for (const i of m.lands.at) if (!this.occSets[i]?.has(m.lands.tuple)) return false;
    if (m.p >= 0 && this.cumDesc[m.p] !== m.desc) return false;
    if (m.occ) for (const [i, k] of m.occ) if (this.occSets[i]?.key() !== k) return false;
    if (m.on) for (const [i, k] of m.on) if (this.instOn[i]?.key() !== k) return false;
    return this.fits(m, inst);
  }

  private requestLookup(slot: number, inst: number): RequestMemo | undefined {
    // The context's fixed part is in the shared state: a new one always sends this through the list.
    const m = this.slotCache.get(slot, this.verShared);
    return m !== null ? m : this.requestFill(slot, inst);
  }

  private requestFill(slot: number, inst: number): RequestMemo | undefined {
    const deps = this.deps;
    empty(deps);
    const m = this.slotCache.fill(slot, this.verShared, this.search(this.requestMemo[slot]?.get(this.ctxFixed), inst, true, deps), deps);
    if (m) for (const d of deps) d.watchers.push(slot);
    return m;
  }

  /** Groups served in the current consumer context. */
  private inCtx = 0;

  requestAll(): void {
    const probes = this.changers;
    // Groups per slot: its representatives and the twins counted with its probe memos.
    const remaining = Int32Array.from(this.matCount);
    for (const m of this.probeById) remaining[m.slot]! += this.probeHits[m.id]!;
    this.remaining = remaining;
    const slots = this.slotClass.length;
    this.requestFast = new Int32Array(slots);
    this.fastRequest = this.fast && slots <= FAST_SLOTS;
    this.requestRoom = this.fastRequest ? ROOM.subarray(0, slots).fill(0) : new Int32Array(slots);
    this.requestGiven = new Int32Array(slots);
    this.requestIn = new Uint8Array(slots);
    this.newContext();
    this.inCtx = 0;
    const n = this.classOf.length;
    // A class no group has stays at "look" from group 0 on (never read).
    for (let c = 0; c < this.firstSeg.length; c++) if (this.firstSeg[c]! >= 0) this.enterSegment(c, this.firstSeg[c]!);
    for (let j = 0; j < n; j = this.requestRun(j, this.nextStop(j, n, probes)));
    this.requestClear();
    this.tick(n % TICK);
    if (this.verify) this.checkAll();
  }

  /** Requests of groups from..to-1 (no event between them); returns `to`. */
  private requestRun(from: number, to: number): number {
    const contextSize = this.contextSize;
    for (let j = from; ; ) {
      if (contextSize && this.inCtx === contextSize) {
        this.newContext();
        this.inCtx = 0;
      }
      const end = contextSize ? Math.min(to, j + contextSize - this.inCtx) : to;
      const k = this.fastRequest ? countRequests(CLASS_OF, REQUEST_TAB, ROOM, j, end) : countRequests(this.classOf, this.requestTab, this.requestRoom, j, end);
      this.memoised += k - j;
      this.inCtx += k - j;
      if (k === to) return to;
      if (k < end) {
        const c = this.classOf[k]!;
        if (k >= this.requestTab[2 * c]!) {
          // Group k starts its class's next segment: look again.
          this.enterSegment(c, this.segNext[this.curSeg[c]!]!);
          j = k;
          continue;
        }
        this.inCtx++;
        this.requestSlow(k, this.requestTab[2 * c + 1]!);
        j = k + 1;
      } else j = k;
    }
  }

  /**
   * Group j's slot has no room: look its memos up, and count it with one (setting the table to
   * let as many more of the slot's groups be counted as remain beyond its unused
   * representatives, so that the last ones take those), or run its request.
   */
  private requestSlow(j: number, slot: number): void {
    this.requestSettle(slot);
    const inst = this.classInst[this.slotClass[slot]!]!;
    const memo = this.requestLookup(slot, inst);
    const pool = this.unused[slot]!;
    const left = this.remaining[slot]!--;
    if (memo && pool.length <= left - 1) {
      this.requestHits[memo.id]!++;
      this.memoised++;
      this.requestFast[slot] = memo.id;
      this.requestRoom[slot] = this.requestGiven[slot] = left - 1 - pool.length;
      if (!this.requestIn[slot]) {
        this.requestIn[slot] = 1;
        this.requestSet.push(slot);
      }
      return;
    }
    const shared = this.verShared;
    this.requestMiss(j, slot, inst, memo, pool.length >= 2 || (pool.length === 1 && left === 1) ? pool.pop()! : null);
    if (this.verShared !== shared) this.requestClear();
    else this.requestKeep();
  }

  /**
   * After a request that left the shared state as it was: drop the entries whose lookup read a
   * tuple set that changed since (FitCache). A slot's limit counts its own groups and spare
   * representatives, which only its own slow path changes. Verify mode looks every entry kept
   * up afresh.
   */
  private requestKeep(): void {
    const changed = this.changedSets;
    for (let i = 0; i < changed.length; i++) {
      const t = changed[i]!;
      for (const s of t.watchers) if (this.requestRoom[s] !== 0 && this.slotCache.get(s, this.verShared) !== this.requestById[this.requestFast[s]!]) this.requestDrop(s);
      empty(t.watchers);
      t.logged = false;
    }
    empty(changed);
    if (this.verify) {
      for (const s of this.requestSet) {
        if (this.requestRoom[s] === 0) continue;
        const inst = this.classInst[this.slotClass[s]!]!;
        if (this.search(this.requestMemo[s]?.get(this.ctxFixed), inst, true, []) !== this.requestById[this.requestFast[s]!]) throw new Error(`sweep: the request table kept a memo for slot ${s} that no longer fits`);
      }
    }
  }

  /** Settle slot s's counter and close its entry (the next group looks). */
  private requestDrop(s: number): void {
    this.requestSettle(s);
    this.requestRoom[s] = this.requestGiven[s] = 0;
  }

  /** Give slot s's request memo the groups counted with it since it was set. */
  private requestSettle(s: number): void {
    const d = this.requestGiven[s]! - this.requestRoom[s]!;
    if (d === 0) return;
    this.requestHits[this.requestFast[s]!]! += d;
    this.remaining[s]! -= d;
    this.requestGiven[s] = this.requestRoom[s]!;
  }

  /** Settle every slot set, and empty the table (every cached lookup is stale: no watcher is needed). */
  private requestClear(): void {
    for (const s of this.requestSet) {
      this.requestDrop(s);
      this.requestIn[s] = 0;
    }
    empty(this.requestSet);
    for (const t of this.changedSets) t.logged = false;
    empty(this.changedSets);
    for (const sets of [this.instSets, this.occSets, this.instOn]) for (const t of sets) empty(t.watchers);
  }

  /**
   * Group j's request has no remembered twin that can be counted: run it on a representative
   * (`rep`, or group j probed now when null). Kept out of requestRun so that loop stays small.
   */
  private requestMiss(j: number, slot: number, inst: number, memo: RequestMemo | undefined, spare: Rep | null): void {
    if (spare && this.verify) this.check(spare);
    const rep = spare ?? this.late(j, slot);
    const ctxFixed = this.ctxFixed;
    this.sharedBefore();
    const lenBefore = this.heldList.length;
    this.begin(rep.group);
    const reqs = attachGroup(this.k, this.ctx!, rep.group);
    const touched = this.watch.touched;
    sortNumbers(touched);
    const last = touched.length ? touched[touched.length - 1]! : -1;
    const reads = this.reads(inst, rep.group);
    // What a new memo keeps (none is made when one fits already): the rolling keys where its
    // search may have stopped, who was on the positions tried (after a scan of every device)
    // or asked about, and which instances, as the request saw them (the group itself not there yet).
    let descLast = "";
    let descEnd = "";
    let occ: Array<[number, string]> | undefined;
    let on: Array<[number, string]> | undefined;
    if (!memo) {
      if (last >= 0 && last < lenBefore) descLast = this.cumDesc[last]!;
      if (lenBefore) descEnd = this.cumDesc[lenBefore - 1]!;
      const at = this.positions;
      empty(at);
      if (reads.occAt) for (const i of reads.occAt) addOnce(at, i);
      if (reads.inst !== undefined) for (const i of touched) if (i < lenBefore) addOnce(at, i);
      occ = keysAt(at, this.occSets);
      empty(at);
      if (reads.onAt) for (const i of reads.onAt) addOnce(at, i);
      on = keysAt(at, this.instOn);
    }
    this.refreshConsumer(touched);
    this.updatePools(rep.group);
    // A request that fits a memo lands where the memo's did (as every twin counted with it
    // does): its tuple is the memo's, not walked again. Verify mode walks it and compares.
    if (memo && this.sharedSame()) {
      this.move(rep, memo.to, memo.toHeld, memo.toHw);
      if (this.verify) this.landed(rep);
    } else this.retuple(rep);
    this.spend();
    if (this.verify) this.checkOthers(rep);
    const same = this.sharedSame();
    this.changed(same);
    if (same && !memo) {
      // Both searches stop at the first domain that takes the group: nothing after it was read.
      const stopped = this.ctx!.kind !== "direct" && reqs.every(attachedExisting) && last >= 0;
      const untouched = reqs.every(unavailable);
      const p = stopped ? last : untouched ? -1 : lenBefore - 1;
      const m: RequestMemo = {
        inst: reads.inst,
        pools: reads.pools,
        poolInsts: reads.poolInsts,
        lands: rep.held.length ? { tuple: rep.tuple, at: rep.held } : undefined,
        p,
        full: !stopped && !untouched,
        len: lenBefore,
        desc: p < 0 ? "" : stopped ? descLast : descEnd,
        occ,
        on,
        reqs,
        to: rep.tuple,
        toHeld: rep.held,
        toHw: rep.hw,
        id: this.requestById.length,
      };
      const bySlot = (this.requestMemo[slot] ??= new Map());
      let list = bySlot.get(ctxFixed);
      if (!list) bySlot.set(ctxFixed, (list = []));
      list.push(m);
      this.requestById.push(m);
      this.requestHits.push(0);
      this.slotCache.forget(slot);
    } else if (same && this.verify && JSON.stringify(memo!.reqs) !== JSON.stringify(reqs)) {
      throw new Error(`sweep: compression assumption violated: request of ${rep.group.id} differs from its remembered twin`);
    }
    for (const r of reqs) this.tally.add("attach", r);
    checkLimit(this.ctx!, this.domainsPerContext);
    empty(this.k.log);
  }

  /** Count the remembered transitions into the tally. */
  flush(): void {
    for (const list of this.probeMemo) for (const m of list) this.tally.add("probe", m.req, this.probeHits[m.id]);
    for (const m of this.requestById) for (const r of m.reqs) this.tally.add("attach", r, this.requestHits[m.id]);
  }
}

/**
 * The counting loops' tables for fleets of up to FAST_GROUPS groups and FAST_CLASSES classes,
 * with up to FAST_SLOTS slots: module constants, reused by every engine of the thread (one cell
 * at a time), the fleet's classes copied in. V8 compiles a loop over typed arrays it knows as
 * constants (their length and storage) about three times faster than one over arrays it is
 * handed (800,143 groups: the probe loop 1.0 against 3.4 ms, the request loop 0.8 against 2.4).
 * Larger fleets get tables of their own, counted by the same loops. About 4.5 MB per thread, of
 * which the pages a fleet does not reach are never touched.
 */
const FAST_GROUPS = 1 << 20;
const FAST_CLASSES = 1 << 15;
const FAST_SLOTS = 1 << 16;
/** Fleets of more groups than this use tables of their own (FAST_GROUPS; tests lower it: countOwnAbove). */
let fastGroups = FAST_GROUPS;
const CLASS_OF = new Int32Array(FAST_GROUPS);
const PROBE_TAB = new Int32Array(2 * FAST_CLASSES);
const REQUEST_TAB = new Int32Array(2 * FAST_CLASSES);
const ROOM = new Int32Array(FAST_SLOTS);

/**
 * The probe loop: count groups from..to-1 while their class has a slot in `tab` (tab[2c]; its
 * counter tab[2c + 1]); returns the first group whose class has none.
 */
function countProbes(classOf: Int32Array, tab: Int32Array, from: number, to: number): number {
  let j = from;
  for (; j < to; j++) {
    const c2 = classOf[j]! << 1;
    if (tab[c2]! < 0) break;
    tab[c2 + 1]!++;
  }
  return j;
}

/** Tests: fleets of more than `groups` groups (at most FAST_GROUPS) count over tables of their own; returns the limit it replaces. */
export function countOwnAbove(groups: number): number {
  const was = fastGroups;
  fastGroups = Math.min(groups, FAST_GROUPS);
  return was;
}

/**
 * The request loop: count groups from..to-1 while they are in their class's segment (before
 * tab[2c]) and its slot (tab[2c + 1]) has room; returns the first group that is not.
 */
function countRequests(classOf: Int32Array, tab: Int32Array, room: Int32Array, from: number, to: number): number {
  let j = from;
  for (; j < to; j++) {
    const c2 = classOf[j]! << 1;
    if (j >= tab[c2]!) break;
    const s = tab[c2 + 1]!;
    const r = room[s]!;
    if (r === 0) break;
    room[s] = r - 1;
  }
  return j;
}

export function runCompressed(exp: Experiment, fleet: Fleet, cell: Cell, opts: EngineOptions = {}): CellResult {
  const reserve = new Map<string, number>();
  let spent = 0;
  for (let restarts = 0; ; restarts++) {
    // A restart runs the cell again from the start; progress already reported is not taken back.
    const e = new Engine(exp, fleet, cell, reserve, opts.verify === true, restarts ? () => {} : (opts.tick ?? (() => {})));
    if (opts.payOff) e.payOff(spent);
    try {
      e.probeAll();
      e.requestAll();
    } catch (x) {
      if (x instanceof Restart) {
        spent += e.simulated;
        continue;
      }
      throw x;
    }
    e.flush();
    return {
      cell,
      rows: e.tally.rows(cell),
      stats: {
        engine: "compressed",
        groups: fleet.classOf.length,
        devices: fleet.devices,
        materialised: e.reps.length,
        simulated: e.simulated,
        memoised: e.memoised,
        restarts,
      },
    };
  }
}

/** Drivers this process has seen counting their own domains (for reports and tests). */
export function countingDrivers(): string[] {
  return [...poolDrivers].filter((d) => allDrivers.has(d)).sort();
}

/** Tell this process which drivers count their domains (found by another thread), sparing it restarts. */
export function knowCountingDrivers(ids: readonly string[]): void {
  for (const d of ids) if (allDrivers.has(d)) poolDrivers.add(d);
}
