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
from typing import Any, Final

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
    "callback": "折返し依頼",
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

ROLES: Final[Mapping[str, str]] = {
    "admin": "管理者",
    "editor": "編集者",
    "operator": "オペレーター",
    "viewer": "閲覧者",
}
"""A console user's or an API token's role (`auth.roles.ROLES`)."""

REVIEW_STATES: Final[Mapping[str, str]] = {
    "open": "未対応",
    "attached": "FAQに紐付け済み",
    "needs_entry": "新しいFAQが必要",
    "dismissed": "対応不要",
}
"""Where a public question stands in the review queue (`review.service.REVIEW_STATES`)."""

KINDS: Final[Mapping[str, Mapping[str, str]]] = {
    "channel": CHANNELS,
    "outcome": OUTCOMES,
    "format": FORMATS,
    "source": SOURCES,
    "column": DAILY_COLUMNS,
    "staffing": STAFFING_COLUMNS,
    "role": ROLES,
    "review": REVIEW_STATES,
}


def label(kind: str, code: str | None) -> str:
    """The Japanese label of `code` (one of `KINDS`), or the code itself when it has none. A
    source that names who acted (`cli:eri`, `token:deploy`) reads as an audit row's actor."""
    if code is None:
        return "—"
    if kind == "source" and code not in SOURCES:
        return audit_actor(code)
    return KINDS[kind].get(code, code)


def column_labels(columns: list[str]) -> list[str]:
    """A daily-table header in Japanese: the fixed columns translated, category names kept."""
    return [DAILY_COLUMNS.get(c, c) for c in columns]


NOT_FOUND_KINDS: Final[Mapping[str, str]] = {
    "incident": "お知らせ（事案）",
    "entry": "FAQ項目",
    "document": "文書",
    "campaign": "キャンペーン",
    "category": "問い合わせ分類",
    "question": "質問",
    "user": "ユーザー",
    "token": "APIトークン",
    "API token": "APIトークン",
    "version": "版",
    "document version": "文書の版",
    "entry version": "FAQ項目の版",
    "affected register": "対象者名簿",
    "person": "名簿の対象者",
    "import": "名簿の取り込み",
    "confirmation link": "確認用のリンク",
    "confirmation code": "確認コード",
    "SMS gateway": "SMSの送信口",
    "planned campaign": "名簿から計画したキャンペーン",
    "template": "文面の版",
    "send": "送信",
    "letters": "郵送の印刷ファイル",
    "callback": "折り返しのご依頼",
}
"""What a `NotFoundError`'s kind is called on an error page or in a command's message (a test
walks every kind the code raises)."""

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


# --- the audit log ------------------------------------------------------------------------
# Audit rows keep their codes (`inquiry.log`, `{"added": true}`): the API and anyone querying
# the table rely on them. The console's audit page shows these labels instead; a test walks
# every action code and detail key the code base writes and requires one here.

