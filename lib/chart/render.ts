// Static SVG rendering of Vega-Lite specs, in Node, without a browser or the `canvas` package.
//
// vega and vega-lite 6 are ESM-only (with top-level await), so they cannot be `require`d, and both
// tsx and tslab compile this file to CommonJS, where TypeScript rewrites `import()` into `require()`.
// A function built with `new Function` is opaque to the compiler, so its `import()` stays a real
// ESM dynamic import at run time.
import { pathToFileURL } from "url";

/** The few parts of vega-lite's API used here (its own typings need ESM-aware module resolution). */
interface VegaLiteApi {
  compile(spec: object): { spec: object };
}

interface VegaViewApi {
  toSVG(scaleFactor?: number): Promise<string>;
  finalize(): void;
}

/** The few parts of vega's API used here. */
interface VegaApi {
  parse(spec: object): object;
  View: new (runtime: object, options: { renderer: string }) => VegaViewApi;
  /** Resets the counters behind clip-path and gradient ids, so that output is reproducible. */
  resetSVGDefIds(): void;
}

interface Renderers {
  vega: VegaApi;
  vegaLite: VegaLiteApi;
}

const realImport = new Function("specifier", "return import(specifier)") as (
  specifier: string,
) => Promise<unknown>;

/**
 * Turns a package name into an absolute file URL when Node's resolver can find it, so the import
 * does not depend on the process's cwd (a notebook kernel runs in notebooks/). Both packages
 * export a "default" condition, which `require.resolve` accepts even though `require` would fail.
 */
function locate(pkg: string): string {
  try {
    if (typeof require === "function") return pathToFileURL(require.resolve(pkg)).href;
  } catch {
    // fall through to the bare name
  }
  return pkg;
}

let loading: Promise<Renderers> | undefined;

/** Loads vega and vega-lite once per process (the first load takes a few hundred ms). */
export function loadRenderers(): Promise<Renderers> {
  if (!loading) {
    const pending = Promise.all([realImport(locate("vega")), realImport(locate("vega-lite"))]).then(
      ([vega, vegaLite]) => ({ vega: vega as VegaApi, vegaLite: vegaLite as VegaLiteApi }),
    );
    // Forget a failed load so that a later call can retry.
    pending.catch(() => {
      if (loading === pending) loading = undefined;
    });
    loading = pending;
  }
  return loading;
}

/**
 * Compiles a Vega-Lite spec and renders it to an SVG document string.
 * The same spec gives byte-identical SVG: no canvas means text is measured by vega's
 * deterministic estimate, and the clip/gradient id counters are reset before each render.
 */
export async function renderSvg(vlSpec: object): Promise<string> {
  const { vega, vegaLite } = await loadRenderers();
  const vgSpec = vegaLite.compile(vlSpec).spec;
  const view = new vega.View(vega.parse(vgSpec), { renderer: "none" });
  try {
    vega.resetSVGDefIds();
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** The part of @resvg/resvg-js used here (a Rust SVG renderer shipped as a prebuilt Node-API addon). */
interface ResvgApi {
  Resvg: new (
    svg: string,
    options: { fitTo: { mode: "zoom"; value: number }; background: string; font: { loadSystemFonts: boolean } },
  ) => { render(): { asPng(): Uint8Array; width: number; height: number } };
}

let loadingResvg: Promise<ResvgApi> | undefined;

/**
 * Loads @resvg/resvg-js once per process. It is a CommonJS package: a real dynamic import gives
 * its exports as `default` (Node, Deno) and, where the loader detects them, as named exports too.
 */
function loadResvg(): Promise<ResvgApi> {
  if (!loadingResvg) {
    const pending = realImport(locate("@resvg/resvg-js")).then((mod) => {
      const m = mod as Partial<ResvgApi> & { default?: Partial<ResvgApi> };
      const api = m.Resvg ? m : m.default;
      if (!api?.Resvg) throw new Error("@resvg/resvg-js: no Resvg export");
      return api as ResvgApi;
    });
    pending.catch(() => {
      if (loadingResvg === pending) loadingResvg = undefined;
    });
    loadingResvg = pending;
  }
  return loadingResvg;
}

export interface PngImage {
  /** The PNG file, base64-encoded (the form a Jupyter image/png output carries). */
  base64: string;
  /** Size in pixels of the PNG. */
  width: number;
  height: number;
}

/** Base64 of bytes without Node's Buffer (so it runs the same under Deno). */
function toBase64(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}

/**
 * Rasterises an SVG document (e.g. from renderSvg) to PNG with resvg, `scale` pixels per SVG
 * unit (1 = the chart's own size). Text uses the machine's fonts (resvg loads the system
 * fonts), so the bytes may differ between machines with different fonts; on one machine the
 * same SVG gives the same PNG.
 */
export async function renderPng(svg: string, scale = 1): Promise<PngImage> {
  if (!(scale > 0 && scale <= 8)) throw new RangeError(`renderPng: scale must be in (0, 8], got ${scale}`);
  const { Resvg } = await loadResvg();
  const image = new Resvg(svg, {
    fitTo: { mode: "zoom", value: scale },
    background: "white",
    font: { loadSystemFonts: true },
  }).render();
  return { base64: toBase64(image.asPng()), width: image.width, height: image.height };
}
