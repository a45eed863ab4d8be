"""Generated affected lists: fictional people for the tests and `bench/register.py`.

Every value is made up from a seed (names from a short list of common kanji, mail addresses at
`example.jp`, 090 numbers); nothing is a real person's.
"""

from __future__ import annotations

import csv
import io
import random
from collections.abc import Iterator
from dataclasses import dataclass

HEADER = (
    "顧客番号",
    "氏名",
    "フリガナ",
    "メールアドレス",
    "電話番号",
    "郵便番号",
    "生年月日",
    "決済方法",
    "カードブランド",
    "カード下4桁",
    "対象期間",
    "漏えい項目",
    "住所",
)
_FAMILY = ("佐藤", "鈴木", "高橋", "田中", "伊藤", "渡辺", "山本", "中村", "小林", "加藤")
_FAMILY_KANA = (
    "サトウ",
    "スズキ",
    "タカハシ",
    "タナカ",
    "イトウ",
    "ワタナベ",
    "ヤマモト",
    "ナカムラ",
    "コバヤシ",
    "カトウ",
)
_GIVEN = ("翔太", "陽菜", "蓮", "結衣", "大翔", "葵", "湊", "凛", "悠真", "紬")
_GIVEN_KANA = (
    "ショウタ",
    "ヒナ",
    "レン",
    "ユイ",
    "ヒロト",
    "アオイ",
    "ミナト",
    "リン",
    "ユウマ",
    "ツムギ",
)
_ITEMS = (
    "氏名・メールアドレス・電話番号",
    "氏名・住所・カード番号・有効期限",
    "カード番号・有効期限・セキュリティコード",
    "メールアドレス",
)
_BRANDS = ("VISA", "Mastercard", "JCB", "AMEX")


@dataclass(frozen=True)
class Person:
    customer: str
    name: str
    kana: str
    mail: str
    phone: str
    postal: str
    birth: str
    payment: str
    card_brand: str
    card_last4: str
    period: str
    items: str
    address: str = ""
    """Made up when given (the demo's people); empty by default, as many lists have none."""

    def row(self) -> tuple[str, ...]:
        return (
            self.customer,
            self.name,
            self.kana,
            self.mail,
            self.phone,
            self.postal,
            self.birth,
            self.payment,
            self.card_brand,
            self.card_last4,
            self.period,
            self.items,
            self.address,
        )


def people(count: int, *, seed: int = 1, start: int = 0) -> Iterator[Person]:
    """`count` fictional people; the same seed gives the same people."""
    rng = random.Random(seed)
    for n in range(start, start + count):
        f, g = rng.randrange(10), rng.randrange(10)
        card = rng.random() < 0.7
        yield Person(
            customer=f"C{n:08d}",
            name=f"{_FAMILY[f]} {_GIVEN[g]}",
            kana=f"{_FAMILY_KANA[f]} {_GIVEN_KANA[g]}",
            mail=f"user{n:08d}.{rng.randrange(10**6):06d}@example.jp",
            phone=f"090-{n // 10000 % 10000:04d}-{n % 10000:04d}",
            postal=f"{rng.randrange(100, 1000):03d}-{rng.randrange(10000):04d}",
            birth=f"{rng.randrange(1940, 2005)}-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}",
            payment="クレジットカード" if card else "代金引換",
            card_brand=rng.choice(_BRANDS) if card else "",
            card_last4=f"{rng.randrange(10000):04d}" if card else "",
            period="2024-04-01〜2024-09-30",
            items=rng.choice(_ITEMS) if card else "氏名・メールアドレス・電話番号",
        )


def write_csv(rows: Iterator[Person] | list[Person], *, encoding: str = "utf-8") -> bytes:
    """The people as the organisation's CSV export would be (with a header)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    for p in rows:
        writer.writerow(p.row())
    return out.getvalue().encode(encoding)
