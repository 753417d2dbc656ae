/**
 * Argument checks at the public entry points. A wrong argument (not an object of this kernel,
 * a freed domain, a PASID out of range) is a caller bug: the library throws LabArgumentError
 * naming the function and the argument instead of failing somewhere deep inside.
 * (The kernel would oops or use freed memory; the model says so instead.)
 */
import * as model from "../model.ts";
import { type Device, type Domain, type Group, type Kernel, LabArgumentError } from "../model.ts";

// Read once: tsx runs this file as esbuild's CommonJS, where every use of an imported name
// costs two getter calls, and every argument check asks `instanceof Kernel`.
const KernelClass = model.Kernel;

function fail(fn: string, what: string): never {
  throw new LabArgumentError(`${fn}: ${what}`);
}

export function argKernel(k: unknown, fn: string): asserts k is Kernel {
  if (!(k instanceof KernelClass)) fail(fn, "the first argument must be a Kernel");
}

export function argDomain(k: Kernel, d: unknown, fn: string, name = "domain"): asserts d is Domain {
  argKernel(k, fn);
  if (!d || typeof d !== "object" || typeof (d as Domain).id !== "string") fail(fn, `${name} must be a Domain`);
  const dom = d as Domain;
  if (dom.freed) fail(fn, `${name} ${dom.id} was freed (a use-after-free in the kernel)`);
  const mine = dom.isStatic ? k.staticDomains.get(dom.owner.id)?.[dom.type as "blocked" | "identity"] === dom : k.domains.get(dom.id) === dom;
  if (!mine) fail(fn, `${name} ${dom.id} does not belong to this kernel`);
}

export function argDevice(k: Kernel, dev: unknown, fn: string): asserts dev is Device {
  argKernel(k, fn);
  if (!dev || typeof dev !== "object" || k.devices.get((dev as Device).id) !== dev) fail(fn, "dev must be a Device of this kernel");
}

export function argGroup(k: Kernel, g: unknown, fn: string): asserts g is Group {
  argKernel(k, fn);
  if (!g || typeof g !== "object" || k.groups.get((g as Group).id) !== g) fail(fn, "group must be a Group of this kernel");
}

/** PASIDs are 20 bits (IOMMU_MAX_PASID). */
export function argPasid(p: unknown, fn: string): asserts p is number {
  if (typeof p !== "number" || !Number.isInteger(p) || p < 0 || p >= 1 << 20) fail(fn, `pasid must be an integer in [0, 2^20), got ${String(p)}`);
}
