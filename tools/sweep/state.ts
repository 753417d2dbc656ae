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
        return JSON.stringify(v);
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
