"""HTML FAQ pages and notices, read with selectolax (lexbor).

`dl/dt/dd` pairs whose terms ask, `details/summary` and two-column question/answer tables give
`qa` entries; headings (`h1`–`h6`) give the section path, and the text under a heading that reads
like a question is its answer. Only the page's own content is read: its `<main>`, else its only
`<article>`, else its body, without `<nav>` menus and `<aside>` sidebars (so a site's header,
breadcrumbs, related posts and footer are no entries). Text is the rendered text: tags, scripts
and styles dropped, block elements on their own lines.

Any other text under a heading is a notice's text, read by `notice.passages` into answerable
units under the heading path, with what the markup says about it (`notice.Layout`):

- a paragraph that is one short bold run (`<p><strong>1. 経緯</strong></p>`), or a line of one
  between `<br>`s (`<b>概要</b><br>…`), is a heading; text straight inside a `<div>` is read like
  a paragraph's, its `<br><br>` ending paragraphs;
- `<dt>` terms that ask nothing (`発生日`, `漏えいした情報`) head their `<dd>` descriptions;
- `<li>` items are list items (they stay with the paragraph that leads into them);
- a table is one unit with its `<caption>`, cells joined by tabs, except a long one (over
  `units.LIST_MAX_CHARS`) whose rows are each headed by a `<th>`: each row is then a unit
  headed by its `<th>`;
- a page's single `h1` is its title: it is the question of the text before the first `h2`,
  not a level of every section path (a lone date under it is a note). A FAQ page's entries keep
  the `h1` in their section path.

The courtesies and signature that end the page are notes (`notice.close_notes`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from selectolax.lexbor import LexborHTMLParser, LexborNode

from breachdesk.errors import DocumentFormatError
from breachdesk.kb.parsed import EntryKind, ParsedEntry, Source

from . import notice
from .columns import Row, match_header, table_entries
from .lines import looks_like_question, source_text
from .units import LIST_MAX_CHARS

NAME = "html"

MAX_DEPTH = 256
"""Elements nested deeper than this are refused: real pages stay under 40 levels, and a page of
thousands of nested tags once overflowed the stack (RecursionError, a 500 on upload)."""


class _TooDeep(Exception):
    """Raised inside the recursive walks; `parse` turns it into a `DocumentFormatError`."""


_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)[^>]*?(/?)>")
# Elements that never nest (void) or whose end tag may be left out: a sloppy page of unclosed
# <p> or <li> is not deep, so they are not counted.
_UNCOUNTED = frozenset(
    [
        "area",
        "base",
        "br",
        "col",
        "embed",
        "hr",
        "img",
        "input",
        "link",
        "meta",
        "source",
        "track",
        "wbr",
        "p",
        "li",
        "dt",
        "dd",
        "tr",
        "td",
        "th",
        "thead",
        "tbody",
        "tfoot",
        "option",
        "optgroup",
        "colgroup",
        "caption",
        "rt",
        "rp",
        "html",
        "head",
        "body",
    ]
)


def _deepest(text: str) -> int:
    """How deep the page's tags nest, counted from the text before any parser sees it: the
    HTML parser itself slows quadratically on thousands of unclosed nested elements (30,000
    nested <dl> took 12 s), so such a page is refused before it is parsed."""
    depth = deepest = 0
    for closing, name, self_closing in _TAG.findall(text):
        if name.lower() in _UNCOUNTED or self_closing:
            continue
        depth = max(0, depth - 1) if closing else depth + 1
        deepest = max(deepest, depth)
    return deepest


_SKIP = frozenset(
    {"script", "style", "noscript", "template", "head", "svg", "iframe", "button", "nav", "aside"}
)
_HEADINGS = {f"h{level}": level for level in range(1, 7)}
_CONTAINERS = frozenset(
    {"html", "body", "main", "article", "section", "div", "header", "footer", "aside", "center"}
)
_BLOCKS = frozenset(
    {
        *_CONTAINERS,
        *_HEADINGS,
        *("p", "ul", "ol", "li", "dl", "dt", "dd", "table", "tr", "caption", "blockquote"),
        *("pre", "details", "summary", "figure", "figcaption", "address", "hr", "nav", "form"),
    }
)
# Browsers drop a source line break between two Japanese characters; elsewhere it is a space.
_CJK_BREAK = re.compile(r"(?<=[^\x00-\x7f])[ \t\f]*\n\s*(?=[^\x00-\x7f])")
_SPACES = re.compile(r"[ \t\n\r\f]+")


def _inline(text: str) -> str:
    return _SPACES.sub(" ", _CJK_BREAK.sub("", text.replace("\r", "")))


def _collect(node: LexborNode, parts: list[str], skip: str | None = None, depth: int = 0) -> None:
    if depth > MAX_DEPTH:
        raise _TooDeep
    depth += 1
    for child in node.iter(include_text=True):
        tag = child.tag or ""
        if child.is_text_node:
            parts.append(_inline(child.text_content or ""))
        elif tag in _SKIP or tag == skip or child.is_comment_node:
            continue
        elif tag == "br":
            parts.append("\n")
        elif tag in ("td", "th"):
            _collect(child, parts, None, depth)
            parts.append("\t")
        elif tag in _BLOCKS:
            parts.append("\n")
            _collect(child, parts, None, depth)
            parts.append("\n")
        else:
            _collect(child, parts, None, depth)


def element_text(node: LexborNode, *, skip: str | None = None) -> str:
    """The rendered text of an element: one line per block element, spaces collapsed."""
    parts: list[str] = []
    _collect(node, parts, skip)
    lines = (line.strip(" \t") for line in "".join(parts).split("\n"))
    return "\n".join(line for line in lines if line)


class _Locator:
    """Finds the source line of a text, moving forward through the page as entries are found."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.position = 0

    def line(self, text: str) -> int:
        snippet = text.strip().split("\n", 1)[0].split("\t", 1)[0][:12]
        found = self.source.find(snippet, self.position) if snippet else -1
        if found >= 0:
            self.position = found
        return self.source.count("\n", 0, self.position) + 1


