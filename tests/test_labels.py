"""One mapping from stored codes to the Japanese an operator reads."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import breachdesk
from breachdesk import labels
from breachdesk.auth.roles import ROLES
from breachdesk.inquiries.campaigns import CHANNELS as CAMPAIGN_CHANNELS
from breachdesk.inquiries.service import CHANNELS, OUTCOMES
from breachdesk.intents.taxonomy import load_taxonomy
from breachdesk.kb.importers import FORMATS
from breachdesk.labels import KINDS, column_labels, label
from breachdesk.register.blind import IDENTIFIERS
from breachdesk.register.service import SHOWN
from breachdesk.review.service import REVIEW_STATES
from breachdesk.web.console.pages import audit_codes


def test_every_channel_outcome_and_format_the_core_knows_has_a_japanese_label() -> None:
    for kind, codes in (("channel", CHANNELS), ("outcome", OUTCOMES), ("format", FORMATS)):
        for code in codes:
            assert code in KINDS[kind], (kind, code)
            assert label(kind, code) != code, (kind, code)  # never the stored code itself


def test_an_unknown_code_shows_as_itself_rather_than_vanishing() -> None:
    assert label("channel", "fax") == "fax"
    assert label("outcome", None) == "—"


def test_a_source_that_names_who_acted_reads_as_an_audit_actor() -> None:
    assert label("source", "cli:eri") == "コマンドライン（eri）"  # `breachdesk import` as eri
    assert label("source", "cli") == "コマンドライン"
    assert label("source", "eri") == "eri"  # a console user's name as it is


def test_the_daily_header_is_translated_but_category_names_are_kept() -> None:
    header = ["date", "offered", "answered", "answer_rate", "不正利用", "events"]
    assert column_labels(header) == ["日付", "入電", "応答", "応答率", "不正利用", "出来事"]
    assert set(KINDS) >= {"channel", "outcome", "format", "source", "column"}


# --- the audit log: every action code and detail key the code base writes has a label ---------

SRC = Path(breachdesk.__file__).parent
WRITERS = {"record": (2, 4), "audited": (2, 4), "audit_in": (3, 5)}
"""The audit writers and where their action and detail arguments are (`auth.service.record`,
`auth.service.audited`, `web.automation.audit_in`)."""


@dataclass
class Written:
    """What the source code can write into audit rows, found by reading it."""

    actions: set[str] = field(default_factory=set)
    keys: set[str] = field(default_factory=set)
    values: dict[str, set[str]] = field(default_factory=dict)
    unresolved: list[str] = field(default_factory=list)


def _functions(tree: ast.AST) -> Iterator[ast.FunctionDef | ast.AsyncFunctionDef]:
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            yield node


def _assigned(scope: ast.AST, name: str) -> list[ast.expr]:
    """Every value assigned to `name` in `scope` (plain and annotated assignments)."""
    out: list[ast.expr] = []
    for node in ast.walk(scope):
        if (
            isinstance(node, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == name for t in node.targets)
        ) or (
            isinstance(node, ast.AnnAssign)
            and node.value is not None
            and isinstance(node.target, ast.Name)
            and node.target.id == name
        ):
            out.append(node.value)
    return out


def _strings(expr: ast.expr, scope: ast.AST) -> set[str] | None:
    """The strings an expression can be, or None when the source does not say."""
    if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
        return {expr.value}
    if isinstance(expr, ast.IfExp):
        body, other = _strings(expr.body, scope), _strings(expr.orelse, scope)
        return None if body is None or other is None else body | other
    if isinstance(expr, ast.Name):
        values = [_strings(v, scope) for v in _assigned(scope, expr.id)]
        if values and all(v is not None for v in values):
            return set().union(*(v for v in values if v is not None))
    return None


def _dict_items(expr: ast.expr, scope: ast.AST) -> list[tuple[str, ast.expr]] | None:
    """The (key, value) pairs a detail expression holds, or None when the source does not say."""
    if isinstance(expr, ast.Constant) and expr.value is None:
        return []
    if isinstance(expr, ast.Dict):
        items: list[tuple[str, ast.expr]] = []
        for key, value in zip(expr.keys, expr.values, strict=True):
            if key is None:  # **spread
                spread = _dict_items(value, scope)
                if spread is None:
                    return None
                items += spread
            elif isinstance(key, ast.Constant) and isinstance(key.value, str):
                items.append((key.value, value))
            else:
                return None
        return items
    if isinstance(expr, ast.Name):
        found = [_dict_items(v, scope) for v in _assigned(scope, expr.id)]
        if not found or any(f is None for f in found):
            return None
        items = [item for f in found if f is not None for item in f]
        for node in ast.walk(scope):  # name["key"] = value
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    if (
                        isinstance(target, ast.Subscript)
                        and isinstance(target.value, ast.Name)
                        and target.value.id == expr.id
                        and isinstance(target.slice, ast.Constant)
                    ):
                        items.append((str(target.slice.value), node.value))
        return items
    return None


def _writer(call: ast.Call) -> str | None:
    func = call.func
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
    if name == "record" and isinstance(func, ast.Attribute):
        return name if getattr(func.value, "id", None) == "auth" else None
    return name if name in WRITERS else None


def written() -> Written:
    """Every audit write in the source: its actions, detail keys and coded values."""
    found = Written()
    for path in sorted(SRC.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for function in _functions(tree):
            if function.name in WRITERS:  # a writer forwarding its caller's arguments
                continue
            for call in (n for n in ast.walk(function) if isinstance(n, ast.Call)):
                writer = _writer(call)
                if writer is None:
                    continue
                where = f"{path.relative_to(SRC)}:{call.lineno}"
                action_at, detail_at = WRITERS[writer]
                args = list(call.args)
                action = _strings(args[action_at], function) if len(args) > action_at else None
                if action is None:
                    found.unresolved.append(f"{where}: action")
                    continue
                found.actions |= action
                detail_arg = args[detail_at] if len(args) > detail_at else None
                for kw in call.keywords:
                    if kw.arg == "detail":
                        detail_arg = kw.value
                items = _dict_items(detail_arg, function) if detail_arg is not None else []
                if items is None:
                    found.unresolved.append(f"{where}: detail")
                    continue
                for key, value in items:
                    found.keys.add(key)
                    strings = _strings(value, function)
                    if strings is not None:
                        found.values.setdefault(key, set()).update(strings)
    return found


def keyword_constants(name: str) -> set[str]:
    """Every string passed anywhere in the source as `name=` (a detail value handed down)."""
    out: set[str] = set()
    for path in SRC.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.keyword)
                and node.arg == name
                and isinstance(node.value, ast.Constant)
                and isinstance(node.value.value, str)
            ):
                out.add(node.value.value)
    return out


def test_the_source_scan_finds_the_audit_writes_it_should() -> None:
    """The scan is real: it finds actions written by a constant, a conditional, an assigned
    name and a face's hook, and the keys of a spread dict."""
    found = written()
    assert found.unresolved == []
    assert {"inquiry.log", "entry.retire", "entry.restore", "entry.edit"} <= found.actions
    assert {"user.activate", "user.deactivate", "login.failed", "register.lookup"} <= found.actions
    assert {"rows", "added", "updated", "unchanged", "intents"} <= found.keys


