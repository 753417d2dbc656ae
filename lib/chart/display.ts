// Showing a chart in a notebook as ONE output that every front end can render:
// - application/vnd.vegalite.v5+json: interactive chart in JupyterLab, Notebook 7, VS Code;
// - image/svg+xml: static picture for nbconvert HTML, GitHub's viewer and the classic Notebook;
// - text/plain: a summary for terminals, diffs and screen readers.
import { renderSvg } from "./render";
import { VEGA_LITE_V5_SCHEMA, type VegaLiteSpec } from "./specs";

export const VEGA_LITE_MIME = "application/vnd.vegalite.v5+json";

export interface ChartBundle {
  "application/vnd.vegalite.v5+json": object;
  "image/svg+xml": string;
  "text/plain": string;
}

export interface ShowChartOptions {
  /** Short text standing in for the chart where no picture can be shown. */
  summary?: string;
}

interface DisplayMessage {
  data: ChartBundle;
  metadata: object;
  transient: object;
}

type WriteDisplayData = (message: DisplayMessage, update: boolean) => void;

/** Builds the mime bundle for a Vega-Lite spec (works anywhere, no notebook needed). */
export async function chartBundle(spec: VegaLiteSpec, summary: string): Promise<ChartBundle> {
  // Front ends pick the renderer by mime type; a v6 schema URL under the v5 mime type is
  // rejected by some of them, so label the copy we send as v5 (the specs we build are v5).
  const v5Spec = { ...spec, $schema: VEGA_LITE_V5_SCHEMA };
  return {
    [VEGA_LITE_MIME]: v5Spec,
    "image/svg+xml": await renderSvg(v5Spec),
    "text/plain": summary,
  };
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

/**
 * Renders `spec` and, in a tslab kernel, shows it as one display_data output carrying the
 * Vega-Lite spec, the SVG and a text summary. Use it as `await showChart(...)` so the output
 * belongs to the running cell. Returns nothing in a kernel (so tslab prints nothing more) and
 * the bundle elsewhere.
 */
export async function showChart(
  spec: VegaLiteSpec,
  options: ShowChartOptions = {},
): Promise<ChartBundle | undefined> {
  const title = typeof spec.title === "string" ? spec.title : "chart";
  const bundle = await chartBundle(spec, options.summary ?? `[chart] ${title}`);
  const write = tslabWriter();
  if (!write) return bundle;
  write({ data: bundle, metadata: {}, transient: {} }, false);
  return undefined;
}