@dataclass
class _Block:
    """Rendered text waiting for its heading's section to end: paragraph, heading, list or table."""

    kind: str
    lines: list[str]


class _Page:
    """Walks the body in document order and collects entries."""

    def __init__(self, source: str, title: str | None, *, single_h1: bool = False) -> None:
        self.locate = _Locator(source)
        self.title = title
        self.single_h1 = single_h1
        """The page has one `h1`: it titles the passages under it rather than heading them."""
        self.path: list[tuple[int, str]] = []
        self.pending: list[_Block] = []
        self.entries: list[ParsedEntry] = []

    @property
    def section(self) -> tuple[str, ...]:
        return tuple(text for _, text in self.path)

    def add(self, kind: EntryKind, question: str, answer: str, section: tuple[str, ...]) -> None:
        if not question.strip() or not answer.strip():
            return
        start = self.locate.line(question if kind == "qa" else answer)
        end = start + answer.count("\n")
        self.entries.append(
            ParsedEntry(kind, question.strip(), answer.strip(), section, start, end)
        )

    def text(self, text: str) -> None:
        if text.strip():
            self.pending.append(_Block("text", text.split("\n")))

    def flush(self) -> None:
        blocks, self.pending = self.pending, []
        if not blocks:
            return
        heading = self.path[-1][1] if self.path else ""
        if heading and looks_like_question(heading, strict=True):
            answer = "\n".join(line for block in blocks for line in block.lines)
            self.add("qa", heading, answer, self.section[:-1])
            return
        lines: list[str] = []
        headings: set[int] = set()
        items: set[int] = set()
        for block in blocks:
            if lines and block.kind != "item":
                lines.append("")
            if block.kind == "heading":
                headings.add(len(lines))
            elif block.kind == "item":
                items.add(len(lines))
            lines.extend(block.lines)
        layout = notice.Layout(frozenset(headings), frozenset(items))
        prefix, title = self.section, self.title
        if self.single_h1 and self.path and self.path[0][0] == 1:
            prefix, title = prefix[1:], self.path[0][1]
        for entry in notice.passages(
            lines, 0, len(lines), title, prefix=prefix, layout=layout, closing=False
        ):
            self.add(entry.kind, entry.question, entry.answer, entry.section)

    def heading(self, level: int, text: str) -> None:
        self.flush()
        while self.path and self.path[-1][0] >= level:
            self.path.pop()
        self.path.append((level, text))

    def definitions(self, node: LexborNode) -> None:
        terms = [element_text(child) for child in node.iter() if child.tag == "dt"]
        if not any(looks_like_question(term, strict=True) for term in terms):
            # Terms that ask nothing (発生日, 漏えいした情報) head their descriptions.
            for child in node.iter():
                if child.tag == "dt":
                    self.pending.append(_Block("heading", [element_text(child)]))
                elif child.tag == "dd":
                    self.text(element_text(child))
            return
        self.flush()
        question = ""
        answers: list[str] = []
        for child in node.iter():
            if child.tag == "dt":
                if answers:
                    self.add("qa", question, "\n".join(answers), self.section)
                    question, answers = "", []
                question = f"{question} {element_text(child)}".strip()
            elif child.tag == "dd":
                answers.append(element_text(child))
        self.add("qa", question, "\n".join(answers), self.section)

    def details(self, node: LexborNode) -> None:
        self.flush()
        summary = node.css_first("summary")
        question = element_text(summary) if summary is not None else ""
        self.add("qa", question, element_text(node, skip="summary"), self.section)

    def table(self, node: LexborNode) -> None:
        cells = [row.css("th, td") for row in node.css("tr")]
        rows = [[element_text(cell) for cell in row] for row in cells]
        kept = [(row, shown) for row, shown in zip(rows, cells, strict=True) if any(row)]
        rows = [row for row, _ in kept]
        if not rows:
            return
        header = match_header(rows[0])
        if header is not None:
            self.flush()
            line = self.locate.line(rows[0][0])
            numbered = [Row(line, line, cells) for cells in rows[1:]]
            for entry in table_entries(numbered, header, section=self.section):
                self.add(entry.kind, entry.question, entry.answer, self.section)
            return
        if all(len(row) == 2 for row in rows) and _asks(rows):
            self.flush()
            for question, answer in rows:
                self.add("qa", question, answer, self.section)
            return
        caption = node.css_first("caption")
        if caption is not None:
            self.text(element_text(caption))
        headed = len(rows) >= 2 and all(
            len(row) >= 2 and shown[0].tag == "th" and all(c.tag == "td" for c in shown[1:])
            for row, shown in kept
        )
        if headed and sum(len("".join(row)) for row in rows) > LIST_MAX_CHARS:
            # A long table of labelled rows (発生日 | …, 件数 | …): each row answers by itself.
            for row in rows:
                self.pending.append(_Block("heading", [row[0]]))
                self.text("\t".join(row[1:]))
            return
        self.pending.append(_Block("table", ["\t".join(row) for row in rows]))

    def items(self, node: LexborNode) -> None:
        for child in node.iter():
            if child.tag == "li":
                text = element_text(child)
                if text:
                    self.pending.append(_Block("item", text.split("\n")))

    def inline(self, run: Sequence[str], bold: set[str]) -> None:
        """Text and inline elements of a paragraph or straight inside a container (`<div>text
        <br>…</div>`): lines at its `<br>`s, paragraphs at its blank lines, and a line that is one
        short bold run a heading (`<p><strong>1. 経緯</strong></p>`, `<b>概要</b><br>…`)."""
        paragraph: list[str] = []
        for raw in [*"".join(run).split("\n"), ""]:
            line = raw.strip(" \t")
            if line and line in bold and _is_label(line):
                self.text("\n".join(paragraph))
                paragraph = []
                self.pending.append(_Block("heading", [line]))
            elif line:
                paragraph.append(line)
            else:
                self.text("\n".join(paragraph))
                paragraph = []

    def walk(self, node: LexborNode, depth: int = 0) -> None:
        if depth > MAX_DEPTH:
            raise _TooDeep
        run: list[str] = []
        bold: set[str] = set()
        for child in node.iter(include_text=True):
            tag = child.tag or ""
            if child.is_text_node:
                run.append(_inline(child.text_content or ""))
                continue
            if tag in _SKIP or child.is_comment_node:
                continue
            if tag == "br":
                run.append("\n")
                continue
            if tag not in _BLOCKS and tag not in _STRUCTURES:
                shown = element_text(child)
                run.append(shown)
                if tag in _BOLD_TAGS:
                    bold.add(shown.strip())
                continue
            self.inline(run, bold)
            run, bold = [], set()
            if tag in _HEADINGS:
                self.heading(_HEADINGS[tag], element_text(child))
            elif tag == "dl":
                self.definitions(child)
            elif tag == "details":
                self.details(child)
            elif tag == "table":
                self.table(child)
            elif tag in ("ul", "ol"):
                self.items(child)
            else:  # a container or a paragraph: its text and <br>s are read as an inline run
                self.walk(child, depth + 1)
        self.inline(run, bold)