def test_every_audit_action_the_code_can_write_has_a_japanese_label() -> None:
    for action in written().actions:
        assert action in labels.AUDIT_ACTIONS, action
        assert labels.audit_action(action) != action


def test_every_detail_key_and_coded_value_has_a_japanese_label() -> None:
    found = written()
    assert found.keys - set(labels.AUDIT_KEYS) == set()
    vocabulary = {
        "channel": {*CHANNELS, *CAMPAIGN_CHANNELS},
        "outcome": {*OUTCOMES, *found.values.get("outcome", set())},
        "role": set(ROLES),
        "review": set(REVIEW_STATES),
        "by": {*IDENTIFIERS, *found.values.get("by", set())},
        "via": keyword_constants("via"),
        "field": set(SHOWN),
        "intents": {i.id for i in load_taxonomy()},
        # The self-check's refused requests, by route and reason (register/selfcheck.py).
        "what": {f"{route}/limited" for route in ("check", "code", "link")}
        | {f"{route}/refused" for route in ("code", "link")},
        "counted_in": {"register_counters"},
    }
    assert set(labels.AUDIT_VALUES) <= set(vocabulary)
    for key, codes in vocabulary.items():
        assert codes, key  # the vocabulary was found
        for code in codes:
            shown = labels.audit_value(key, code, audit_codes())
            assert shown != code, (key, code)


def test_an_audit_row_reads_in_japanese() -> None:
    detail = {"incident": "aozora", "added": True, "intents": ["compensation"], "role": "admin"}
    codes = audit_codes()
    assert labels.audit_detail(detail, codes) == [
        ("インシデント", "aozora"),
        ("追加", "はい"),
        ("問い合わせ意図", codes["intents"]["compensation"]),
        ("権限", "管理者"),
    ]
    assert labels.audit_actor("token:robot") == "APIトークン（robot）"
    assert labels.audit_actor("cli:alice") == "コマンドライン（alice）"
    assert labels.audit_actor("public") == "公開ページの利用者"
    assert labels.audit_actor("eri") == "eri"
    assert labels.audit_action("someday.new") == "someday.new"  # shown rather than dropped
