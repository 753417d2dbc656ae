/**
 * The state of a group, and the description of a domain, as strings derived from every own
 * field of the objects (no hand-kept list of fields): a field added to Device, Group or Domain
 * is part of the state at once, so the compressed engine cannot count two groups that differ
 * in it as one.
 *
 * How values are written: `id` fields are identity, never state; primitives as they are; a
 * domain by its name (given by the caller: static ones by driver and type, a consumer's by its
 * position, others by description), numbered on first sight within one state so that two
 * fields naming the same domain read the same ($0, $0) and two equal-looking domains do not
 * ($0, $1); the group itself as SELF, its devices field by field; any other object with an id
 * (an instance, a driver, another group) by that id; other objects (props, PASID entries)
 * field by field; Arrays, Maps and Sets element by element.
 */
import type { Device, Domain, Group } from "../../lib/model.ts";

/** How a state names a domain: "S:<driver>:<type>", "H<position>", "X(<description>)", ... */
export type DomainName = (d: Domain) => string;

const isDomain = (o: object): o is Domain => "isStatic" in o && "owner" in o && "freed" in o;

/** Per plain object (props and the like), its last string and the entries it was made from (compared: drivers change props in place). */
const plainSeen = new WeakMap<object, { flat: unknown[]; s: string }>();

/** JSON.stringify of the strings states hold (field values: types, stages, owners; a few dozen), kept: verify mode writes them in every state string, and a lookup costs less than the call (the Writer 13% faster). */
const quoted = new Map<string, string>();

function quote(v: string): string {
  let q = quoted.get(v);
  if (q === undefined) {
    q = JSON.stringify(v);
    if (quoted.size < 4096) quoted.set(v, q);
  }
  return q;
}

class Writer {
  private seen: Domain[] = [];
  constructor(
    private readonly self: Group | null,
    private readonly name: DomainName,
  ) {}

  value(v: unknown): string {
    if (v === null || v === undefined) return "-";
    switch (typeof v) {
      case "boolean":
        return v ? "1" : "0";
      case "number":
        return String(v);
      case "string":
        return quote(v);
      case "object":
        return this.object(v);
      default:
        return typeof v;
    }
  }

  private object(o: object): string {
    if (Array.isArray(o)) {
      let s = "[";
      for (const x of o) s += `${this.value(x)},`;
      return `${s}]`;
    }
    if (o instanceof Map) {
      let s = "M[";
      o.forEach((x, k) => (s += `${this.value(k)}=${this.value(x)},`));
      return `${s}]`;
    }
    if (o instanceof Set) {
      let s = "S[";
      o.forEach((x) => (s += `${this.value(x)},`));
      return `${s}]`;
    }
    if (isDomain(o)) {
      const i = this.seen.indexOf(o);
      if (i >= 0) return `$${i}`;
      this.seen.push(o);
      return `$${this.seen.length - 1}=${this.name(o)}`;
    }
    if (o === this.self) return "SELF";
    if (this.self && (o as Partial<Device>).group === this.self) return this.fields(o);
    const id = (o as { id?: unknown }).id;
    if (typeof id === "string") return `#${id}`;
    return this.plain(o);
  }

  /** Every own field but the id. */
  fields(o: object): string {
    let s = "{";
    for (const k in o) if (k !== "id") s += `${k}:${this.value((o as Record<string, unknown>)[k])};`;
    return `${s}}`;
  }

  /** A plain object; cached while its entries stay the same primitives. */
  private plain(o: object): string {
    const r = o as Record<string, unknown>;
    const seen = plainSeen.get(o);
    if (seen) {
      let i = 0;
      for (const k in r) {
        if (seen.flat[i] !== k || seen.flat[i + 1] !== r[k]) {
          i = -1;
          break;
        }
        i += 2;
      }
      if (i === seen.flat.length) return seen.s;
    }
    const flat: unknown[] = [];
    let primitive = true;
    for (const k in r) {
      const v = r[k];
      flat.push(k, v);
      if (v !== null && typeof v === "object") primitive = false;
    }
    const s = this.fields(o);
    if (primitive) plainSeen.set(o, { flat, s });
    return s;
  }
}

/** The state of group `g`: every field of it and of its devices, domains named by `name`. */
export function groupState(g: Group, name: DomainName): string {
  return new Writer(g, name).fields(g);
}

