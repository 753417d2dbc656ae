/**
 * Driver variants ("driver:name", a check's alternative rows such as a regression or a proposed
 * patch): the names each driver defines, and the check that a requested one exists. An unknown
 * variant would otherwise run the baseline under the variant's label.
 */
import { DRIVERS } from "../hardware/registry.ts";
import type { DriverModel } from "./driver.ts";
import { isRevisionVariant, REVISIONS } from "./eras.ts";
import { setVariantCheck } from "./model.ts";
import { quote } from "./scenario/text.ts";

/** Variant names a driver defines on any of its checks, sorted. */
export function driverVariants(d: DriverModel): string[] {
  const out = new Set<string>();
  for (const s of [...d.attach, ...(d.staticAttach ?? []), ...d.setDevPasid]) {
    if (s.kind === "check" && s.variants) for (const v of Object.keys(s.variants)) out.add(v);
  }
  return [...out].sort();
}

/** Every known variant: "driver:name", and the proposal revisions "era:revision" (lib/eras.ts REVISIONS). */
export function knownVariants(): string[] {
  const revisions = Object.entries(REVISIONS).flatMap(([era, revs]) => (revs ?? []).map((r) => `${era}:${r.id}`));
  return [...DRIVERS.flatMap((d) => driverVariants(d).map((v) => `${d.id}:${v}`)), ...revisions];
}

/**
 * What is wrong with a requested variant, or null when a driver defines it. Not memoised: the
 * exercise harness patches a registered driver's checks (and their variants) for a while.
 */
export function variantProblem(v: string): string | null {
  if (isRevisionVariant(v)) return null; // a proposal revision, e.g. "emediumtype-2022:v1"
  const colon = v.indexOf(":");
  const id = colon < 0 ? v : v.slice(0, colon);
  const name = colon < 0 ? "" : v.slice(colon + 1);
  const d = DRIVERS.find((x) => x.id === id);
  if (colon < 0 || !d) {
    const withVariants = DRIVERS.filter((x) => driverVariants(x).length).map((x) => x.id);
    const what = colon < 0 ? `malformed variant ${quote(v)} (expected "driver:name")` : `unknown driver ${quote(id)} in variant ${quote(v)}`;
    return `${what}; drivers with variants: ${withVariants.join(", ")}`;
  }
  const known = driverVariants(d);
  if (!known.includes(name)) return `${id} has no variant ${quote(name)} (known: ${known.map((n) => `${id}:${n}`).join(", ") || "none"})`;
  return null;
}

setVariantCheck(variantProblem);
