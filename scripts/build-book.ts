// `npm run book`: the static HTML book of the notebooks, in build/book/ (git-ignored).
//
//   build/book/index.html   contents: one line per chapter (its first heading), linked
//   build/book/NN-x.html    one page per notebooks/*.ipynb, from its COMMITTED outputs, with a
//                           table of contents of its sections and a link to download it
//   build/book/NN-x.ipynb   the notebook itself (the download)
//   build/book/sources.html, glossary.html
//                           notebooks/sources.md and notebooks/glossary.md, when they exist
//                           (links to the .md files from the chapters then go to these pages)
//   build/book/book.css     the only stylesheet (scripts/book/book.css)
//
// Nothing is executed: `npm run notebooks` re-runs the notebooks, this only converts them, with
// Debian's nbconvert (/usr/bin/jupyter nbconvert, Jupyter env from scripts/jupyter-env.sh) and
// the template in scripts/book/templates/book/, which keeps the chart SVGs verbatim. Each page is
// then parsed (parse5, the WHATWG parser: the tree the browser builds), changed as a tree
// (links, ids, table of contents, title, navigation) and serialized again: the DOM the browser
// gets is nbconvert's plus those changes; the bytes differ only in serialization (e.g. `<rect/>`
// becomes `<rect></rect>`, character references become the characters).
// The pages load nothing from outside: the build fails if one references an external URL
// (links in the prose are fine). test/browser/book-check.ts checks the pages in Chromium.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { type DefaultTreeAdapterTypes as T, parse, parseFragment, serialize } from "parse5";

export const ROOT = path.resolve(__dirname, "..");
export const BOOK_DIR = path.join(ROOT, "build", "book");
const NOTEBOOK_DIR = path.join(ROOT, "notebooks");
const BOOK_SRC = path.join(ROOT, "scripts", "book");

export interface Chapter {
  /** "00-start-here" */
  name: string;
  /** "notebooks/00-start-here.ipynb" */
  source: string;
  /** "00-start-here.html" */
  page: string;
  /** The first heading as HTML (inline markup kept) and as plain text. */
  headingHtml: string;
  headingText: string;
}