_STRUCTURES = frozenset({"table", "dl", "ul", "ol", "details"})
_BOLD_TAGS = frozenset({"strong", "b"})
_LABEL_MAX_CHARS = 60


def _is_label(text: str) -> bool:
    """Short, one line and no sentence: what a bold heading reads like."""
    return 0 < len(text) <= _LABEL_MAX_CHARS and "\n" not in text and "。" not in text


_CONTENT_ROOTS = ("main", "article")


def content_root(tree: LexborHTMLParser) -> LexborNode | None:
    """Where the page's own content is: its `<main>`, else its only `<article>`, else its body
    (a site's header, breadcrumbs and footer lie outside the first two)."""
    for tag in _CONTENT_ROOTS:
        found = tree.css(tag)
        if len(found) == 1:
            return found[0]
    return tree.body


def _asks(rows: Sequence[Sequence[str]]) -> bool:
    """Whether the first cells of a two-column table are mostly questions."""
    asking = sum(1 for row in rows if looks_like_question(row[0]))
    return asking * 2 >= len(rows)


def _parser(source: Source) -> LexborHTMLParser:
    return LexborHTMLParser(source_text(source))


def title(source: Source) -> str | None:
    """The page's `<title>`, else its first `h1`."""
    tree = _parser(source)
    for selector in ("title", "h1"):
        node = tree.css_first(selector)
        try:
            text = element_text(node) if node is not None else ""
        except (_TooDeep, RecursionError):
            continue  # `parse` refuses such a page with a message
        if text:
            return text
    return None


def parse(source: Source) -> list[ParsedEntry]:
    """Entries of an HTML page in document order; a page nested deeper than `MAX_DEPTH`
    elements is a `DocumentFormatError`."""
    try:
        if _deepest(source_text(source)) > 2 * MAX_DEPTH:  # lenient: some pages leave divs open
            raise _TooDeep
        tree = _parser(source)
        page = _Page(source_text(source), title(source), single_h1=len(tree.css("h1")) == 1)
        root = content_root(tree)
        if root is not None:
            page.walk(root)
        page.flush()
        notice.close_notes(page.entries)
    except (_TooDeep, RecursionError):
        raise DocumentFormatError(
            source.path, None, f"the page nests elements more than {MAX_DEPTH} levels deep"
        ) from None
    return page.entries


def sniff(text: str) -> float:
    """1.0 for text that starts like an HTML page."""
    head = text.lstrip()[:200].lower()
    return 1.0 if head.startswith(("<!doctype html", "<html")) else 0.0
