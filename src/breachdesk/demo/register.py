"""The demo incident's fictional register of affected people, and its own master key.

Every person is made up (`register.sample`'s names; mail addresses at ``example.jp``, phone
numbers 090-0000-0001…, made-up postal codes and birth dates); the items each lost are the
incident's own, as its notice names them (カード名義人名, カード番号, 有効期限, セキュリティコード),
and each order falls in the period the notice gives. One person in six left no mail address,
so that the self-check sends them a code by SMS instead of a link; one in twenty left neither a
mail address nor a phone number (a campaign reaches them by letter, at a made-up address in a
ward that does not exist, さくら区), and one in a hundred left no address either (the desk's
unreachable list).

The register is encrypted like any other, under a master key of the demo's own: a file written
beside the demo database (``demo.db`` → ``demo.master.key``, mode 0600), never in the
repository. The demo serves with it (`BREACHDESK_MASTER_KEY_FILE`) and says where it is.
"""

from __future__ import annotations

import os
import random
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from breachdesk.db.engine import normalise_url
from breachdesk.errors import KeyUnavailableError
from breachdesk.register.crypto import MasterKey, new_master_key
from breachdesk.register.desk import RegisterDesk
from breachdesk.register.sample import Person, people, write_csv

PEOPLE = 300
SEED = 2026
KEY_SUFFIX = ".master.key"
ITEMS = ("カード名義人名", "カード番号", "有効期限", "セキュリティコード")
"""The demo notice's items, used when the incident's facts name none."""
PERIOD = (date(2026, 3, 1), date(2026, 8, 31))
BRANDS = ("VISA", "Mastercard", "JCB", "American Express", "Diners Club")


def key_path(db: str) -> Path:
    """Where the demo's master key lives: beside a SQLite database file (its name with
    `.master.key` for its suffix), else (a server database) in the current folder."""
    url = normalise_url(db)
    if url.startswith("sqlite:///") and ":memory:" not in url:
        return Path(url[len("sqlite:///") :]).with_suffix(KEY_SUFFIX)
    return Path.cwd() / f"breachdesk-demo{KEY_SUFFIX}"


def ensure_key(path: Path) -> bool:
    """Write a new master key to `path` (mode 0600) unless one is there; True if written.
    A key file that others may read is made private (0600); one that is not a key is an error."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        if path.stat().st_mode & 0o077:
            path.chmod(0o600)
        try:
            MasterKey.from_file(path)  # a damaged file is said now, not on the first look-up
        except KeyUnavailableError as exc:
            raise KeyUnavailableError(
                f"デモのマスターキーのファイル（{path}）が鍵として読めません。"
                "そのファイルを消すと、デモが新しい鍵を作ります（その場合はデモのデータベースも"
                "消して作り直してください）"
            ) from exc
        return False
    with os.fdopen(fd, "w", encoding="ascii") as out:
        out.write(new_master_key() + "\n")
    return True


def leaked_items(facts: dict[str, Any]) -> list[str]:
    """The items the incident's notice says leaked, as it names them: the specific ones
    (カード番号, 有効期限, …) rather than their umbrella (クレジットカード情報)."""
    named: dict[str, str] = {}
    for item in facts.get("items", []):
        if item.get("negated") or item.get("in_question") or not item.get("leak_context"):
            continue
        named.setdefault(str(item.get("key") or item.get("raw")), str(item.get("raw", "")))
    if len(named) > 1:
        named.pop("card_info", None)
    return [raw for raw in named.values() if raw] or list(ITEMS)


def demo_people(items: list[str], count: int = PEOPLE) -> list[Person]:
    """The demo's affected people, the same every time: all lost `items`, except about one in
    seven whose last item (the security code) was not taken."""
    rng = random.Random(SEED)
    first, last = PERIOD
    out = []
    for n, person in enumerate(people(count, seed=SEED, start=1), start=1):
        ordered = first + timedelta(days=rng.randrange((last - first).days + 1))
        lost = items if rng.random() >= 0.15 or len(items) < 2 else items[:-1]
        letter_only, nowhere = n % 20 == 0, n % 100 == 0
        out.append(
            replace(
                person,
                mail="" if n % 6 == 0 or letter_only else f"reader{n:03d}@example.jp",
                phone="" if letter_only else person.phone,
                address=""
                if nowhere
                else f"東京都さくら区みどり町{n % 9 + 1}-{n % 17 + 1}-{n % 23 + 1}",
                payment="クレジットカード",
                card_brand=rng.choice(BRANDS),
                card_last4=f"{rng.randrange(10000):04d}",
                period=f"{ordered:%Y-%m-%d}",
                items="・".join(lost),
            )
        )
    return out


@dataclass(frozen=True)
class RegisterSeed:
    people: int
    """People imported now (0 when the register was there already)."""
    key: Path
    key_created: bool


def seed_demo_register(
    register: RegisterDesk, slug: str, key: Path, facts: dict[str, Any]
) -> RegisterSeed:
    """Import the demo's people into the incident's register once, under the master key in
    `key` (which `register` must be configured with); a later run imports nothing."""
    created = ensure_key(key)
    if register.exists(slug):
        if created:
            raise KeyUnavailableError(
                f"デモの対象者名簿は別のマスターキーで暗号化されていますが、その鍵（{key}）が"
                "見つからないため新しい鍵を作りました。この鍵では名簿を開けません。"
                "デモのデータベースを消して作り直してください"
            )
        try:
            register.stats(slug)  # the key opens it, or a clear error now
        except KeyUnavailableError as exc:
            raise KeyUnavailableError(
                f"デモのマスターキー（{key}）では対象者名簿を開けません。別の鍵で作られた名簿です。"
                "デモのデータベースを消して作り直すか、その名簿を作った鍵のファイルを戻してください"
            ) from exc
        return RegisterSeed(0, key, created)
    data = write_csv(demo_people(leaked_items(facts)))
    result = register.import_file(
        slug, Path("sakura-affected.csv"), data=data, actor="demo", file_name="sakura-affected.csv"
    )
    return RegisterSeed(result.added, key, created)
