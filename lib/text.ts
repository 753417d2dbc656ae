/**
 * Echoing user text in one-line error messages: control characters escaped (a newline or an
 * ANSI escape in a name must not break the line or drive the terminal), each value shortened,
 * the whole line bounded.
 */

/** Longest echoed value, in characters, before it is cut with an ellipsis. */
export const ECHO_MAX = 60;
/** Longest error message (the README promises one line of at most 300 characters). */
export const LINE_MAX = 280;

/** C0/C1 controls, DEL, and the Unicode line/paragraph separators, as escapes. */
export function escapeControls(s: string): string {
  return s.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => {
    const named: Record<string, string> = { "\n": "\\n", "\r": "\\r", "\t": "\\t" };
    return named[c] ?? `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`;
  });
}

/** s cut to at most max characters (escapes counted), with "..." when cut. */
export function shorten(s: string, max = ECHO_MAX): string {
  const e = escapeControls(s);
  return e.length <= max ? e : `${e.slice(0, max - 3)}...`;
}

/** A user's value for an error message: double-quoted, escaped, shortened. */
export function quote(s: string, max = ECHO_MAX): string {
  return `"${shorten(s.replace(/["\\]/g, (c) => `\\${c}`), max)}"`;
}

/** A whole message as one bounded line. */
export function oneLine(s: string, max = LINE_MAX): string {
  return shorten(s, max);
}

/** One key of a JSON path: `.name` for plain identifiers, `["..."]` (quoted) for anything else. */
export function pathKey(k: string, first = false): string {
  if (/^[A-Za-z_$][A-Za-z0-9_$-]{0,59}$/.test(k)) return first ? k : `.${k}`;
  return `[${quote(k)}]`;
}
