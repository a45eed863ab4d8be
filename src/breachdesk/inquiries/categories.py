"""Inquiry categories per incident: the default breach set, editable, in display order."""

from __future__ import annotations

from typing import cast

from sqlalchemy import Table, func, select
from sqlalchemy.orm import Session

from breachdesk.db.tables import Category, Incident, utcnow
from breachdesk.db.upsert import insert_new
from breachdesk.errors import ConflictError, InvalidInputError, NotFoundError

DEFAULT_CATEGORIES: tuple[str, ...] = (
    "対象確認",
    "漏えい項目",
    "不正利用",
    "カード再発行・手数料",
    "パスワード",
    "補償・QUOカードPay",
    "不審な連絡",
    "退会・削除",
    "その他",
)
OTHER = "その他"
FRAUD = "不正利用"
"""The category whose inquiries are fraudulent-use reports (the 不正 flag follows it)."""


def ensure_categories(s: Session, incident: Incident) -> list[Category]:
    """The incident's categories in order, creating the default set the first time."""
    rows = list(
        s.scalars(
            select(Category)
            .where(Category.incident_id == incident.id)
            .order_by(Category.position, Category.id)
        )
    )
    if rows:
        return rows
    # Two first inquiries of an incident at once (two workers' question logs) both find none:
    # each name is inserted only if it is new, so neither fails and both read the same set.
    for i, name in enumerate(DEFAULT_CATEGORIES):
        insert_new(
            s,
            cast(Table, Category.__table__),
            {"incident_id": incident.id, "name": name, "position": i, "created_at": utcnow()},
            unique=("incident_id", "name"),
        )
    return list(
        s.scalars(
            select(Category)
            .where(Category.incident_id == incident.id)
            .order_by(Category.position, Category.id)
        )
    )


def category_by_name(s: Session, incident: Incident, name: str) -> Category:
    """The incident's category with this name (after NFKC and trimming)."""
    wanted = clean_name(name)
    for category in ensure_categories(s, incident):
        if category.name == wanted:
            return category
    raise NotFoundError("category", f"{incident.slug}/{wanted}")


def add_category(s: Session, incident: Incident, name: str) -> Category:
    """Add a category at the end of the incident's list."""
    wanted = clean_name(name)
    existing = ensure_categories(s, incident)
    if any(c.name == wanted for c in existing):
        raise ConflictError(f"category {wanted!r} already exists")
    position = (
        s.scalar(select(func.max(Category.position)).where(Category.incident_id == incident.id))
        or 0
    ) + 1
    category = Category(incident_id=incident.id, name=wanted, position=position)
    s.add(category)
    s.flush()
    return category


def rename_category(s: Session, incident: Incident, old: str, new: str) -> Category:
    """Rename a category; its inquiries and figures follow it (they refer to it by id)."""
    category = category_by_name(s, incident, old)
    wanted = clean_name(new)
    if wanted != category.name and any(c.name == wanted for c in ensure_categories(s, incident)):
        raise ConflictError(f"category {wanted!r} already exists")
    category.name = wanted
    return category


def clean_name(name: str) -> str:
    import unicodedata

    text = unicodedata.normalize("NFKC", name).strip()
    if not text or len(text) > 100:
        raise InvalidInputError("a category name is 1–100 characters")
    return text
