"""HTML FAQ pages and notices, read with selectolax (lexbor).

`dl/dt/dd` pairs, `details/summary` and two-column question/answer tables give `qa` entries;
headings (`h1`–`h6`) give the section path, and the paragraphs under a heading that reads like a
question are its answer, otherwise a passage. Other tables are kept as passages, cells joined by
tabs in order. Text is the rendered text: tags, scripts and styles dropped, block elements on
their own lines.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from selectolax.lexbor import LexborHTMLParser, LexborNode

from breachdesk.errors import DocumentFormatError
from breachdesk.kb.parsed import EntryKind, ParsedEntry, Source

from .columns import Row, match_header, table_entries
from .lines import looks_like_question, source_text

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


_SKIP = frozenset({"script", "style", "noscript", "template", "head", "svg", "iframe", "button"})
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
        snippet = text.strip().split("\n", 1)[0][:12]
        found = self.source.find(snippet, self.position) if snippet else -1
        if found >= 0:
            self.position = found
        return self.source.count("\n", 0, self.position) + 1


class _Page:
    """Walks the body in document order and collects entries."""

    def __init__(self, source: str, title: str | None) -> None:
        self.locate = _Locator(source)
        self.title = title
        self.path: list[tuple[int, str]] = []
        self.pending: list[str] = []
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

    def flush(self) -> None:
        answer = "\n".join(self.pending)
        self.pending = []
        heading = self.path[-1][1] if self.path else ""
        if heading and looks_like_question(heading, strict=True):
            self.add("qa", heading, answer, self.section[:-1])
        else:
            self.add("passage", " > ".join(self.section) or self.title or "", answer, self.section)

    def heading(self, level: int, text: str) -> None:
        self.flush()
        while self.path and self.path[-1][0] >= level:
            self.path.pop()
        self.path.append((level, text))

    def definitions(self, node: LexborNode) -> None:
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
        summary = node.css_first("summary")
        question = element_text(summary) if summary is not None else ""
        self.add("qa", question, element_text(node, skip="summary"), self.section)

    def table(self, node: LexborNode) -> None:
        rows = [[element_text(cell) for cell in row.css("th, td")] for row in node.css("tr")]
        rows = [row for row in rows if any(row)]
        if not rows:
            return
        header = match_header(rows[0])
        if header is not None:
            line = self.locate.line(rows[0][0])
            numbered = [Row(line, line, cells) for cells in rows[1:]]
            for entry in table_entries(numbered, header, section=self.section):
                self.add(entry.kind, entry.question, entry.answer, self.section)
        elif all(len(row) == 2 for row in rows) and _asks(rows):
            for question, answer in rows:
                self.add("qa", question, answer, self.section)
        else:
            caption = node.css_first("caption")
            name = element_text(caption) if caption is not None else ""
            question = " > ".join(self.section) or name or self.title or ""
            self.add("passage", question, "\n".join("\t".join(row) for row in rows), self.section)

    def walk(self, node: LexborNode, depth: int = 0) -> None:
        if depth > MAX_DEPTH:
            raise _TooDeep
        for child in node.iter(include_text=True):
            tag = child.tag or ""
            if child.is_text_node:
                text = _inline(child.text_content or "").strip()
                if text:
                    self.pending.append(text)
            elif tag in _SKIP or child.is_comment_node:
                continue
            elif tag in _HEADINGS:
                self.heading(_HEADINGS[tag], element_text(child))
            elif tag in ("dl", "details", "table"):
                self.flush()
                {"dl": self.definitions, "details": self.details, "table": self.table}[tag](child)
            elif tag in _CONTAINERS:
                self.walk(child, depth + 1)
            else:
                text = element_text(child)
                if text:
                    self.pending.append(text)


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
        page = _Page(source_text(source), title(source))
        if tree.body is not None:
            page.walk(tree.body)
        page.flush()
    except (_TooDeep, RecursionError):
        raise DocumentFormatError(
            source.path, None, f"the page nests elements more than {MAX_DEPTH} levels deep"
        ) from None
    return page.entries


def sniff(text: str) -> float:
    """1.0 for text that starts like an HTML page."""
    head = text.lstrip()[:200].lower()
    return 1.0 if head.startswith(("<!doctype html", "<html")) else 0.0