AUDIT_ACTIONS: Final[Mapping[str, str]] = {
    "incident.create": "インシデントの作成",
    "incident.update": "インシデント名の変更",
    "documents.import": "文書の取り込み",
    "entry.create": "項目の追加（下書き）",
    "entry.edit": "項目の編集（下書き）",
    "entry.intents": "問い合わせ意図の修正（下書き）",
    "entry.approve": "下書きの承認",
    "entry.reject": "下書きの却下",
    "entry.retire": "項目の公開停止",
    "entry.restore": "項目の公開再開",
    "question.attach": "質問をFAQに紐付け",
    "question.mark": "質問の対応状況の変更",
    "phrasing.learn": "質問者の選択から別の聞き方を登録",
    "user.create": "ユーザーの追加",
    "user.role": "権限の変更",
    "user.deactivate": "ユーザーの無効化",
    "user.activate": "ユーザーの有効化",
    "user.password": "パスワードの変更",
    "token.create": "APIトークンの作成",
    "token.revoke": "APIトークンの取り消し",
    "register.import": "対象者名簿の取り込み",
    "register.lookup": "対象者の検索",
    "register.reveal": "対象者情報の表示（マスク解除）",
    "register.export": "対象者名簿の書き出し",
    "register.check": "本人による対象確認",
    "register.view": "本人による対象内容の表示",
    "register.refused": "本人確認の制限超過（1時間ごとに集計）",
    "inquiry.log": "受付の記録",
    "callback.request": "折返し依頼の受付（公開ページ）",
    "callback.view": "折返し依頼の連絡先の表示",
    "callback.complete": "折返し依頼の対応記録",
    "callback.purge": "折返し依頼の削除（保存期間の経過）",
    "calls.import": "通話記録の取り込み",
    "category.add": "問い合わせ分類の追加",
    "campaign.add": "キャンペーンの記録",
    "campaign.results": "配信結果の取り込み",
    "campaign.export_bounced": "不達リストの書き出し",
    "campaign.purge": "キャンペーン宛先の削除",
    "campaign.plan": "名簿からのキャンペーンの計画",
    "campaign.approve": "キャンペーン計画の承認",
    "campaign.send": "キャンペーンの送信開始",
    "campaign.sent": "キャンペーンの送信結果",
    "campaign.unreachable": "連絡できない方の一覧の表示",
    "campaign.letters": "郵送の印刷ファイルの取り出し",
    "notify.template.draft": "通知文面の下書き",
    "notify.template.approve": "通知文面の承認",
    "notify.template.preview": "通知文面のプレビュー（名簿の参照）",
    "remediation.codes": "補償コードの読み込み",
    "remediation.redeemed": "補償コード利用報告の取り込み",
    "remediation.reissue": "カード再発行報告の記録",
    "login": "ログイン",
    "login.failed": "ログインの失敗",
    "logout": "ログアウト",
}
"""Every action an audit row can name."""

AUDIT_KEYS: Final[Mapping[str, str]] = {
    "what": "断った要求",
    "hour": "時間帯（開始）",
    "counted_in": "件数の記録先",
    "incident": "インシデント",
    "name": "名称",
    "by": "方法",
    "files": "ファイル",
    "file": "ファイル",
    "added": "追加",
    "changed": "変更",
    "retired": "公開停止",
    "held": "要確認（下書きで保留）",
    "updated": "更新",
    "unchanged": "変更なし",
    "version": "版",
    "intents": "問い合わせ意図",
    "entry": "FAQ項目",
    "review": "対応状況",
    "username": "ユーザー名",
    "role": "権限",
    "channel": "経路",
    "outcome": "結果",
    "sent_on": "送信日",
    "calls": "通話件数",
    "delivered": "配信済",
    "bounced": "不達",
    "rows": "件数",
    "removed": "削除件数",
    "category": "分類",
    "reason": "理由",
    "found": "該当件数",
    "field": "表示した項目",
    "requested_by": "依頼者",
    "via": "確認方法",
    "askers": "同じ回答を選んだ質問者の数",
    "attempts": "折返しの架電回数",
    "count": "件数",
    "redeemed": "利用済みにした件数",
    "already": "記録済みの件数",
    "unknown": "この事故にない件数",
    "company": "カード会社",
    "as_of": "時点",
    "cards": "対象カード数",
    "reissued": "再発行数",
    "chain": "チャネルの順",
    "audience": "対象",
    "people": "人数",
    "unreachable": "連絡手段なし",
    "days": "送信日数",
    "max_calls_per_day": "1日の入電上限",
    "agents": "オペレーター人数",
    "moved": "次のチャネルへ回した件数",
    "id": "番号",
    "template": "文面の番号",
    "through": "送信対象の期日",
    "bytes": "バイト数",
    "campaign": "キャンペーン",
    "sent": "送信済",
    "refused": "拒否",
    "resent": "再送（中断時に送信中だった分）",
    "pending": "未送信",
    "unsent": "送れなかった件数",
}
"""What each key of an audit row's detail means."""

