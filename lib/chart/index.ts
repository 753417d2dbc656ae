export { renderPng, renderSvg, loadRenderers } from "./render";
export type { PngImage } from "./render";
export { barChart, gridChart, READABLE, VEGA_LITE_V5_SCHEMA } from "./specs";
export type { BarChartOptions, GridChartOptions, Row, VegaLiteSpec } from "./specs";
export { chartBundle, displayBundle, showChart, VEGA_LITE_MIME } from "./display";
export type { ChartBundle, ChartBundleOptions, ShowChartOptions } from "./display";
