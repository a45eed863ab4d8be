"""Console (admin): the audit log, newest first, filtered by actor and action."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from breachdesk.auth import service as auth
from breachdesk.web.console.pages import Admin, Paging, render
from breachdesk.web.deps import DeskDep

router = APIRouter()

PAGE_SIZE = 50
ACTION_LABELS = {
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
    "user.create": "ユーザーの追加",
    "user.role": "権限の変更",
    "user.deactivate": "ユーザーの無効化",
    "user.activate": "ユーザーの有効化",
    "token.create": "APIトークンの作成",
    "token.revoke": "APIトークンの取り消し",
    "register.import": "対象者名簿の取り込み",
    "register.lookup": "対象者の検索",
    "register.reveal": "対象者情報の表示（マスク解除）",
    "register.export": "対象者名簿の書き出し",
    "register.check": "本人による対象確認",
    "register.view": "本人による対象内容の表示",
    "inquiry.log": "受付の記録",
    "calls.import": "通話記録の取り込み",
    "campaign.add": "キャンペーンの記録",
    "campaign.results": "配信結果の取り込み",
    "campaign.export_bounced": "不達リストの書き出し",
    "campaign.purge": "キャンペーン宛先の削除",
    "login": "ログイン",
    "logout": "ログアウト",
}


@router.get("/audit")
def audit_log(
    request: Request,
    desk: DeskDep,
    me: Admin,
    actor: Annotated[str, Query(max_length=120)] = "",
    action: Annotated[str, Query(max_length=64)] = "",
    target: Annotated[str, Query(max_length=300)] = "",
    day: Annotated[date | None, Query()] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    """Who did what, when, from where; newest first (by user, action, target or person, day)."""
    rows, total = auth.list_audit(
        desk.db,
        limit=PAGE_SIZE,
        offset=(page - 1) * PAGE_SIZE,
        actor=actor.strip() or None,
        action=action.strip() or None,
        target=target.strip() or None,
        day=day,
    )
    query = {
        "actor": actor,
        "action": action,
        "target": target,
        "day": day.isoformat() if day else "",
    }
    context = {
        "area": "audit",
        "rows": rows,
        "paging": Paging(page, PAGE_SIZE, total, query),
        "actor": actor,
        "action": action,
        "target": target,
        "day": day.isoformat() if day else "",
        "actions": list(ACTION_LABELS.items()),
        "action_labels": ACTION_LABELS,
    }
    return render(request, me, "console/audit.html", context)
