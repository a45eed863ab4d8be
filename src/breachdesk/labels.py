"""The Japanese an operator reads for each code breachdesk stores.

The database, the API, the JSON lines and the CLI's `--csv` keep the English codes (`phone`,
`answered`, `bullet`, the `date, offered, …` header): other tools rely on them. Everything meant
for people — console pages, the council workbook, the web CSV download, `--labels ja` — shows
these labels instead. One table per kind of code; `label(kind, code)` falls back to the code
itself, so a code added later shows up (and a browser test that looks for English codes on the
console catches it) rather than disappearing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

CHANNELS: Final[Mapping[str, str]] = {
    "phone": "電話",
    "mail": "メール",
    "web": "ウェブ",
    "sms": "SMS",
    "letter": "郵送",
    "counter": "窓口",
    "api": "API",
    "post": "郵送",
}
"""How an inquiry arrived, or how a campaign was sent."""

OUTCOMES: Final[Mapping[str, str]] = {
    "answered": "応答",
    "busy": "話中・放棄",
    "callback": "折返し",
    "escalated": "エスカレーション",
}
"""What became of an inquiry."""

FORMATS: Final[Mapping[str, str]] = {
    "auto": "自動判定",
    "bullet": "箇条書きFAQ（・形式）",
    "dashlist": "箇条書きFAQ（-形式）",
    "qa": "Q&A形式FAQ",
    "table": "表（CSV・TSV）",
    "notice": "お知らせ文",
    "markdown": "Markdown",
    "html": "HTML",
    "xlsx": "Excel",
    "pdf": "PDF",
    "dailytable": "日別集計表",
}
"""The shape a document was read as (`kb.importers` format names)."""

SOURCES: Final[Mapping[str, str]] = {
    "cli": "コマンドライン",
    "console": "管理画面",
    "api": "API",
    "web": "公開ページ",
    "import": "通話記録の取込",
    "calllog": "通話記録の取込",
    "demo": "デモデータ",
}
"""Who or what wrote a row (an inquiry's source, an import's actor)."""

DAILY_COLUMNS: Final[Mapping[str, str]] = {
    "date": "日付",
    "offered": "入電",
    "answered": "応答",
    "answer_rate": "応答率",
    "events": "出来事",
}
"""The daily table's machine header (DESIGN.md contract) and its Japanese column names."""

STAFFING_COLUMNS: Final[Mapping[str, str]] = {
    "date": "日付",
    "offered": "入電",
    "answered": "応答",
    "answer_rate": "応答率",
    "implied_agents": "実効人数（推定）",
    "agents_needed": "必要人数",
    "lines_needed": "必要回線数",
    "plan_agents": "試算のオペレーター数",
    "plan_lines": "試算の回線数",
    "plan_answer_rate": "試算の応答率",
    "plan_busy": "試算の話中",
    "plan_abandoned": "試算の放棄",
}
"""The staffing CSV's header and its Japanese column names (the console's download)."""

KINDS: Final[Mapping[str, Mapping[str, str]]] = {
    "channel": CHANNELS,
    "outcome": OUTCOMES,
    "format": FORMATS,
    "source": SOURCES,
    "column": DAILY_COLUMNS,
    "staffing": STAFFING_COLUMNS,
}


def label(kind: str, code: str | None) -> str:
    """The Japanese label of `code` (one of `KINDS`), or the code itself when it has none."""
    if code is None:
        return "—"
    return KINDS[kind].get(code, code)


def column_labels(columns: list[str]) -> list[str]:
    """A daily-table header in Japanese: the fixed columns translated, category names kept."""
    return [DAILY_COLUMNS.get(c, c) for c in columns]


NOT_FOUND_KINDS: Final[Mapping[str, str]] = {
    "incident": "お知らせ（事案）",
    "entry": "FAQ項目",
    "document": "文書",
    "campaign": "キャンペーン",
    "question": "質問",
    "user": "ユーザー",
    "token": "APIトークン",
    "version": "版",
}
"""What a `NotFoundError`'s kind is called on an error page."""

STOCK_DETAILS: Final[frozenset[str]] = frozenset(
    {"Not Found", "Method Not Allowed", "Forbidden", "Unauthorized", "Bad Request"}
)
"""Starlette's own English reasons: the page's Japanese title already says them."""


def not_found(kind: str, key: str) -> str:
    """The error page's detail for something that does not exist, in Japanese."""
    return f"{NOT_FOUND_KINDS.get(kind, 'ページ')}「{key}」は見つかりませんでした。"


def page_detail(message: str | None) -> str | None:
    """A technical detail worth showing under an error page's Japanese title, or None."""
    if not message or message in STOCK_DETAILS:
        return None
    return message


def invalid_fields(fields: list[str]) -> str:
    """An error page's detail for request fields that failed validation, in Japanese (the
    fields keep their names as written in the address or the form)."""
    named = "、".join(f"「{f}」" for f in dict.fromkeys(fields) if f) or "入力"
    return f"{named}の値を確認してください（形式が正しくないか、範囲外です）。"
