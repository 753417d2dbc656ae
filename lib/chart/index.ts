export { renderPng, renderSvg, loadRenderers } from "./render.ts";
export type { PngImage } from "./render.ts";
export { barChart, gridChart, READABLE, VEGA_LITE_V5_SCHEMA } from "./specs.ts";
export type { BarChartOptions, GridChartOptions, Row, VegaLiteSpec } from "./specs.ts";
export { chartBundle, displayBundle, showChart, VEGA_LITE_MIME } from "./display.ts";
export type { ChartBundle, ChartBundleOptions, ShowChartOptions } from "./display.ts";
