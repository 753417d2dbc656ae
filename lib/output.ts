/**
 * Writing `--out` safely, for `run --out FILE` and `sweep --out DIR` alike:
 * - the output never names an input (same file by path, symlink or hard link) nor a folder
 *   holding one;
 * - a folder is replaced only when it carries the marker file a sweep wrote into it, so a
 *   user's folder (or `.`) is never renamed or deleted;
 * - everything is written under a temporary name created here, in the target's folder, and
 *   renamed into place; a failed write (disk full, file too large) removes what it created.
 * Every refusal is an OutputError (an InputError: exit 2, one line).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { InputError } from "./scenario/load.ts";
import { quote } from "./text.ts";

/** Bad `--out`, or a write that failed for a reason outside the program (ENOSPC, EACCES ...). */
export class OutputError extends InputError {
  constructor(out: string, message: string) {
    super(`--out ${quote(out)}`, message);
    this.name = "OutputError";
  }
}

/** The marker file a sweep writes into its output folder, and its content. */
export const SWEEP_MARKER = ".iommu-lab-sweep";
export const SWEEP_MARKER_TEXT = "iommu-lab sweep output: this folder is replaced by the next sweep --out\n";

/** The function that writes one file; tests pass one that fails like a full disk. */
export type WriteFile = (file: string, data: string | Uint8Array) => void;
const defaultWrite: WriteFile = (f, d) => fs.writeFileSync(f, d, { flag: "wx" });

function lstat(p: string): fs.Stats | null {
  try {
    return fs.lstatSync(p);
  } catch {
    return null;
  }
}

function stat(p: string): fs.Stats | null {
  try {
    return fs.statSync(p);
  } catch {
    return null;
  }
}

/** The real path of p, or of its nearest existing ancestor joined with the rest. */
function realish(p: string): string {
  const abs = path.resolve(p);
  try {
    return fs.realpathSync(abs);
  } catch {
    const parent = path.dirname(abs);
    return parent === abs ? abs : path.join(realish(parent), path.basename(abs));
  }
}

const within = (inner: string, outer: string) => inner === outer || inner.startsWith(outer.endsWith(path.sep) ? outer : outer + path.sep);

function describeErrno(e: unknown): string {
  const x = e as NodeJS.ErrnoException;
  const words: Record<string, string> = {
    ENOSPC: "no space left on the device",
    EFBIG: "file too large",
    EDQUOT: "disk quota exceeded",
    EACCES: "permission denied",
    EPERM: "operation not permitted",
    EROFS: "read-only file system",
    ENOENT: "no such file or folder",
    ENOTDIR: "a part of the path is not a folder",
    EISDIR: "is a folder",
    EXDEV: "crosses file systems",
    EIO: "input/output error",
  };
  return x.code ? `${x.code}: ${words[x.code] ?? "error"}` : "error";
}

/** Refusals common to files and folders: an input named or contained, a missing parent folder. */
function checkCommon(out: string, inputs: readonly string[]): void {
  const real = realish(out);
  const outStat = stat(out);
  for (const input of inputs) {
    const inReal = realish(input);
    const inStat = stat(input);
    const sameFile = inStat !== null && outStat !== null && inStat.dev === outStat.dev && inStat.ino === outStat.ino;
    if (sameFile || inReal === real) throw new OutputError(out, `is the input file ${quote(input)}; choose another output`);
    if (within(inReal, real)) throw new OutputError(out, `contains the input file ${quote(input)}; choose another output`);
  }
  const parent = path.dirname(path.resolve(out));
  const p = stat(parent);
  if (!p) throw new OutputError(out, `the folder ${quote(parent)} does not exist`);
  if (!p.isDirectory()) throw new OutputError(out, `${quote(parent)} is not a folder`);
}

/** Checks `--out FILE` before any work: not an input, not a folder, in an existing folder. */
export function checkOutFile(out: string, inputs: readonly string[]): void {
  if (out === "") throw new OutputError(out, "expected a file name");
  checkCommon(out, inputs);
  const s = stat(out);
  if (s?.isDirectory()) throw new OutputError(out, "is a folder; expected a file name");
  if (s && !s.isFile()) throw new OutputError(out, "exists and is not a regular file");
}

/** True when dir is a folder a sweep wrote (it carries the marker with the marker's text). */
function isSweepOutput(dir: string): boolean {
  try {
    return fs.readFileSync(path.join(dir, SWEEP_MARKER), "utf8") === SWEEP_MARKER_TEXT;
  } catch {
    return false;
  }
}

/** Checks `sweep --out DIR` before any work: missing, or an earlier sweep's output; never an input's folder. */
export function checkOutDir(out: string, inputs: readonly string[]): void {
  if (out === "") throw new OutputError(out, "expected a folder name");
  checkCommon(out, inputs);
  const s = lstat(out);
  if (s && !(s.isDirectory() && isSweepOutput(out))) {
    throw new OutputError(out, `exists and is not a sweep output (no ${SWEEP_MARKER} marker); remove it or choose another folder`);
  }
}

/** Writes one file through a temporary file in the same folder, renamed into place. */
export function writeOutFile(out: string, data: string, inputs: readonly string[], write: WriteFile = defaultWrite): void {
  checkOutFile(out, inputs);
  const abs = path.resolve(out);
  const tmp = path.join(path.dirname(abs), `.${path.basename(abs)}.${process.pid}.tmp`);
  let created = false;
  try {
    write(tmp, data);
    created = true;
    fs.renameSync(tmp, abs);
  } catch (e) {
    // "wx" refuses an existing temporary name: it is not ours to remove.
    if (created || (e as NodeJS.ErrnoException).code !== "EEXIST") fs.rmSync(tmp, { force: true });
    throw new OutputError(out, `cannot write (${describeErrno(e)}); nothing was written`);
  }
}

/**
 * Writes a folder of files (names without folders) under a fresh temporary folder, then puts it
 * in place of `out`; an earlier sweep output there is removed only after the new one is in place.
 */
export function writeOutDir(out: string, files: ReadonlyArray<{ name: string; data: string | Uint8Array }>, inputs: readonly string[], write: WriteFile = defaultWrite): void {
  checkOutDir(out, inputs);
  const abs = path.resolve(out);
  let tmp: string;
  try {
    tmp = fs.mkdtempSync(`${abs}.tmp-`);
  } catch (e) {
    throw new OutputError(out, `cannot create a folder next to it (${describeErrno(e)})`);
  }
  let old: string | null = null;
  try {
    for (const f of files) write(path.join(tmp, f.name), f.data);
    write(path.join(tmp, SWEEP_MARKER), SWEEP_MARKER_TEXT);
    if (lstat(abs)) {
      old = fs.mkdtempSync(`${abs}.old-`);
      fs.renameSync(abs, path.join(old, "previous"));
    }
    fs.renameSync(tmp, abs);
  } catch (e) {
    fs.rmSync(tmp, { recursive: true, force: true });
    let kept = "nothing was written";
    if (old) {
      try {
        fs.renameSync(path.join(old, "previous"), abs);
        fs.rmdirSync(old);
        kept = "the previous output is unchanged";
      } catch {
        kept = `the previous output is in ${quote(old)}`;
      }
    }
    throw new OutputError(out, `cannot write (${describeErrno(e)}); ${kept}`);
  }
  if (old) fs.rmSync(old, { recursive: true, force: true });
}
