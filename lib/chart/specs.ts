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
  /** The y values are counts: ticks only at whole numbers (Vega-Lite `tickMinStep: 1`, format "d"). */
  integerY?: boolean;
  /** Axis titles; by default Vega-Lite uses the field names. */
  xTitle?: string;
  yTitle?: string;
  /**
   * Fixed colours for `color` values, e.g. `{ "hard-failure": "#e45756" }`, so that one category
   * keeps its colour across charts. The legend lists these values in this order; values not
   * named here get no colour, so name every value the data has.
   */
  colors?: Record<string, string>;
  /** Angle of the x labels in degrees (default 0, horizontal); e.g. -30 for long category names. */
  xLabelAngle?: number;
  /**
   * With `color`: stack the color values into one bar per `x` value instead of placing them side
   * by side. The stack follows the legend's order (`colors`, else first appearance), first at
   * the bottom.
   */
  stacked?: boolean;
}

/** Field that a stacked chart computes to order its stacks. */
const STACK_ORDER = "_stackOrder";

/**
 * A (grouped) bar chart: one bar per `x` value, or with `color`, one bar per color value within
 * each `x` group (or, `stacked`, one bar of stacked color values); with `column`, one panel per
 * column value. Categories keep the order in which they first appear in `data`, so the chart
 * follows the caller's ordering.
 */
export function barChart(opts: BarChartOptions): VegaLiteSpec {
  const { title, data, x, y, color, column, integerY, xTitle, yTitle, colors, xLabelAngle, stacked } = opts;
  const yAxis: Record<string, unknown> = integerY ? { tickMinStep: 1, format: "d" } : {};
  const transform: Array<Record<string, unknown>> = [];
  const encoding: Record<string, unknown> = {
    x: { field: x, type: "nominal", sort: null, axis: { labelAngle: xLabelAngle ?? 0 }, ...(xTitle !== undefined ? { title: xTitle } : {}) },
    y: { field: y, type: "quantitative", ...(Object.keys(yAxis).length ? { axis: yAxis } : {}), ...(yTitle !== undefined ? { title: yTitle } : {}) },
    tooltip: [x, color, column, y]
      .filter((f): f is string => f !== undefined)
      .map((f) => ({ field: f, type: f === y ? "quantitative" : "nominal" })),
  };
  if (color !== undefined) {
    encoding.color = {
      field: color,
      type: "nominal",
      sort: null,
      ...(colors ? { scale: { domain: Object.keys(colors), range: Object.values(colors) } } : {}),
    };
    if (stacked) {
      // Vega-Lite stacks by the color values' own sort order; follow the legend's order instead.
      const order = colors ? Object.keys(colors) : [...new Set(data.map((row) => String(row[color])))];
      transform.push({ calculate: `indexof(${JSON.stringify(order)}, datum[${JSON.stringify(color)}])`, as: STACK_ORDER });
      encoding.order = { field: STACK_ORDER, type: "quantitative" };
    } else {
      encoding.xOffset = { field: color, type: "nominal", sort: null };
    }
  }
  if (column !== undefined) {
    encoding.column = { field: column, type: "nominal", sort: null };
  }
  return {
    $schema: VEGA_LITE_V5_SCHEMA,
    title,
    // Copy the rows so later changes to the caller's array do not alter the spec.
    data: { values: data.map((row) => ({ ...row })) },
    ...(transform.length ? { transform } : {}),
    mark: { type: "bar" },
    encoding,
  };
}
