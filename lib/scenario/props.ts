/**
 * Checking one property value against the driver's schema of it (lib/props.ts): the value has
 * the schema's type; a number is an integer within the schema's range; a oneOf() string is one
 * of its values; a span() string must parse as "start-end" with start <= end. A value that fails
 * would otherwise be read as something else by the driver (e.g. an unparsable range as 0-0): a
 * silently wrong result.
 */
import { isSpan, propDefault, propRange, type PropSchema, propValues, propValueType } from "../props.ts";
import { quote } from "../text.ts";

/** The format of s390's zdev->start_dma/end_dma and the domain aperture: "start-end", hex or decimal. */
const RANGE_RE = /^\s*(0x[0-9a-f]+|\d+)\s*-\s*(0x[0-9a-f]+|\d+)\s*$/i;
const U64_MAX = (1n << 64n) - 1n;

/** What is wrong with `v` as a value of `s`, or null when it is valid. */
export function propValueProblem(s: PropSchema, v: unknown): string | null {
  const type = propValueType(s);
  if (typeof v !== type) return `expected a ${type}, got ${v === null ? "null" : typeof v}`;
  const range = propRange(s);
  if (range && (!Number.isInteger(v) || (v as number) < range.min || (v as number) > range.max)) return `expected an integer from ${range.min} to ${range.max}, got ${v as number}`;
  const values = propValues(s);
  if (values && !values.includes(v as string)) return `expected one of ${values.map((o) => quote(o)).join(", ")}, got ${quote(v as string)}`;
  if (typeof v === "string" && isSpan(s) && !(v === "" && propDefault(s) === "")) {
    const m = RANGE_RE.exec(v);
    if (!m) return `expected a range "start-end" in hex (e.g. "0x1000-0xffff"), got ${quote(v)}`;
    const [start, end] = [BigInt(m[1]!), BigInt(m[2]!)];
    if (end > U64_MAX) return `the range ${quote(v)} goes past 64 bits`;
    if (start > end) return `the range ${quote(v)} starts after it ends`;
  }
  return null;
}