/** The chapters of the book: every notebooks/*.ipynb, in file-name order. */
export function listNotebooks(): string[] {
  if (!fs.existsSync(NOTEBOOK_DIR)) return [];
  return fs
    .readdirSync(NOTEBOOK_DIR)
    .filter((f) => f.endsWith(".ipynb"))
    .sort()
    .map((f) => path.join("notebooks", f));
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

// The pages are post-processed as parsed HTML (parse5: the WHATWG parser, so the tree is the one
// the browser builds, inline SVG included, with xlink:href as a namespaced attribute), then
// serialized once. Only CSS text (<style> and attribute values) is scanned with a regex.
type Node = T.Node;
type Element = T.Element;
type ParentNode = T.ParentNode;

function isElement(n: Node): n is Element {
  return "tagName" in n;
}

/** Every element under `root`, in document order (template contents included). */
function* elements(root: ParentNode): Generator<Element> {
  for (const child of root.childNodes) {
    if (!isElement(child)) continue;
    yield child;
    yield* elements(child);
    const content = (child as Partial<T.Template>).content;
    if (content) yield* elements(content);
  }
}

/** The attribute's name as written in the markup: "xlink:href", not "href". */
function attrName(a: { name: string; prefix?: string }): string {
  return a.prefix ? `${a.prefix}:${a.name}` : a.name;
}

function getAttr(el: Element, name: string): string | undefined {
  return el.attrs.find((a) => attrName(a) === name)?.value;
}

function textContent(n: Node): string {
  if (n.nodeName === "#text") return (n as T.TextNode).value;
  return "childNodes" in n ? n.childNodes.map(textContent).join("") : "";
}

function replaceNode(old: T.ChildNode, nodes: T.ChildNode[]): void {
  const parent = old.parentNode;
  if (!parent) return;
  const i = parent.childNodes.indexOf(old);
  for (const n of nodes) n.parentNode = parent;
  parent.childNodes.splice(i, 1, ...nodes);
}

function insertAfter(ref: T.ChildNode, nodes: T.ChildNode[]): void {
  const parent = ref.parentNode;
  if (!parent) return;
  for (const n of nodes) n.parentNode = parent;
  parent.childNodes.splice(parent.childNodes.indexOf(ref) + 1, 0, ...nodes);
}

/** Nodes parsed from an HTML snippet, to insert into a page. */
function fragment(html: string): T.ChildNode[] {
  return parseFragment(html).childNodes;
}

/**
 * The serialization of a tree. A <pre> (or <textarea>, <listing>) whose text starts with a
 * newline gets one more: the parser drops the first newline after the start tag, and parse5's
 * serializer does not put it back, so the page would otherwise lose a line on every round trip.
 */
export function toHtml(root: ParentNode): string {
  for (const el of elements(root)) {
    const first = el.childNodes[0];
    if (["pre", "textarea", "listing"].includes(el.tagName) && first?.nodeName === "#text") {
      const t = first as T.TextNode;
      if (t.value.startsWith("\n")) t.value = `\n${t.value}`;
    }
  }
  return serialize(root);
}

/** A heading's content without nbconvert's "¶" anchor link. */
function headingContent(h: Element): Element {
  return { ...h, childNodes: h.childNodes.filter((c) => !(isElement(c) && c.tagName === "a" && getAttr(c, "class") === "anchor-link")) };
}

/** The first heading of a converted page (its inner HTML), without the anchor link. */
function firstHeading(doc: T.Document): string | undefined {
  for (const el of elements(doc)) if (/^h[1-6]$/.test(el.tagName)) return serialize(headingContent(el)).trim();
  return undefined;
}

function headingTextOf(headingHtml: string): string {
  return textContent(parseFragment(headingHtml)).trim();
}

/** Attributes whose value is a URL the browser loads (except on <a>, where it is a link to follow). */
const LOAD_ATTRS = new Set(["src", "href", "xlink:href", "srcset", "poster", "data", "action", "formaction", "background", "manifest"]);

function isExternal(v: string): boolean {
  const s = v.trim();
  if (s.startsWith("//")) return true;
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(s);
  return scheme !== null && scheme[1].toLowerCase() !== "data";
}

/** url(...) and @import targets in a piece of CSS (a small regex over CSS text only, not HTML). */
function cssLoads(css: string): string[] {
  const found: string[] = [];
  for (const m of css.matchAll(/url\(\s*['"]?([^'")\s]+)/gi)) if (isExternal(m[1])) found.push(`url(${m[1]})`);
  for (const m of css.matchAll(/@import\s+(?:url\()?\s*['"]?([^'")\s;]+)/gi)) if (isExternal(m[1])) found.push(`@import ${m[1]}`);
  return found;
}

/**
 * Every place where a page would LOAD something from outside (not a link the reader may
 * follow): src/href/srcset/... of any element but <a>, and url(...) or @import in CSS (the
 * text of <style> elements, style="..." and SVG paint attributes such as fill="url(...)").
 */
export function externalLoads(html: string): string[] {
  const found: string[] = [];
  for (const el of elements(parse(html))) {
    for (const a of el.attrs) {
      const name = attrName(a);
      if (LOAD_ATTRS.has(name)) {
        if (el.tagName === "a") continue;
        const values = name === "srcset" ? a.value.split(",").map((p) => p.trim().split(/\s+/)[0]) : [a.value];
        for (const v of values) if (isExternal(v)) found.push(`<${el.tagName} ${name}="${v}">`);
      } else {
        found.push(...cssLoads(a.value));
      }
    }
    if (el.tagName === "style") found.push(...cssLoads(textContent(el)));
  }
  return found;
}

/**
 * Gives the ids inside each chart SVG a per-chart prefix, so that two charts on one page cannot
 * pick up each other's clip paths or gradients (an id is global to the HTML document).
 */
export function prefixSvgIds(doc: T.Document): void {
  const svgs: Element[] = [];
  const outermost = (n: ParentNode): void => {
    for (const c of n.childNodes) {
      if (!isElement(c)) continue;
      if (c.tagName === "svg") svgs.push(c);
      else outermost(c);
    }
  };
  outermost(doc);
  svgs.forEach((svg, i) => {
    const inside = [svg, ...elements(svg)];
    if (!inside.some((el) => getAttr(el, "id") !== undefined)) return;
    const p = `chart${i + 1}-`;
    const css = (s: string) => s.replace(/url\(#([^)]+)\)/g, (_, id: string) => `url(#${p}${id})`);
    for (const el of inside) {
      for (const a of el.attrs) {
        const name = attrName(a);
        if (name === "id") a.value = `${p}${a.value}`;
        else if ((name === "href" || name === "xlink:href") && a.value.startsWith("#")) a.value = `#${p}${a.value.slice(1)}`;
        else a.value = css(a.value);
      }
      if (el.tagName === "style") for (const t of el.childNodes) if (t.nodeName === "#text") (t as T.TextNode).value = css((t as T.TextNode).value);
    }
  });
}

/**
 * Relative links in the prose point from notebooks/ to other notebooks or repository files.
 * A link to a chapter goes to its page; a link to any other file of the checkout is made
 * relative to build/book/, so that it still resolves when the book is opened from the checkout.
 */
function rewriteLinks(doc: T.Document, pages: Set<string>): void {
  for (const el of elements(doc)) {
    const attr = el.tagName === "a" ? el.attrs.find((a) => attrName(a) === "href") : undefined;
    if (!attr) continue;
    const href = attr.value;
    if (href === "" || href.startsWith("#") || href.startsWith("//") || /^[a-z][a-z0-9+.-]*:/i.test(href)) continue;
    const [target, ...frag] = href.split("#");
    const hash = frag.length > 0 ? `#${frag.join("#")}` : "";
    const abs = path.resolve(NOTEBOOK_DIR, decodeURIComponent(target));
    if (path.dirname(abs) === NOTEBOOK_DIR && (abs.endsWith(".ipynb") || abs.endsWith(".md"))) {
      const page = `${path.basename(abs, path.extname(abs))}.html`;
      if (pages.has(page)) {
        attr.value = `${page}${hash}`;
        continue;
      }
    }
    if (!abs.startsWith(ROOT + path.sep)) continue;
    attr.value = `${path.relative(BOOK_DIR, abs).split(path.sep).map(encodeURIComponent).join("/")}${hash}`;
  }
}

/** The pages made from notebooks/*.md (reference pages the chapters link to), when present. */
export const REFERENCE_PAGES = ["sources", "glossary"] as const;

/** The id and text of each h2 of a converted page (nbconvert gives headings ids). */
export function sectionHeadings(doc: T.Document): Array<{ id: string; text: string }> {
  const out: Array<{ id: string; text: string }> = [];
  for (const el of elements(doc)) {
    const id = el.tagName === "h2" ? getAttr(el, "id") : undefined;
    if (id) out.push({ id, text: textContent(headingContent(el)).trim() });
  }
  return out;
}

/**
 * The page's own table of contents (its h2 sections) and the download link of its notebook,
 * placed after the first markdown cell (the title and learning goals).
 */
function addPageToc(doc: T.Document, ipynb: string | null): void {
  const sections = sectionHeadings(doc);
  const items = sections.map((h) => `<li><a href="#${escapeHtml(h.id)}">${escapeHtml(h.text)}</a></li>`).join("\n");
  const toc = `<nav class="page-toc" aria-label="On this page">
${ipynb ? `<p class="download"><a href="${ipynb}" download>Download this notebook (${ipynb})</a></p>\n` : ""}${items ? `<p class="toc-title">On this page</p>\n<ol>\n${items}\n</ol>\n` : ""}</nav>`;
  for (const el of elements(doc)) {
    if (el.tagName === "section") return insertAfter(el, fragment(`\n${toc}`));
  }
}

/**
 * Fills in the template's placeholders: the <title> (its "<!-- book:title -->" is text, as
 * <title> holds only text) and each <!-- book:nav --> comment.
 */
function fillTemplate(doc: T.Document, title: string, navHtml: string): void {
  for (const el of elements(doc)) {
    if (el.tagName === "title" && textContent(el).includes("<!-- book:title -->")) {
      el.childNodes = [{ nodeName: "#text", value: title, parentNode: el }];
    }
  }
  const comments = [...elements(doc)].flatMap((el) =>
    el.childNodes.filter((c) => c.nodeName === "#comment" && (c as T.CommentNode).data.trim() === "book:nav"),
  );
  for (const c of comments) replaceNode(c, fragment(navHtml));
}

/** A one-cell notebook holding a markdown file, so nbconvert renders it with the book's template. */
function markdownNotebook(markdown: string): string {
  return JSON.stringify({
    cells: [{ cell_type: "markdown", id: "page", metadata: {}, source: markdown }],
    metadata: {},
    nbformat: 4,
    nbformat_minor: 5,
  });
}

function nav(chapters: Chapter[], i: number | undefined): string {
  const parts = ['<a class="contents" href="index.html">Contents</a>'];
  if (i !== undefined) {
    const prev = chapters[i - 1];
    const next = chapters[i + 1];
    parts.push(
      prev
        ? `<a class="prev" rel="prev" href="${prev.page}">&larr; ${escapeHtml(prev.headingText)}</a>`
        : '<span class="prev"></span>',
      next
        ? `<a class="next" rel="next" href="${next.page}">${escapeHtml(next.headingText)} &rarr;</a>`
        : '<span class="next"></span>',
    );
  }
  return `<nav class="book-nav">\n${parts.join("\n")}\n</nav>`;
}

function indexPage(chapters: Chapter[], refs: Chapter[]): string {
  const refItems = refs.map((c) => `<li><a href="${c.page}">${c.headingHtml}</a></li>`).join("\n");
  const items = chapters
    .map(
      (c) =>
        `<li><a href="${c.page}">${c.headingHtml}</a> <span class="source">${escapeHtml(c.source)}</span></li>`,
    )
    .join("\n");
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>iommu-attach-lab: the notebooks</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="book.css">
</head>
<body>
${nav(chapters, undefined)}
<main class="contents-page">
<h1>iommu-attach-lab: the notebooks</h1>
<p>The chapters of the lab's TypeScript notebooks, as they were last run: each page shows the
outputs committed in <code>notebooks/</code>. To run them yourself: <code>npm run jupyter</code>,
or <code>npm run notebooks</code> to re-execute them all headless.</p>
<ol class="chapters">
${items}
</ol>
${refItems ? `<h2>Reference</h2>\n<ul class="reference">\n${refItems}\n</ul>\n` : ""}</main>
</body>
</html>
`;
}

function nbconvert(notebooks: string[], outDir: string): void {
  if (!fs.existsSync("/usr/bin/jupyter-nbconvert")) {
    // scripts/setup.sh installs Jupyter from Debian packages (as root), or says how to.
    console.log("book: /usr/bin/jupyter-nbconvert is missing: running scripts/setup.sh");
    const setup = spawnSync("bash", ["scripts/setup.sh"], { cwd: ROOT, stdio: "inherit" });
    if (setup.status !== 0 || !fs.existsSync("/usr/bin/jupyter-nbconvert")) {
      throw new Error("book: Jupyter's nbconvert is not available (see scripts/setup.sh above)");
    }
  }
  const script = '. scripts/jupyter-env.sh && exec /usr/bin/jupyter nbconvert "$@"';
  const args = ["--config", "scripts/book/nbconvert_book.py", "--to", "html", "--output-dir", outDir, ...notebooks];
  const r = spawnSync("bash", ["-c", script, "nbconvert", ...args], { cwd: ROOT, encoding: "utf8" });
  if (r.status !== 0) {
    throw new Error(`book: nbconvert failed (exit ${r.status})\n${r.stdout}${r.stderr}`);
  }
}

/** Builds build/book/ from scratch; returns the chapters. Throws on any failure. */
export function buildBook(): Chapter[] {
  const notebooks = listNotebooks();
  if (notebooks.length === 0) throw new Error("book: no notebooks/*.ipynb");
  fs.mkdirSync(path.dirname(BOOK_DIR), { recursive: true });
  const tmp = fs.mkdtempSync(path.join(path.dirname(BOOK_DIR), ".book-"));
  try {
    const refSources: string[] = [];
    for (const name of REFERENCE_PAGES) {
      const md = path.join(NOTEBOOK_DIR, `${name}.md`);
      if (!fs.existsSync(md)) continue; // written separately; the book builds without it
      const nb = path.join(tmp, "src", `${name}.ipynb`);
      fs.mkdirSync(path.dirname(nb), { recursive: true });
      fs.writeFileSync(nb, markdownNotebook(fs.readFileSync(md, "utf8")));
      refSources.push(nb);
    }
    nbconvert([...notebooks, ...refSources], tmp);
    const converted = (name: string): T.Document => parse(fs.readFileSync(path.join(tmp, `${name}.html`), "utf8"));
    const chapterOf = (name: string, source: string, doc: T.Document): Chapter => {
      const headingHtml = firstHeading(doc) ?? escapeHtml(name);
      return { name, source, page: `${name}.html`, headingHtml, headingText: headingTextOf(headingHtml) };
    };
    const refPages = refSources.map((nb) => {
      const name = path.basename(nb, ".ipynb");
      const doc = converted(name);
      return { chapter: chapterOf(name, `notebooks/${name}.md`, doc), doc };
    });
    const pages = notebooks.map((source) => {
      const name = path.basename(source, ".ipynb");
      const doc = converted(name);
      return { chapter: chapterOf(name, source, doc), doc };
    });
    const refs = refPages.map((p) => p.chapter);
    const chapters = pages.map((p) => p.chapter);
    const out = new Map<string, string>();
    const pageNames = new Set([...chapters, ...refs].map((c) => c.page));
    for (const { chapter, doc } of refPages) {
      rewriteLinks(doc, pageNames);
      fillTemplate(doc, `${chapter.headingText} · iommu-attach-lab`, nav(chapters, undefined));
      out.set(chapter.page, toHtml(doc));
    }
    pages.forEach(({ chapter, doc }, i) => {
      const ipynb = `${chapter.name}.ipynb`;
      out.set(ipynb, fs.readFileSync(path.join(ROOT, chapter.source), "utf8"));
      rewriteLinks(doc, pageNames);
      addPageToc(doc, ipynb);
      prefixSvgIds(doc);
      fillTemplate(doc, `${chapter.headingText} · iommu-attach-lab`, nav(chapters, i));
      out.set(chapter.page, toHtml(doc));
    });
    out.set("index.html", indexPage(chapters, refs));
    out.set("book.css", fs.readFileSync(path.join(BOOK_SRC, "book.css"), "utf8"));

    const problems: string[] = [];
    for (const [file, text] of out) if (file.endsWith(".html")) for (const e of externalLoads(text)) problems.push(`${file}: ${e}`);
    if (problems.length > 0) {
      throw new Error(`book: pages would load external resources:\n  ${problems.join("\n  ")}`);
    }

    fs.rmSync(BOOK_DIR, { recursive: true, force: true });
    fs.mkdirSync(BOOK_DIR, { recursive: true });
    for (const [file, text] of out) fs.writeFileSync(path.join(BOOK_DIR, file), text);
    return chapters;
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/** True when build/book/ is missing or older than a notebook, the template or this script. */
export function bookIsStale(): boolean {
  const index = path.join(BOOK_DIR, "index.html");
  if (!fs.existsSync(index)) return true;
  const built = fs.statSync(index).mtimeMs;
  const inputs = [
    ...listNotebooks().map((f) => path.join(ROOT, f)),
    ...REFERENCE_PAGES.map((n) => path.join(NOTEBOOK_DIR, `${n}.md`)).filter((f) => fs.existsSync(f)),
    __filename,
    ...fs.readdirSync(BOOK_SRC, { recursive: true }).map((f) => path.join(BOOK_SRC, String(f))),
  ];
  if (inputs.some((f) => fs.statSync(f).mtimeMs > built)) return true;
  const refPages = REFERENCE_PAGES.map((n) => `${n}.html`) as string[];
  const pages = new Set(fs.readdirSync(BOOK_DIR).filter((f) => f.endsWith(".html") && f !== "index.html" && !refPages.includes(f)));
  const wanted = listNotebooks().map((f) => `${path.basename(f, ".ipynb")}.html`);
  return wanted.length !== pages.size || wanted.some((p) => !pages.has(p));
}

if (require.main === module) {
  try {
    const chapters = buildBook();
    const seconds = process.uptime(); // the whole run, Node and tsx start included
    for (const c of chapters) console.log(`book: ${c.source} -> build/book/${c.page}`);
    console.log(`book: ${chapters.length} chapter(s) + index.html in build/book/ (${seconds.toFixed(1)} s)`);
  } catch (e) {
    console.error(e instanceof Error ? e.message : String(e));
    process.exit(1);
  }
}
