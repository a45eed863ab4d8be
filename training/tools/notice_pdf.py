"""Lay out a plain-text notice as an A4 PDF, the way organisations publish them.

Used to make the PDF documents of the training incidents from a text draft kept outside the
repository. Lines are wrapped at a fixed width, so sentences break in the middle as they do in
real PDFs (the text layer then has hard line breaks inside sentences). The first line is the
title, set larger and centred; a line starting with `>` is set flush right (dates, senders).

Needs fpdf2 and a Japanese TrueType font; run it from a separate virtualenv, not the project's:

    apt-get install fonts-ipaexfont-mincho
    python -m venv /tmp/pdfgen && /tmp/pdfgen/bin/pip install fpdf2
    /tmp/pdfgen/bin/python training/tools/notice_pdf.py draft.txt out.pdf
"""

from __future__ import annotations

import argparse
from pathlib import Path

from fpdf import FPDF

FONT = "/usr/share/fonts/opentype/ipaexfont-mincho/ipaexm.ttf"
"""IPAex Mincho. A CFF font such as Noto Sans CJK (.ttc) is embedded by fpdf2 2.8 with a CMap
that pypdf reads back with a NUL before every character, so a TrueType-outline font is used."""


def render(text: str, out: Path, *, font: str = FONT, size: float = 10.5) -> None:
    pdf = FPDF(format="A4")
    pdf.set_margins(22, 20, 22)
    pdf.set_auto_page_break(True, margin=20)
    pdf.add_font("jp", fname=font, collection_font_number=0)
    pdf.set_title(text.splitlines()[0].strip())
    pdf.add_page()
    width = pdf.w - pdf.l_margin - pdf.r_margin
    lines = text.rstrip("\n").split("\n")
    pdf.set_font("jp", size=size + 3)
    pdf.multi_cell(width, 8, lines[0].strip(), align="C")
    pdf.ln(4)
    pdf.set_font("jp", size=size)
    for line in lines[1:]:
        if not line.strip():
            pdf.ln(3)
        elif line.startswith(">"):
            pdf.multi_cell(width, 6, line[1:].strip(), align="R")
        else:
            pdf.multi_cell(width, 6, line, align="L")
    pdf.output(str(out))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("text", type=Path, help="UTF-8 text of the notice")
    parser.add_argument("pdf", type=Path, help="PDF file to write")
    parser.add_argument("--font", default=FONT, help="a TrueType/OpenType font with Japanese")
    args = parser.parse_args()
    render(args.text.read_text(encoding="utf-8"), args.pdf, font=args.font)


if __name__ == "__main__":
    main()
