"""Line breaks for text that lost them: a PDF's text saved as `.txt` in one long line.

Such a text still carries its structure in markers (`1.` `(1)` `①` `■` `Q.` `・`), in the spaces
that stood where lines ended, and in its sentence ends. `restore_breaks` puts a line break back
before each marker (`break_before_markers`, also used for PDFs; a `(1)` item even when glued to
the text before it), after a short heading label that a
space separates from its body (`2. 対象期間 2026年8月1日から…`), after a sentence end that a
space follows, and around a date that stands alone between spaces (a letterhead's date).
The text importers then read it as any other text. Only a text that is a few very long lines
full of markers is touched (`needs_breaks`); every other text is left exactly as it is.
"""

from __future__ import annotations

import re

_BREAK_MARKERS = re.compile(
    r"(?:^|(?<=[\s。．.！!？?）)」』]))"
    r"(?:[QＱAＡ][0-9０-９]*[.．:：]|[問答][0-9０-９]*[.．:：]|【(?:質問|回答)】"
    r"|・|[①-⑳]|■|[0-9０-９]{1,2}[.．](?![0-9０-９])|[（(][0-9０-９]{1,2}[)）])"
)
_MAX_LINES = 3
_MIN_LINE_CHARS = 300
_MIN_MARKERS = 3
_MARKER = re.compile(
    r"(?:^|(?<=[\s。]))(?:[0-9０-９]{1,2}[.．](?![0-9０-９])|[（(][0-9０-９]{1,2}[)）]|[①-⑳■◆]"
    r"|[QＱAＡ][0-9０-９]*[.．:：])"
)
_LABELLED = re.compile(
    r"^(?P<label>[ \t\u3000]*(?:[0-9０-９]{1,2}[.．]|[（(][0-9０-９]{1,2}[)）]|[①-⑳■◆])"
    r"[ \t\u3000]*[^\s。、,，:：]{1,30})[ \t\u3000]+(?P<body>\S.*)$"
)
_GLUED_ITEM = re.compile(r"(?<=[^\s\d(（])(?=[（(][0-9０-９]{1,2}[)）])")
"""A `(1)` item glued to the text before it (extraction dropped the space as well)."""
_SENTENCE_SPACE = re.compile(r"(?<=[。！？!?])[ \t\u3000]+(?=\S)")
_LONE_DATE = re.compile(
    r"[ \t\u3000]+(?P<date>(?:(?:19|20)\d{2}|(?:令和|平成)(?:元|\d{1,2}))年\d{1,2}月\d{1,2}日)"
    r"[ \t\u3000]+"
)


def break_before_markers(text: str) -> str:
    """Put a line break before each structural marker of a text extracted as one long line."""
    pieces: list[str] = []
    last = 0
    for match in _BREAK_MARKERS.finditer(text):
        start = match.start()
        if start == 0 or text[start - 1] == "\n":
            continue
        pieces.append(text[last:start].rstrip(" \t\u3000"))
        last = start
    pieces.append(text[last:])
    return "\n".join(pieces)


def needs_breaks(text: str) -> bool:
    """Whether `text` is a few very long lines holding several structural markers."""
    lines = [line for line in text.split("\n") if line.strip()]
    if not lines or len(lines) > _MAX_LINES or "\t" in text:
        return False
    longest = max(lines, key=len)
    return len(longest) >= _MIN_LINE_CHARS and len(_MARKER.findall(longest)) >= _MIN_MARKERS


def restore_breaks(text: str) -> str:
    """`text` with its line breaks put back (see the module docstring)."""
    text = _GLUED_ITEM.sub("\n", break_before_markers(text))
    text = _LONE_DATE.sub(lambda m: f"\n{m['date']}\n", text)
    lines: list[str] = []
    for line in text.split("\n"):
        for sentence in _SENTENCE_SPACE.split(line):
            labelled = _LABELLED.match(sentence)
            if labelled is not None:
                lines.extend((labelled["label"].rstrip(), labelled["body"]))
            else:
                lines.append(sentence.rstrip())
    return "\n".join(lines)