/** The state of one device outside any group (for tests and tools). */
export function deviceState(d: Device, name: DomainName): string {
  return new Writer(d.group, name).fields(d);
}

/** A domain named by a field of another domain: by its id (no field does today; identity is the safe side). */
const byId: DomainName = (d) => `#${d.id}`;

/** A domain's description: every field but its id (owner and instance by their ids). */
export function describeDomain(d: Domain): string {
  return new Writer(null, byId).fields(d);
}

/**
 * How a fingerprint keys a domain's name: a primitive that determines the name (the engine's
 * "S:<driver>:<type>" or list position), or null when the name is its description (walked
 * field by field).
 */
export type DomainKey = (d: Domain) => string | number | null;

/** Closes an object's fields in a fingerprint (a field moved between nested objects changes the list). */
const END = Symbol("end");
const byIdKey: DomainKey = (d) => d.id;

/**
 * Fingerprints, for verify mode: "has this state (or description) changed" without making the
 * string. A fingerprint is the flat list of every value its string is made from, in the order
 * the Writer reads them (object identities, field names, primitives, each domain's key, the
 * values its branches test), so an equal list means an equal string; comparing one allocates
 * nothing. Unequal lists may still give an equal string (a new object with the same fields):
 * the caller then makes the string.
 */
class Walk {
  private seen: Domain[] = [];
  private i = 0;
  private ok = true;

  private constructor(
    private self: Group | null,
    private key: DomainKey,
    /** Recorded values; compared against unless `recording`. */
    private readonly flat: unknown[],
    private readonly recording: boolean,
  ) {}

  static record(self: Group | null, key: DomainKey, root: object): unknown[] {
    const w = new Walk(self, key, [], true);
    w.fields(root);
    return w.flat;
  }

  static same(self: Group | null, key: DomainKey, root: object, flat: unknown[]): boolean {
    const w = new Walk(self, key, flat, false);
    w.fields(root);
    return w.ok && w.i === flat.length;
  }

  private put(v: unknown): void {
    if (this.recording) this.flat.push(v);
    else if (this.ok && (this.i >= this.flat.length || this.flat[this.i] !== v)) this.ok = false;
    this.i++;
  }

  private value(v: unknown): void {
    if (v !== null && typeof v === "object") this.object(v);
    else this.put(v);
  }

  private object(o: object): void {
    this.put(o);
    if (Array.isArray(o)) {
      this.put(o.length);
      for (const x of o) this.value(x);
    } else if (o instanceof Map) {
      this.put(o.size);
      o.forEach((x, k) => {
        this.value(k);
        this.value(x);
      });
    } else if (o instanceof Set) {
      this.put(o.size);
      o.forEach((x) => this.value(x));
    } else if (isDomain(o)) {
      this.put(true);
      if (this.seen.includes(o)) return;
      this.seen.push(o);
      const k = this.key(o);
      this.put(k);
      if (k === null) this.describe(o);
    } else if (o !== this.self) {
      this.put(false);
      const g = (o as Partial<Device>).group;
      this.put(g);
      if (this.self && g === this.self) return this.fields(o);
      const id = (o as { id?: unknown }).id;
      this.put(id);
      if (typeof id !== "string") this.fields(o);
    }
  }

  /** A domain named by its description: its fields as describeDomain writes them. */
  private describe(d: Domain): void {
    const { self, key, seen } = this;
    this.self = null;
    this.key = byIdKey;
    this.seen = [];
    this.fields(d);
    this.self = self;
    this.key = key;
    this.seen = seen;
  }

  private fields(o: object): void {
    for (const k in o) {
      if (k === "id") continue;
      this.put(k);
      this.value((o as Record<string, unknown>)[k]);
    }
    this.put(END);
  }
}

/** Fingerprint of groupState(g, name), `key` standing for `name`. */
export function stateFingerprint(g: Group, key: DomainKey): unknown[] {
  return Walk.record(g, key, g);
}

/** Is groupState(g, name) what it was when `fp` was taken (true: surely; false: make the string to know)? */
export function stateUnchanged(g: Group, key: DomainKey, fp: unknown[]): boolean {
  return Walk.same(g, key, g, fp);
}

/** Fingerprint of describeDomain(d). */
export function domainFingerprint(d: Domain): unknown[] {
  return Walk.record(null, byIdKey, d);
}

