// Showing a chart in a notebook as ONE output that every front end can render:
// - application/vnd.vegalite.v5+json: interactive chart in JupyterLab, Notebook 7, VS Code;
// - image/svg+xml: static picture for nbconvert HTML, GitHub's viewer and the classic Notebook;
// - text/plain: a summary for terminals, diffs and screen readers;
// - image/png (opt-in, `png: true`): a raster copy for viewers that show no SVG (e.g. the
//   classic Notebook for an untrusted notebook).
// It works in two kernels: tslab (Node) and Deno's Jupyter kernel (`deno jupyter`).
import { renderPng, renderSvg } from "./render.ts";
import { VEGA_LITE_V5_SCHEMA, type VegaLiteSpec } from "./specs.ts";

export const VEGA_LITE_MIME = "application/vnd.vegalite.v5+json";

export interface ChartBundle {
  "application/vnd.vegalite.v5+json": object;
  "image/svg+xml": string;
  "text/plain": string;
  /** Base64 PNG, only when asked for (`png` option): a PNG per chart makes notebooks larger. */
  "image/png"?: string;
}

export interface ChartBundleOptions {
  /**
   * Add an image/png copy of the chart: `true` for the chart's own size (scale 1), or
   * `{ scale }` for more pixels per SVG unit (e.g. 2 for high-density screens). Default: none.
   */
  png?: boolean | { scale?: number };
}

export interface ShowChartOptions extends ChartBundleOptions {
  /** Short text standing in for the chart where no picture can be shown. */
  summary?: string;
}

/** Per-mime display metadata; for a PNG drawn at scale != 1, the size to show it at. */
type DisplayMetadata = { "image/png"?: { width: number; height: number } };

interface DisplayMessage {
  data: ChartBundle;
  metadata: DisplayMetadata;
  transient: object;
}

type WriteDisplayData = (message: DisplayMessage, update: boolean) => void;

/** The bundle and the metadata to display it with. */
async function buildChart(
  spec: VegaLiteSpec,
  summary: string,
  options: ChartBundleOptions,
): Promise<{ bundle: ChartBundle; metadata: DisplayMetadata }> {
  // Front ends pick the renderer by mime type; a v6 schema URL under the v5 mime type is
  // rejected by some of them, so label the copy we send as v5 (the specs we build are v5).
  const v5Spec = { ...spec, $schema: VEGA_LITE_V5_SCHEMA };
  const svg = await renderSvg(v5Spec);
  const bundle: ChartBundle = {
    [VEGA_LITE_MIME]: v5Spec,
    "image/svg+xml": svg,
    "text/plain": summary,
  };
  const metadata: DisplayMetadata = {};
  if (options.png) {
    const scale = (typeof options.png === "object" ? options.png.scale : undefined) ?? 1;
    const png = await renderPng(svg, scale);
    bundle["image/png"] = png.base64;
    // Front ends show a PNG at its pixel size unless told otherwise: keep the chart's size.
    if (scale !== 1) {
      metadata["image/png"] = { width: Math.round(png.width / scale), height: Math.round(png.height / scale) };
    }
  }
  return { bundle, metadata };
}

/** Builds the mime bundle for a Vega-Lite spec (works anywhere, no notebook needed). */
export async function chartBundle(
  spec: VegaLiteSpec,
  summary: string,
  options: ChartBundleOptions = {},
): Promise<ChartBundle> {
  return (await buildChart(spec, summary, options)).bundle;
}

/**
 * tslab's public `display` API sends one mime type per output and turns JSON into a string.
 * Its internal module dist/jupyter.js keeps the kernel's writer for the running cell in
 * `lastWriteDisplayData`; using it sends a real multi-mime display_data message. It is looked
 * up in the module cache only, so outside a tslab kernel nothing is loaded and this returns
 * undefined.
 */
function tslabWriter(): WriteDisplayData | undefined {
  if (typeof require !== "function" || !require.cache) return undefined;
  for (const [file, mod] of Object.entries(require.cache)) {
    if (!file.replace(/\\/g, "/").endsWith("/tslab/dist/jupyter.js")) continue;
    const writer: unknown = (mod?.exports as { lastWriteDisplayData?: unknown } | undefined)
      ?.lastWriteDisplayData;
    if (typeof writer === "function") return writer as WriteDisplayData;
  }
  return undefined;
}

/** The parts of Deno's `Deno.jupyter` namespace used here (declared locally: no Deno types needed). */
interface DenoJupyter {
  /** With `raw: true`, sends `bundle` as the data of one display_data message. */
  display(bundle: object, options: { raw: boolean }): Promise<void>;
  /** Sends any iopub message for the running cell (used when the display needs metadata). */
  broadcast(msgType: string, content: object): void;
}

/**
 * In Deno's Jupyter kernel, `Deno.jupyter`; anywhere else undefined. Outside `deno jupyter`
 * (e.g. `deno run`) reading `Deno.jupyter` throws, so the lookup is guarded.
 */
function denoJupyter(): DenoJupyter | undefined {
  const deno = (globalThis as { Deno?: { jupyter?: unknown } }).Deno;
  if (deno === undefined || deno === null) return undefined;
  try {
    const jupyter = deno.jupyter as Partial<DenoJupyter> | undefined;
    return typeof jupyter?.display === "function" && typeof jupyter.broadcast === "function"
      ? (jupyter as DenoJupyter)
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Shows a mime bundle of strings (e.g. text/html + text/plain) as one display_data output in a
 * tslab kernel. Returns false elsewhere (no kernel writer), so the caller can print instead. Synchronous,
 * so output order with console.log is kept; Deno's display is asynchronous and is not used here.
 */
export function displayBundle(bundle: Record<string, string>): boolean {
  const write = tslabWriter();
  if (!write) return false;
  write({ data: bundle as unknown as ChartBundle, metadata: {}, transient: {} }, false);
  return true;
}

/**
 * Renders `spec` and, in a notebook kernel, shows it as one display_data output carrying the
 * Vega-Lite spec, the SVG and a text summary (and a PNG with `png`). Kernels: tslab (through
 * its internal writer) and Deno (`Deno.jupyter.display(bundle, { raw: true })`). Use it as
 * `await showChart(...)` so the output belongs to the running cell. Returns nothing in a
 * kernel (so the kernel prints nothing more) and the bundle elsewhere.
 */
export async function showChart(
  spec: VegaLiteSpec,
  options: ShowChartOptions = {},
): Promise<ChartBundle | undefined> {
  const title = typeof spec.title === "string" ? spec.title : "chart";
  const { bundle, metadata } = await buildChart(spec, options.summary ?? `[chart] ${title}`, options);
  const write = tslabWriter();
  if (write) {
    write({ data: bundle, metadata, transient: {} }, false);
    return undefined;
  }
  const deno = denoJupyter();
  if (deno) {
    // display() sends no metadata; broadcast() the same message when there is some.
    if (Object.keys(metadata).length === 0) await deno.display(bundle, { raw: true });
    else deno.broadcast("display_data", { data: bundle, metadata, transient: {} });
    return undefined;
  }
  return bundle;
}
