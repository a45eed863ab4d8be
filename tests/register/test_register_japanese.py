"""Everything the register says to a person or an operator is Japanese (issue 18, item 12).

Its errors are found by walking the source — every error the register's modules, its pages and
its commands raise or build, and the message constants they use — so a new one is checked
without anybody remembering it. The pages a missing register or a missing key leads to are
parsed, and the commands are run through CliRunner. Log lines for the server's admin may stay
English: they are not walked.
"""

from __future__ import annotations

import ast
import base64
import importlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from register_support import SLUG, add_incident, form_token
from selectolax.lexbor import LexborHTMLParser as HTMLParser
from typer.testing import CliRunner

import breachdesk
from breachdesk.auth import service as auth
from breachdesk.cli import app as cli_app
from breachdesk.config import Settings
from breachdesk.desk import Desk
from breachdesk.errors import (
    CsrfError,
    DocumentFormatError,
    NotFoundError,
    StaleEditError,
    ThrottledError,
)
from breachdesk.labels import NOT_FOUND_KINDS
from breachdesk.register import messages
from breachdesk.register.crypto import MasterKey
from breachdesk.register.messages import NO_REGISTER, UNAVAILABLE_OPERATOR, UNAVAILABLE_PUBLIC
from breachdesk.register.sample import people, write_csv
from breachdesk.web.app import create_app

SRC = Path(breachdesk.__file__).parent
WALKED = sorted(
    [
        *(SRC / "register").glob("*.py"),
        SRC / "web" / "register_public.py",
        SRC / "web" / "console" / "register.py",
        SRC / "cli" / "register.py",
    ]
)
JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uff01-\uff60]")
CODE = re.compile(r"^[a-z0-9_./-]*$")
"""A string argument that is a code (a field, a kind, `-`), not a message."""


def english(text: str) -> list[str]:
    """The English phrases (two Latin words or more in a row) left in a message once what an
    operator types as it is — `commands`, BREACHDESK_… settings, --options — is set aside."""
    text = re.sub(r"`[^`]*`", " ", text)
    text = re.sub(r"\bBREACHDESK_[A-Z_]+\b", " ", text)
    text = re.sub(r"--[a-z][a-z-]*", " ", text)
    return re.findall(r"[A-Za-z][A-Za-z']*(?:[ \t,;:]+[A-Za-z][A-Za-z']*)+", text)


def is_japanese(text: str) -> bool:
    return bool(JAPANESE.search(text)) and not english(text)


# --- walking the source ---------------------------------------------------------------------


@dataclass(frozen=True)
class Said:
    """One message the code can raise or print: where, and its literal text (`{}` for a value
    filled in when it is said)."""

    where: str
    text: str


def _module(path: Path) -> ModuleType:
    name = ".".join(("breachdesk", *path.relative_to(SRC).with_suffix("").parts))
    return importlib.import_module(name)


def _resolve(node: ast.expr, module: ModuleType) -> Any:
    """The object a name or dotted name stands for in the module, else None."""
    if isinstance(node, ast.Name):
        return getattr(module, node.id, None)
    if isinstance(node, ast.Attribute):
        owner = _resolve(node.value, module)
        return getattr(owner, node.attr, None) if owner is not None else None
    return None