/** Is describeDomain(d) what it was when `fp` was taken (true: surely)? */
export function domainUnchanged(d: Domain, fp: unknown[]): boolean {
  return Walk.same(null, byIdKey, d, fp);
}

/**
 * How a token list names a domain (the engine's DomainName, as tokens): add its name to w's
 * list through w.raw (a name such as "S:<driver>:<type>"), w.held (a list position) or
 * w.describe (its description). A method of an object, not a closure, so that optimised code
 * calling it outlives the engine that made it.
 */
export interface DomainTokens {
  domainTokens(d: Domain, w: StateTokens): void;
}

// Marks of the token grammar; interned tokens start above them.
const NIL = 0;
const ARR = 1;
const MAP = 2;
const SET = 3;
const CLOSE = 4;
const OBJ = 5;
const SELF = 6;
const REF = 7;
const DEF = 8;
const ID = 9;
const DESC = 10;
const HELD = 11;
const TYPE = 12;

/**
 * Interned tokens, process-wide (so a token list means the same in every engine of the thread):
 * one space for field names, string values, numbers and raw names. They grow with the distinct
 * values states hold (field names, ids of instances and drivers, flags), not with fleet size.
 */
let nextToken = 16;
const stringTokens = new Map<string, number>();
const numberTokens = new Map<number, number>();
const rawTokens = new Map<string, number>();

function intern<K>(m: Map<K, number>, k: K): number {
  let t = m.get(k);
  if (t === undefined) m.set(k, (t = nextToken++));
  return t;
}

/** Field names' tokens, in an object: a keyed load with an internalised name is cheaper than a Map lookup. */
const nameTokenOf: Record<string, number> = Object.create(null);

function nameToken(k: string): number {
  const t = nameTokenOf[k];
  return t !== undefined ? t : (nameTokenOf[k] = nextToken++);
}

/** Tokens of the integers 0..255 (booleans are 0 and 1), kept apart from the Map of other numbers; 0: none yet. */
const smallTokens = new Int32Array(256);

function numberToken(v: number): number {
  if (v >= 0 && v < 256 && (v | 0) === v) {
    const t = smallTokens[v]!;
    return t !== 0 ? t : (smallTokens[v] = nextToken++);
  }
  return intern(numberTokens, v);
}

/**
 * A group's state as a list of integers instead of a string: the Writer's walk, with every
 * field name, primitive and mark a token, so that two states give equal lists exactly when
 * groupState gives equal strings (it reads booleans as 1/0 and undefined as null, and so do
 * the tokens), and hashing or comparing one allocates nothing. The compressed engine interns
 * its tuples by them; in verify mode it checks them against the strings both ways. The walk
 * allocates nothing either (one buffer, reused): it runs on every simulated transition.
 */
export class StateTokens {
  /** The last list made: buf[0..n-1] (reused: copy what is kept). */
  buf = new Int32Array(256);
  n = 0;
  /** Domains numbered so far ($i), from `base` on: a description numbers its own from 0. */
  private readonly seen: Domain[] = [];
  private seenN = 0;
  private base = 0;
  private self: Group | null = null;
  /** Inside a description: domains are named by id (describeDomain's byId). */
  private byId = false;

  constructor(private readonly namer: DomainTokens) {}

  /** Tokens of `prefix` and groupState(g, the namer's names). */
  state(g: Group, prefix: number): this {
    this.start(g);
    this.put(prefix);
    this.fields(g);
    return this;
  }

  /** Tokens of describeDomain(d). */
  description(d: Domain): this {
    this.start(null);
    this.describe(d);
    return this;
  }

  private start(self: Group | null): void {
    this.n = 0;
    this.seenN = this.base = 0;
    this.self = self;
    this.byId = false;
  }

  /** A raw name (as the namer's "S:..." strings). */
  raw(name: string): void {
    this.put(TYPE);
    this.put(intern(rawTokens, name));
  }

  /** A position of the consumer's list ("H<i>"). */
  held(i: number): void {
    this.put(HELD);
    this.put(i);
  }

  /** A domain's description (describeDomain's fields, "X(...)"), walked apart from the state around it. */
  describe(d: Domain): void {
    const { base, self, byId } = this;
    this.base = this.seenN;
    this.self = null;
    this.byId = true;
    this.put(DESC);
    this.fields(d);
    this.seenN = this.base;
    this.base = base;
    this.self = self;
    this.byId = byId;
  }

