// Builders for the Vega-Lite specs the notebooks draw. Specs stay within Vega-Lite v5 so that
// JupyterLab, Notebook 7 and VS Code (which render the v5 mime type) can show them interactively.

export const VEGA_LITE_V5_SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json";

export type Row = Record<string, string | number>;

/** A Vega-Lite spec as a plain JSON object. */
export interface VegaLiteSpec {
  $schema?: string;
  [key: string]: unknown;
}

export interface BarChartOptions {
  title: string;
  data: Row[];
  /** Category field on the x axis. */
  x: string;
  /** Numeric field for the bar height. */
  y: string;
  /** Optional field splitting each x category into side-by-side coloured bars. */
  color?: string;
  /** Optional field giving one small chart per value, side by side. */
  column?: string;
}

/**
 * A (grouped) bar chart: one bar per `x` value, or with `color`, one bar per color value within
 * each `x` group; with `column`, one panel per column value. Categories keep the order in
 * which they first appear in `data`, so the chart follows the caller's ordering.
 */
export function barChart(opts: BarChartOptions): VegaLiteSpec {
  const { title, data, x, y, color, column } = opts;
  const encoding: Record<string, unknown> = {
    x: { field: x, type: "nominal", sort: null, axis: { labelAngle: 0 } },
    y: { field: y, type: "quantitative" },
    tooltip: [x, color, column, y]
      .filter((f): f is string => f !== undefined)
      .map((f) => ({ field: f, type: f === y ? "quantitative" : "nominal" })),
  };
  if (color !== undefined) {
    encoding.color = { field: color, type: "nominal", sort: null };
    encoding.xOffset = { field: color, type: "nominal", sort: null };
  }
  if (column !== undefined) {
    encoding.column = { field: column, type: "nominal", sort: null };
  }
  return {
    $schema: VEGA_LITE_V5_SCHEMA,
    title,
    // Copy the rows so later changes to the caller's array do not alter the spec.
    data: { values: data.map((row) => ({ ...row })) },
    mark: { type: "bar" },
    encoding,
  };
}
