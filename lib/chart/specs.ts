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
  /** Numeric field for the bar height; omitted: the bar counts the rows (Vega-Lite aggregates tidy rows). */
  y?: string;
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
    y: {
      ...(y !== undefined ? { field: y } : { aggregate: "count" }),
      type: "quantitative",
      ...(Object.keys(yAxis).length ? { axis: yAxis } : {}),
      ...(yTitle !== undefined ? { title: yTitle } : {}),
    },
    tooltip: [
      ...[x, color, column].filter((f): f is string => f !== undefined).map((f) => ({ field: f, type: "nominal" })),
      y !== undefined ? { field: y, type: "quantitative" } : { aggregate: "count", type: "quantitative", title: yTitle ?? "count" },
    ],
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
    // One stacked bar per x value: Vega-Lite's default 20 px band is too thin to read.
    ...(stacked && color !== undefined && column === undefined ? { width: { step: 56 } } : {}),
    mark: { type: "bar" },
    encoding,
    config: READABLE,
  };
}

/** Font sizes for the book (axis and legend text >= 12 px at the chart's own size). */
export const READABLE = {
  axis: { labelFontSize: 12, titleFontSize: 13, labelLimit: 640 },
  legend: { labelFontSize: 12, titleFontSize: 12, labelLimit: 480, titleLimit: 480 },
  header: { labelFontSize: 12, titleFontSize: 13 },
  title: { fontSize: 14 },
} as const;

export interface GridChartOptions {
  title: string;
  /** Tidy rows: one per cell of the grid. */
  data: Row[];
  /** Field across (columns of the grid), e.g. "era". */
  x: string;
  /** Field down (rows of the grid), e.g. "driver". */
  y: string;
  /** Field that colours the cell. */
  color: string;
  /** Field written inside the cell (e.g. the errno); default none. */
  text?: string;
  /** Fixed colours per `color` value, in legend order (name every value the data has). */
  colors?: Record<string, string>;
  xTitle?: string | null;
  yTitle?: string | null;
  /** Legend title (default: the `color` field's name). */
  colorTitle?: string;
  /** Order of the columns / rows (values not listed follow in order of appearance). */
  xOrder?: readonly string[];
  yOrder?: readonly string[];
  /** Cell size in px (default 64 x 20). */
  cellWidth?: number;
  cellHeight?: number;
}

/**
 * A grid (heatmap) of categories: one coloured rectangle per (x, y) pair, optionally with a
 * label inside. Rows and columns keep the order in which they first appear in `data`.
 */
export function gridChart(opts: GridChartOptions): VegaLiteSpec {
  const { title, data, x, y, color, text, colors, xTitle, yTitle, colorTitle, xOrder, yOrder, cellWidth = 64, cellHeight = 20 } = opts;
  const order = (field: string, first: readonly string[] | undefined) =>
    first ? [...first, ...data.map((r) => String(r[field])).filter((v, i, all) => !first.includes(v) && all.indexOf(v) === i)] : null;
  const xs = new Set(data.map((r) => String(r[x]))).size;
  const ys = new Set(data.map((r) => String(r[y]))).size;
  const enc = {
    x: { field: x, type: "nominal", sort: order(x, xOrder), axis: { labelAngle: -30, orient: "top" }, ...(xTitle !== undefined ? { title: xTitle } : {}) },
    y: { field: y, type: "nominal", sort: order(y, yOrder), ...(yTitle !== undefined ? { title: yTitle } : {}) },
  };
  const layers: Array<Record<string, unknown>> = [
    {
      mark: { type: "rect", stroke: "white", strokeWidth: 1 },
      encoding: {
        color: {
          field: color,
          type: "nominal",
          sort: null,
          ...(colors ? { scale: { domain: Object.keys(colors), range: Object.values(colors) } } : {}),
          ...(colorTitle !== undefined ? { title: colorTitle } : {}),
        },
        tooltip: [x, y, color, ...(text && text !== color ? [text] : [])].map((f) => ({ field: f, type: "nominal" })),
      },
    },
  ];
  if (text !== undefined) layers.push({ mark: { type: "text", fontSize: 11 }, encoding: { text: { field: text, type: "nominal" } } });
  return {
    $schema: VEGA_LITE_V5_SCHEMA,
    title,
    data: { values: data.map((row) => ({ ...row })) },
    width: xs * cellWidth,
    height: ys * cellHeight,
    encoding: enc,
    layer: layers,
    config: READABLE,
  };
}
