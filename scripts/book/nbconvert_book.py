# nbconvert settings for the static book (scripts/build-book.ts passes this file with --config).
# Converts the committed outputs only: nothing is executed here (`npm run notebooks` does that).
import os

c = get_config()  # noqa: F821 (provided by traitlets when it loads this file)

here = os.path.dirname(os.path.abspath(__file__))
c.TemplateExporter.extra_template_basedirs = [os.path.join(here, "templates")]
c.HTMLExporter.template_name = "book"
c.HTMLExporter.exclude_input_prompt = True
c.HTMLExporter.exclude_output_prompt = True
# Charts carry a Vega-Lite spec, an SVG and a text summary in one output: the page shows the
# SVG (or a PNG), never the spec, which would need vega from a CDN to draw.
c.NbConvertBase.display_data_priority = [
    "image/svg+xml",
    "image/png",
    "image/jpeg",
    "text/html",
    "text/markdown",
    "text/latex",
    "text/plain",
    "application/javascript",
    "application/vnd.jupyter.widget-view+json",
]
