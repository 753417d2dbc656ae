/**
 * Checking one property value against the driver's PropDoc. A PropDoc declares a name and a
 * default only, so the checks are generic: the value has the default's type; numbers are
 * integers (every documented number is a count, an index, a width or a mask), not below -1
 * ("none") when the default is negative and not below 0 otherwise; a string documented as a
 * "start-end" range must parse as one, with start <= end. A few properties whose range the
 * hardware fixes are bounded by name (RANGES). A value that fails would otherwise be read as
 * something else by the driver (e.g. an unparsable range as 0-0): a silently wrong result.
 */
import type { PropDoc } from "../driver.ts";
import { quote } from "./text.ts";

/** Bounds the hardware fixes, by property name (inclusive). */
const RANGES: Record<string, [number, number]> = {
  /** SMMUv3 IDR1.SSIDSIZE: at most 20 bits of substream ID (PCIe PASIDs are 20 bits). */
  ssidBits: [0, 20],
  /** Input address widths: at most 64 bits. */
  addressWidth: [1, 64],
  maxAddrBits: [0, 64],
};
/** Largest number any other property takes (the widest is a 32-bit mask or id). */
const NUMBER_MAX = 0xffff_ffff;

/** The format of s390's zdev->start_dma/end_dma and the domain aperture: "start-end", hex or decimal. */
const RANGE_RE = /^\s*(0x[0-9a-f]+|\d+)\s*-\s*(0x[0-9a-f]+|\d+)\s*$/i;
const U64_MAX = (1n << 64n) - 1n;

const isRangeDoc = (d: PropDoc) => typeof d.default === "string" && /"start-end"/.test(d.what);

/** What is wrong with `v` as a value of `doc`, or null when it is valid. */
export function propValueProblem(doc: PropDoc, v: unknown): string | null {
  if (typeof v !== typeof doc.default) return `expected a ${typeof doc.default}, got ${v === null ? "null" : typeof v}`;
  if (typeof v === "number") {
    const [min, max] = RANGES[doc.name] ?? [typeof doc.default === "number" && doc.default < 0 ? -1 : 0, NUMBER_MAX];
    if (!Number.isInteger(v) || v < min || v > max) return `expected an integer from ${min} to ${max}, got ${v}`;
  }
  if (typeof v === "string" && isRangeDoc(doc) && !(v === "" && doc.default === "")) {
    const m = RANGE_RE.exec(v);
    if (!m) return `expected a range "start-end" in hex (e.g. "0x1000-0xffff"), got ${quote(v)}`;
    const [start, end] = [BigInt(m[1]!), BigInt(m[2]!)];
    if (end > U64_MAX) return `the range ${quote(v)} goes past 64 bits`;
    if (start > end) return `the range ${quote(v)} starts after it ends`;
  }
  return null;
}
