/**
 * Verify mode's memory (the compressed engine's `verify`): what it last confirmed, so that
 * checking every representative after every transition costs a walk that compares, not the
 * making of every state string. Per representative, the fingerprint of its state
 * (./state stateFingerprint) taken when its string was last found equal to the one the engine
 * keeps. A fingerprint that still matches proves the string unchanged; one that does not sends
 * the check to the string. Per domain, likewise, the number of its description.
 */
import type { Domain, Group } from "../../lib/model.ts";
import { describeDomain, type DomainKey, domainFingerprint, domainUnchanged, stateFingerprint, stateUnchanged, TokenCheck } from "./state.ts";

export class Verified<R extends { readonly group: Group }> {
  private readonly states = new Map<R, { fp: unknown[]; s: string }>();
  private readonly descs = new WeakMap<Domain, { fp: unknown[]; id: number }>();
  private readonly descStr = new TokenCheck("description");

  constructor(
    /** What the engine names a domain by, as ./state DomainKey. */
    private readonly key: DomainKey,
    /** A representative's state string, made from its objects now. */
    private readonly stateOf: (r: R) => string,
  ) {}

  /**
   * The number of d's description: made by `id` (from tokens) and checked against
   * describeDomain(d) both ways (./state TokenCheck) whenever the domain may have changed since
   * it was last checked, else the number then.
   */
  descId(d: Domain, id: (d: Domain) => number): number {
    const c = this.descs.get(d);
    if (c && domainUnchanged(d, c.fp)) return c.id;
    const n = id(d);
    this.descStr.check(n, describeDomain(d));
    this.descs.set(d, { fp: domainFingerprint(d), id: n });
    return n;
  }

  /**
   * r's state string is `s` now (the engine has just made it and checked it against its tokens):
   * fingerprint it, so that r's next check is a walk that compares, not another string.
   */
  confirmed(r: R, s: string): void {
    this.states.set(r, { fp: stateFingerprint(r.group, this.key), s });
  }

  /**
   * r's state now if it is not `was`, else null. The fingerprint is trusted only against the
   * string it was confirmed for: r may have moved (its own transition) and come back since.
   */
  changed(r: R, was: string): string | null {
    const c = this.states.get(r);
    if (c && c.s === was && stateUnchanged(r.group, this.key, c.fp)) return null;
    const s = this.stateOf(r);
    if (s !== was) return s;
    // Kept as `was`, the engine's own string (equal to s): the next check compares it by reference, not char by char.
    this.states.set(r, { fp: stateFingerprint(r.group, this.key), s: was });
    return null;
  }
}
