export { renderPng, renderSvg, loadRenderers } from "./render";
export type { PngImage } from "./render";
export { barChart, VEGA_LITE_V5_SCHEMA } from "./specs";
export type { BarChartOptions, Row, VegaLiteSpec } from "./specs";
export { chartBundle, displayBundle, showChart, VEGA_LITE_MIME } from "./display";
export type { ChartBundle, ChartBundleOptions, ShowChartOptions } from "./display";