CALLBACK_OUTCOMES: Final[Mapping[str, str]] = {
    "no_answer": "不在・応答なし",
    "unreachable": "連絡がつかず終了",
}
"""How a callback attempt ended besides an inquiry's outcomes (`inquiries.callbacks`)."""

REGISTER_OUTCOMES: Final[Mapping[str, str]] = {
    "sent": "一致（確認の連絡を送信）",
    "miss": "不一致",
    "locked": "失敗が続いたため停止中",
    "limited": "回数の上限",
    "shown": "表示",
    "refused": "拒否（期限切れ・使用済み）",
}
"""How a self-check or the view it opens ended (`register.selfcheck`)."""

IDENTIFIERS: Final[Mapping[str, str]] = {
    "mail": "メールアドレス",
    "phone": "電話番号",
    "customer": "顧客番号",
}
"""Which identifier a register look-up or self-check used (`register.blind.IDENTIFIERS`)."""

VIA: Final[Mapping[str, str]] = {"link": "メールのリンク", "code": "SMSの確認コード"}
"""How a person opened their self-check result."""

REFUSED_REQUESTS: Final[Mapping[str, str]] = {
    "check/limited": "確認の申込み（上限超過）",
    "code/limited": "確認コードの入力（上限超過）",
    "link/limited": "確認リンクの利用（上限超過）",
    "code/refused": "確認コードの入力（無効）",
    "link/refused": "確認リンクの利用（無効）",
}
AUDIT_VALUES: Final[Mapping[str, Mapping[str, str]]] = {
    "what": REFUSED_REQUESTS,
    "counted_in": {"register_counters": "制限カウンター（集計）"},
    "channel": CHANNELS,
    "outcome": {**OUTCOMES, **REGISTER_OUTCOMES, **CALLBACK_OUTCOMES},
    "role": ROLES,
    "review": REVIEW_STATES,
    "by": {**IDENTIFIERS, **AUDIT_ACTIONS},  # an incident made by a documents import
    "via": VIA,
}
"""Detail values that are codes, per key; `field` and `intents` are labelled from the register's
and the taxonomy's own tables."""

AUDIT_ACTORS: Final[Mapping[str, str]] = {
    "token:": "APIトークン",
    "cli:": "コマンドライン",
    "?": "登録のないユーザー名",
}
"""Who acted, when it is not a console user: by the prefix of the stored name."""


def audit_action(code: str) -> str:
    """An audit row's action in Japanese (the code itself when it has no label)."""
    return AUDIT_ACTIONS.get(code, code)


def audit_actor(actor: str) -> str:
    """Who did it: a user's name as it is, an API token, the command line, the public."""
    if actor == "public":
        return "公開ページの利用者"
    if actor == "askers":
        return "同じ回答を選んだ質問者"
    for prefix, what in AUDIT_ACTORS.items():
        if actor.startswith(prefix):
            return f"{what}（{actor.removeprefix(prefix) if prefix != '?' else actor}）"
    return actor


def audit_detail(
    detail: Mapping[str, Any], codes: Mapping[str, Mapping[str, str]] | None = None
) -> list[tuple[str, str]]:
    """An audit row's detail as (label, value) pairs in Japanese, in its stored order.

    `codes` adds value labels that live with their domains, by detail key (the register's
    field names under `field`, the intent taxonomy's under `intents`): the face that shows the
    audit log passes them, so this bottom module imports no domain."""
    return [
        (AUDIT_KEYS.get(key, key), audit_value(key, value, codes)) for key, value in detail.items()
    ]


def audit_value(key: str, value: Any, codes: Mapping[str, Mapping[str, str]] | None = None) -> str:
    """One detail value as an operator reads it: a code labelled, yes/no for a flag, a list
    joined, anything else as stored."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "はい" if value else "いいえ"
    if isinstance(value, list):
        return "、".join(audit_value(key, item, codes) for item in value) or "なし"
    text = str(value)
    known = (codes or {}).get(key) or AUDIT_VALUES.get(key, {})
    return known.get(text, text)
