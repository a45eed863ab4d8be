"""`breachdesk keys|register`: the affected-person register and its master key.

What these commands print for the operator is Japanese, their errors included (the register's
errors are written in Japanese; what was not found is named with `labels.not_found`); `--json`
keeps its English keys for other tools.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from breachdesk.cli.common import Incident, app, desk, dump, run
from breachdesk.errors import InvalidInputError, NotFoundError
from breachdesk.labels import not_found

keys_app = typer.Typer(help="The register's master key.", no_args_is_help=True)
app.add_typer(keys_app, name="keys")
register_app = typer.Typer(help="The affected-person register.", no_args_is_help=True)
app.add_typer(register_app, name="register")
T = TypeVar("T")


def _run(action: Callable[[], T]) -> T:
    """`run`, with what was not found named in Japanese and a bad option's reason said without
    the field's code (the exit codes are `run`'s: 3 and 2)."""

    def said() -> T:
        try:
            return action()
        except NotFoundError as exc:
            typer.echo(f"error: {not_found(exc.kind, exc.key)}", err=True)
            raise typer.Exit(3) from exc
        except InvalidInputError as exc:
            typer.echo(f"error: {exc.reason}", err=True)
            raise typer.Exit(2) from exc

    return run(said)


@keys_app.command("new")
def keys_new(
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="Write the key to this new file, readable by you only (0600).",
            dir_okay=False,
        ),
    ] = None,
) -> None:
    """Make a new random master key: into --out FILE (0600), or printed (then chmod 600 it)."""
    from breachdesk.register.crypto import new_master_key, write_key_file

    key = new_master_key()
    if out is not None:
        _run(lambda: write_key_file(out, key))
        typer.echo(
            f"{out}: 新しいマスターキーを書き込みました（所有者だけが読める 0600）。"
            "BREACHDESK_MASTER_KEY_FILE でこのファイルを指定してください"
        )
        return
    typer.echo(key)
    typer.echo(
        "注意: 鍵を保存したファイルは所有者だけが読めるように `chmod 600 FILE` してください"
        "（ほかの人も読めるファイルは使われません）",
        err=True,
    )


@keys_app.command("rotate")
def keys_rotate(
    new_key_file: Annotated[
        Path,
        typer.Option("--new-key-file", help="File with the new master key.", dir_okay=False),
    ],
) -> None:
    """Re-wrap every data key with a new master key; the old key then opens none of them."""
    d = desk()
    r = _run(lambda: d.register.rotate(new_key_file))
    typer.echo(
        f"{r.rewrapped} 件の名簿をマスターキー {r.new_key_id} で暗号化し直しました"
        + (f"（{r.already} 件はすでにこの鍵でした）" if r.already else "")
        + "。BREACHDESK_MASTER_KEY_FILE で新しい鍵のファイルを指定してください"
    )


def _progress_printer() -> Callable[[Any], None]:
    """Rows, rate and time left on standard error (one rewritten line on a terminal)."""
    live = sys.stderr.isatty()

    def show(p: Any) -> None:
        left = f"、残り約 {p.remaining:.0f} 秒" if p.remaining is not None else ""
        line = f"{p.rows:,} 行、毎秒 {p.rate:,.0f} 行{left}"
        typer.echo(("\r" + line + "   ") if live else line, err=True, nl=not live)

    return show


@register_app.command("import")
def register_import(
    file: Annotated[Path, typer.Argument(help="The affected list, CSV (UTF-8/CP932) or XLSX.")],
    incident: Incident,
    mapping: Annotated[
        list[str] | None,
        typer.Option(
            "--map", help="列名=項目 (顧客番号, 氏名, メールアドレス, … or customer, …); saved."
        ),
    ] = None,
    items: Annotated[
        list[str] | None,
        typer.Option(
            "--item",
            help="漏えい項目のラベル=項目 (購入履歴=- drops it, カード=クレジットカード情報); saved.",
        ),
    ] = None,
) -> None:
    """Import the list of affected people; prints added / updated / unchanged."""
    from breachdesk.register.columns import FIELD_LABELS, parse_mapping
    from breachdesk.register.items import item_mapping

    d = desk()
    r = _run(
        lambda: d.register.import_file(
            incident,
            file,
            mapping=parse_mapping(mapping or []),
            items=item_mapping(items or []),
            actor=f"cli:{_os_user()}",
            progress=_progress_printer(),
        )
    )
    if sys.stderr.isatty():
        typer.echo("", err=True)
    typer.echo(
        f"{r.file_name}: {r.rows} 行（追加 {r.added}、更新 {r.updated}、変更なし {r.unchanged}。"
        f"同じ方かどうかは{FIELD_LABELS[r.key]}で照合）"
    )


def _os_user() -> str:
    import getpass

    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


@register_app.command("lookup")
def register_lookup(
    incident: Incident,
    reason: Annotated[str, typer.Option("--reason", help="Why you look (audited).")],
    mail: Annotated[str | None, typer.Option("--mail", help="Mail address.")] = None,
    phone: Annotated[str | None, typer.Option("--phone", help="Phone number.")] = None,
    customer: Annotated[str | None, typer.Option("--customer", help="Customer number.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON line per person.")] = False,
) -> None:
    """Find a caller by one identifier; prints masked values only (audited as the OS user)."""
    given = [(k, v) for k, v in (("mail", mail), ("phone", phone), ("customer", customer)) if v]
    if len(given) != 1:
        typer.echo("error: --mail、--phone、--customer のどれか1つを指定してください", err=True)
        raise typer.Exit(2)
    kind, value = given[0]
    from breachdesk.register.columns import FIELD_LABELS

    d = desk()
    people = _run(
        lambda: d.register.lookup(incident, kind, value, reason=reason, actor=f"cli:{_os_user()}")
    )
    for p in people:
        if as_json:
            typer.echo(dump(p.as_json()))
        else:
            values = "  ".join(f"{FIELD_LABELS.get(k, k)}={v}" for k, v in p.masked.items())
            leaked = "・".join(p.item_labels) or "なし"
            typer.echo(f"参照番号 {p.id}  {values}  漏えい項目={leaked}")
    if not people and not as_json:
        typer.echo("名簿に該当する方はいません")


@register_app.command("stats")
def register_stats(
    incident: Incident,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """People on the register, and people per leaked item."""
    from breachdesk.register.items import item_label

    st = _run(lambda: desk().register.stats(incident))
    if as_json:
        typer.echo(dump({"people": st.people, "items": st.per_item, "imports": st.imports}))
        return
    typer.echo(f"{st.people} 人（取り込み {st.imports} 回）")
    for item, count in st.per_item.items():
        typer.echo(f"{item_label(item)}\t{item}\t{count}")