def _texts(node: ast.expr, module: ModuleType) -> list[str]:
    """The literal text of a message argument: a string, an f-string's fixed parts, a module
    constant, `CONSTANT.format(…)`, a concatenation; [] when it is only a value (`str(exc)`)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.JoinedStr):
        return [
            "".join(str(v.value) if isinstance(v, ast.Constant) else " {} " for v in node.values)
        ]
    if isinstance(node, ast.Name):
        value = getattr(module, node.id, None)
        return [value] if isinstance(value, str) else []
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "format"
    ):
        return _texts(node.func.value, module)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _texts(node.left, module), _texts(node.right, module)
        return ["".join(left + right)] if left or right else []
    return []


def _error_class(call: ast.Call, module: ModuleType) -> type[BaseException] | None:
    found = _resolve(call.func, module)
    if isinstance(found, type) and issubclass(found, BaseException):
        return found
    return None


def _message_args(call: ast.Call, error: type[BaseException] | None) -> list[ast.expr]:
    """The arguments of an error that carry its message (not its path, line, kind or where)."""
    if error is not None and issubclass(error, NotFoundError | StaleEditError):
        return []
    args: list[ast.expr] = list(call.args)
    if error is not None and issubclass(error, DocumentFormatError):
        args = args[2:3]  # (path, line, reason)
    if error is not None and issubclass(error, ThrottledError):
        args = args[:1]
    args += [k.value for k in call.keywords if k.arg not in ("where", "retry_after")]
    return args


def said_in(path: Path) -> Iterator[Said]:
    """Every error message a module raises or builds, and every line its commands echo."""
    module = _module(path)
    tree = ast.parse(path.read_text(encoding="utf-8"))
    raised = {
        id(node.exc)
        for node in ast.walk(tree)
        if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call)
    }
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        where = f"{path.relative_to(SRC)}:{node.lineno}"
        error = _error_class(node, module)
        if ast.unparse(node.func) == "typer.echo":
            args = node.args[:1]
        elif error is not None or id(node) in raised:  # `raise bad(field, why)` builds one
            args = _message_args(node, error)
        else:
            continue
        for arg in args:
            for text in _texts(arg, module):
                if not CODE.fullmatch(text):
                    yield Said(where, text)


def not_found_kinds(path: Path) -> Iterator[tuple[str, str]]:
    """The kind of every `NotFoundError("kind", …)` a module raises, with where."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if (
            isinstance(node, ast.Call)
            and ast.unparse(node.func).endswith("NotFoundError")
            and node.args
            and isinstance(node.args[0], ast.Constant)
        ):
            yield str(node.args[0].value), f"{path.relative_to(SRC)}:{node.lineno}"


ALL_SAID = [s for path in WALKED for s in said_in(path)]


def test_the_walk_finds_the_messages_it_should() -> None:
    texts = {s.text for s in ALL_SAID}
    from breachdesk.register import crypto, importer, jobs

    assert {crypto.NO_KEY, importer.BUSY, jobs.RUNNING, jobs.FAILED} <= texts
    assert any(s.where.startswith("cli/register.py") for s in ALL_SAID)
    assert any(s.where.startswith("register/columns.py") for s in ALL_SAID)  # raise bad(…)
    assert len(ALL_SAID) > 45
    assert english("no master key for the affected register") and not english("CSV として")


def worded(said: Said) -> bool:
    """Whether a message has words of its own (`error: {}` only passes a value on)."""
    return bool(re.search(r"\w", said.text.replace("{}", "").removeprefix("error:")))


@pytest.mark.parametrize("said", [s for s in ALL_SAID if worded(s)], ids=lambda s: s.where)
def test_every_message_the_register_raises_or_prints_is_japanese(said: Said) -> None:
    assert is_japanese(said.text), english(said.text) or said.text


def test_every_message_constant_of_the_register_is_japanese() -> None:
    constants = {
        name: value
        for name, value in vars(messages).items()
        if name.isupper() and isinstance(value, str | tuple)
    }
    assert {"CONFIRMATION", "UNAVAILABLE_PUBLIC", "UNAVAILABLE_OPERATOR", "NO_REGISTER"} <= set(
        constants
    )
    for name, value in constants.items():
        for text in value if isinstance(value, tuple) else (value,):
            assert is_japanese(text), (name, english(text))


def test_every_kind_of_thing_not_found_has_a_japanese_name() -> None:
    kinds = {k: w for path in sorted(SRC.rglob("*.py")) for k, w in not_found_kinds(path)}
    assert {"affected register", "person", "confirmation link", "import"} <= set(kinds)
    missing = {k: w for k, w in kinds.items() if k not in NOT_FOUND_KINDS}
    assert missing == {}
    assert all(is_japanese(name) for name in NOT_FOUND_KINDS.values())


def test_the_public_forms_csrf_refusal_is_japanese() -> None:
    assert is_japanese(str(CsrfError()))


# --- the pages a missing register or key leads to ------------------------------------------

FAQ = (
    "よくあるご質問\n\nQ1. 補償はありますか？\nA1. 500円分のポイントを付与します。\n\n"
    "お問い合わせ窓口\n専用ダイヤル 0120-000-111(10:00~17:00)\n"
)