  private put(t: number): void {
    if (this.n === this.buf.length) {
      const b = new Int32Array(2 * this.n);
      b.set(this.buf);
      this.buf = b;
    }
    this.buf[this.n++] = t;
  }

  private value(v: unknown): void {
    if (v === null || v === undefined) {
      this.put(NIL);
      return;
    }
    switch (typeof v) {
      case "boolean":
        this.put(numberToken(v ? 1 : 0));
        return;
      case "number":
        this.put(numberToken(v));
        return;
      case "string":
        this.put(intern(stringTokens, v));
        return;
      case "object":
        this.object(v);
        return;
      default:
        this.raw(typeof v);
    }
  }

  private object(o: object): void {
    if (Array.isArray(o)) {
      this.put(ARR);
      for (let i = 0; i < o.length; i++) this.value(o[i]);
      this.put(CLOSE);
    } else if (o instanceof Map) {
      this.put(MAP);
      if (o.size) {
        for (const [k, x] of o) {
          this.value(k);
          this.value(x);
        }
      }
      this.put(CLOSE);
    } else if (o instanceof Set) {
      this.put(SET);
      if (o.size) for (const x of o) this.value(x);
      this.put(CLOSE);
    } else if (isDomain(o)) {
      for (let i = this.base; i < this.seenN; i++) {
        if (this.seen[i] === o) {
          this.put(REF);
          this.put(i - this.base);
          return;
        }
      }
      this.seen[this.seenN++] = o;
      this.put(DEF);
      if (this.byId) {
        this.put(ID);
        this.put(intern(stringTokens, o.id));
      } else this.namer.domainTokens(o, this);
    } else if (o === this.self) this.put(SELF);
    else if (this.self && (o as Partial<Device>).group === this.self) this.fields(o);
    else {
      const id = (o as { id?: unknown }).id;
      if (typeof id === "string") {
        this.put(ID);
        this.put(intern(stringTokens, id));
      } else this.fields(o);
    }
  }

  private fields(o: object): void {
    this.put(OBJ);
    for (const k in o) {
      if (k === "id") continue;
      this.put(nameToken(k));
      this.value((o as Record<string, unknown>)[k]);
    }
    this.put(CLOSE);
  }
}

/** Token lists interned as small integers, in order of first sight (a hash table: equal lists, equal numbers). */
export class TokenTable {
  private readonly lists: Int32Array[] = [];
  private readonly head = new Map<number, number>();
  private readonly next: number[] = [];

  /** The number of the list w made last (a copy is kept when it is new). */
  intern(w: StateTokens): number {
    const { buf, n } = w;
    let h = n;
    for (let i = 0; i < n; i++) h = Math.imul(h ^ buf[i]!, 0x01000193);
    // A small integer (Smi) key: a larger one is a heap number, allocated and hashed as a double.
    h &= 0x3fffffff;
    const first = this.head.get(h) ?? -1;
    for (let t = first; t >= 0; t = this.next[t]!) {
      const x = this.lists[t]!;
      if (x.length !== n) continue;
      let i = 0;
      while (i < n && x[i] === buf[i]) i++;
      if (i === n) return t;
    }
    const t = this.lists.length;
    this.lists.push(buf.slice(0, n));
    this.next.push(first);
    this.head.set(h, t);
    return t;
  }

  /** How many lists are interned. */
  get size(): number {
    return this.lists.length;
  }

  /** The tokens of number t. */
  tokens(t: number): Int32Array {
    return this.lists[t]!;
  }
}

/**
 * Verify mode: the strings of the lists a TokenTable interns, both ways, so that tokens that
 * would merge two different strings, or split one, are caught.
 */
export class TokenCheck {
  private readonly strs: string[] = [];
  private readonly ids = new Map<string, number>();

  constructor(private readonly what: string) {}

  check(id: number, s: string): void {
    const was = this.strs[id];
    if (was === undefined) {
      const other = this.ids.get(s);
      if (other !== undefined) throw new Error(`sweep: ${this.what} tokens split one string into ${other} and ${id}: ${s}`);
      this.strs[id] = s;
      this.ids.set(s, id);
    } else if (was !== s) throw new Error(`sweep: ${this.what} tokens merged two strings: ${was} and ${s}`);
  }

  /** The string of number id (checked before). */
  string(id: number): string {
    return this.strs[id]!;
  }
}