def make_desk(tmp_path: Path, key: MasterKey | None) -> Desk:
    """A desk on one SQLite file, with or without the master key."""
    secret = SecretStr(base64.urlsafe_b64encode(key.material).decode()) if key else None
    return Desk(
        Settings(
            db=str(tmp_path / "desk.db"),
            dense_model="none",
            cache_dir=tmp_path / "cache",
            master_key=secret,
            master_key_file=None,
            rate_limit_per_minute=0,
        )
    )


@pytest.fixture
def keyless(tmp_path: Path, master: MasterKey) -> tuple[Desk, Desk]:
    """The same desk served without its key, and with it; the incident has a desk phone."""
    from console_session import PASSWORD

    with_key = make_desk(tmp_path, master)
    faq = tmp_path / "faq.txt"
    faq.write_text(FAQ, encoding="utf-8")
    with_key.import_documents(SLUG, [faq], name="shop の漏えい")
    auth.create_user(with_key.db, "ada", PASSWORD, "admin")
    return make_desk(tmp_path, None), with_key


def text_of(html: str, selector: str) -> str:
    node = HTMLParser(html).css_first(selector)
    assert node is not None, selector
    return node.text(separator=" ", strip=True).strip()


def visible_english(html: str) -> list[str]:
    """English phrases in a page's main text (its content, not the shared frame)."""
    return english(text_of(html, "main"))


def assert_unavailable_notice(html: str) -> None:
    page = HTMLParser(html)
    assert page.css_first("form#self-check") is None
    notice = text_of(html, "#self-check-unavailable")
    assert (
        "現在できません" in notice
        and "窓口" in notice
        and "いつ・どこで・どう支払いましたか" in notice
    )
    assert page.css_first("#self-check-unavailable .desk-card") is not None  # the desk, at hand
    assert page.css_first("form#scope-check") is not None
    assert not re.search(r"鍵|マスターキー|BREACHDESK|master", notice)  # nothing of why
    assert visible_english(html) == []


def test_the_public_check_without_a_register_says_why_not_in_plain_japanese(
    keyless: tuple[Desk, Desk],
) -> None:
    _, desk = keyless
    client = TestClient(create_app(desk.settings, desk=desk), base_url="https://testserver")
    page = client.get(f"/i/{SLUG}/check")
    assert page.status_code == 200
    assert_unavailable_notice(page.text)


def test_the_public_check_without_the_key_says_the_same_and_a_check_is_refused(
    keyless: tuple[Desk, Desk],
) -> None:
    desk, with_key = keyless
    with_key.register.import_file(SLUG, Path("a.csv"), data=write_csv(list(people(3, seed=2))))
    client = TestClient(create_app(desk.settings, desk=desk), base_url="https://testserver")
    page = client.get(f"/i/{SLUG}/check")
    assert_unavailable_notice(page.text)
    scope = client.get(f"/i/{SLUG}/check/scope")
    assert HTMLParser(scope.text).css_first(f'a[href="/i/{SLUG}/check"]') is None
    code = client.post(
        f"/i/{SLUG}/check/code",
        data={
            "kind": "phone",
            "identifier": "090-0000-0001",
            "code": "12345678",
            "csrf_token": form_token(client, f"/i/{SLUG}/check/code"),
        },
    )
    assert code.status_code == 503
    assert text_of(code.text, ".error-page .small") == f"詳細：{UNAVAILABLE_PUBLIC}"
    assert visible_english(code.text) == []


def test_the_console_says_in_japanese_that_the_key_is_missing_and_logs_why(
    keyless: tuple[Desk, Desk], caplog: pytest.LogCaptureFixture
) -> None:
    from console_session import signed_in

    desk, with_key = keyless
    client, csrf = signed_in(desk, "ada")
    upload = client.post(
        f"/console/i/{SLUG}/register/upload",
        data={"csrf_token": csrf},
        files={"file": ("affected.csv", write_csv(list(people(3, seed=1))))},
    )
    flash = text_of(upload.text, ".flash-error")
    assert flash == f"取り込みませんでした：{UNAVAILABLE_OPERATOR}"
    assert "BREACHDESK_MASTER_KEY" in caplog.text  # the details, for the server's admin
    with_key.register.import_file(SLUG, Path("a.csv"), data=write_csv(list(people(3, seed=2))))
    page = client.get(f"/console/i/{SLUG}/register")
    assert page.status_code == 503
    assert text_of(page.text, ".error-page .small") == f"詳細：{UNAVAILABLE_OPERATOR}"
    assert visible_english(page.text) == [] and "BREACHDESK" not in page.text


def test_a_look_up_before_any_register_says_so_on_the_register_page(
    keyless: tuple[Desk, Desk],
) -> None:
    from console_session import signed_in

    _, desk = keyless
    client, csrf = signed_in(desk, "ada")
    for path, data in (
        ("lookup", {"kind": "mail", "value": "a@example.jp", "reason": "電話"}),
        ("reveal", {"person": "1", "field": "mail", "reason": "電話"}),
    ):
        page = client.post(f"/console/i/{SLUG}/register/{path}", data={**data, "csrf_token": csrf})
        assert page.status_code == 404, path
        assert text_of(page.text, ".form-error") == NO_REGISTER
        assert HTMLParser(page.text).css_first("form[action$='/register/lookup']") is not None
        assert visible_english(page.text) == []


# --- the commands -----------------------------------------------------------------------------


def test_the_register_commands_speak_japanese(tmp_path: Path, crowd_csv: Path) -> None:
    runner = CliRunner()
    db = tmp_path / "desk.db"
    key = tmp_path / "master.key"

    def cli(*args: str, key_file: Path | None = key) -> Any:
        env = {"BREACHDESK_MASTER_KEY_FILE": str(key_file or ""), "BREACHDESK_MASTER_KEY": ""}
        return runner.invoke(cli_app, ["--db", str(db), *args], env=env)

    made = runner.invoke(cli_app, ["keys", "new", "--out", str(key)])
    assert made.exit_code == 0 and is_japanese(made.stdout)
    add_incident(Desk(Settings(db=str(db), dense_model="none")).db, SLUG)
    said = {
        "no incident": cli("register", "stats", "--incident", "nosuch"),
        "no register": cli("register", "stats", "--incident", SLUG),
        "no key": cli("register", "import", str(crowd_csv), "--incident", SLUG, key_file=None),
        "imported": cli("register", "import", str(crowd_csv), "--incident", SLUG),
        "stats": cli("register", "stats", "--incident", SLUG),
        "two identifiers": cli(
            "register", "lookup", "--incident", SLUG, "--mail", "a", "--phone", "1", "--reason", "x"
        ),
        "nobody": cli(
            "register", "lookup", "--incident", SLUG, "--mail", "n@example.jp", "--reason", "電話"
        ),
        "no reason": cli(
            "register", "lookup", "--incident", SLUG, "--mail", "n@example.jp", "--reason", " "
        ),
    }
    codes = {name: result.exit_code for name, result in said.items()}
    assert codes == {
        "no incident": 3,
        "no register": 3,
        "no key": 2,
        "imported": 0,
        "stats": 0,
        "two identifiers": 2,
        "nobody": 0,
        "no reason": 2,
    }
    assert said["no register"].stderr == "error: 対象者名簿「shop」は見つかりませんでした。\n"
    assert said["nobody"].stdout == "名簿に該当する方はいません\n"
    for name, result in said.items():
        for line in (result.stdout + result.stderr).splitlines():
            assert is_japanese(line.removeprefix("error: ")), (name, line)


def test_a_list_that_cannot_be_read_is_said_in_japanese(tmp_path: Path, crowd_csv: Path) -> None:
    runner = CliRunner()
    db = tmp_path / "desk.db"
    key = tmp_path / "master.key"
    runner.invoke(cli_app, ["keys", "new", "--out", str(key)])
    add_incident(Desk(Settings(db=str(db), dense_model="none")).db, SLUG)
    env = {"BREACHDESK_MASTER_KEY_FILE": str(key), "BREACHDESK_MASTER_KEY": ""}
    for path, why in (
        (tmp_path / "absent.csv", "ファイルがありません"),
        (tmp_path, "フォルダーです"),
    ):
        result = runner.invoke(
            cli_app, ["--db", str(db), "register", "import", str(path), "--incident", SLUG], env=env
        )
        assert result.exit_code == 2 and f"読めません（{why}）" in result.stderr, result.stderr
