"""notify/codes.py: sealing and indexing codes, and handing one free code to each person, on both
stores — concurrent plans included."""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from remediation_support import Shop, at_once, gift_codes, make_shop
from sqlalchemy import func, select

from breachdesk.db import Database
from breachdesk.db.tables import RemediationCode
from breachdesk.errors import InvalidInputError, KeyUnavailableError
from breachdesk.notify.codes import assign_codes, code_ix, codes_of, open_code, seal_code
from breachdesk.register.crypto import DataKey

NOW = datetime(2026, 7, 1, 9, 0, tzinfo=UTC)
KEY = DataKey(bytes(range(32)))


@pytest.fixture
def shop(db: Database, tmp_path: Path) -> Shop:
    return make_shop(db, tmp_path, count=24)


def stock(shop: Shop, codes: list[str]) -> None:
    """Codes loaded straight into the table (loading itself is tested with remediation.py)."""
    key = shop.key
    with shop.db.transaction() as s:
        for code in codes:
            ix = code_ix(key, code)
            s.add(
                RemediationCode(
                    incident_id=shop.incident_id,
                    code_ix=ix,
                    code=seal_code(key, shop.register_id, ix, code),
                )
            )


def holders(shop: Shop) -> list[tuple[int, int]]:
    """(code id, person id) of every held code."""
    with shop.db.read() as s:
        return [
            (c, p)
            for c, p in s.execute(
                select(RemediationCode.id, RemediationCode.person_id).where(
                    RemediationCode.person_id.is_not(None)
                )
            )
        ]


@given(
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=40).filter(
        lambda t: unicodedata.normalize("NFKC", t).strip() != ""
    ),
    st.sampled_from(["", " ", "\u3000", "\t", "\n"]),
)
def test_code_ix_is_that_of_the_nfkc_form_without_blanks(code: str, pad: str) -> None:
    folded = unicodedata.normalize("NFKC", code).strip()
    assert code_ix(KEY, pad + code + pad) == code_ix(KEY, folded)
    assert code_ix(KEY, folded) == KEY.blind("code", folded)


def test_full_width_code_has_the_index_of_its_half_width_form() -> None:
    assert code_ix(KEY, "ＱＣ０１２３") == code_ix(KEY, "QC0123")
    assert code_ix(KEY, "QC0123") != code_ix(KEY, "QC0124")


def test_a_sealed_code_opens_only_in_its_register_and_under_its_index() -> None:
    ix = code_ix(KEY, "https://gift.example.jp/r/abc")
    sealed = seal_code(KEY, 7, ix, "https://gift.example.jp/r/abc")
    assert b"gift.example" not in sealed
    assert open_code(KEY, 7, ix, sealed) == "https://gift.example.jp/r/abc"
    with pytest.raises(KeyUnavailableError):
        open_code(KEY, 8, ix, sealed)
    with pytest.raises(KeyUnavailableError):
        open_code(KEY, 7, code_ix(KEY, "other"), sealed)


def test_each_person_gets_a_distinct_code_and_keeps_it(shop: Shop) -> None:
    codes = gift_codes(30)
    stock(shop, codes)
    first, later = shop.people[:10], shop.people[5:20]
    with shop.db.transaction() as s:
        assert assign_codes(s, shop.incident_id, first, None, NOW) == 10
    with shop.db.read() as s:
        before = codes_of(s, shop.key, shop.register_id, shop.incident_id, first)
    assert sorted(before) == first and len(set(before.values())) == 10
    assert set(before.values()) <= set(codes)
    with shop.db.transaction() as s:
        assert assign_codes(s, shop.incident_id, later, None, NOW) == 10  # 5 already hold one
        assert assign_codes(s, shop.incident_id, later, None, NOW) == 0
    with shop.db.read() as s:
        after = codes_of(s, shop.key, shop.register_id, shop.incident_id, shop.people)
    assert {p: after[p] for p in first} == before
    assert sorted(after) == sorted(set(first) | set(later))
    assert len(set(after.values())) == len(after)
    held = holders(shop)
    assert len({p for _, p in held}) == len(held) == 20


def test_too_few_codes_assign_nothing_and_say_how_many_are_missing(shop: Shop) -> None:
    stock(shop, gift_codes(7))
    with pytest.raises(InvalidInputError) as caught, shop.db.transaction() as s:
        assign_codes(s, shop.incident_id, shop.people[:10], 3, NOW)
    assert "3 件足りません" in caught.value.reason
    assert holders(shop) == []
    with shop.db.read() as s:
        assigned = s.scalar(select(func.count()).where(RemediationCode.assigned_at.is_not(None)))
    assert assigned == 0


def test_two_plans_at_once_never_share_a_code_nor_give_anyone_two(shop: Shop) -> None:
    stock(shop, gift_codes(40))
    a, b = shop.people[:16], shop.people[8:24]  # eight people in both plans

    def plan(people: list[int]) -> int:
        with shop.db.transaction() as s:
            return assign_codes(s, shop.incident_id, people, None, NOW)

    results = at_once(lambda: plan(a), lambda: plan(b))
    assert not [r for r in results if isinstance(r, Exception)], results
    assert sorted(results) == [8, 16]  # the later plan finds the eight shared people served
    held = holders(shop)
    assert len({c for c, _ in held}) == len({p for _, p in held}) == len(held) == 24


def test_two_plans_at_once_over_a_short_stock_one_fails_whole(shop: Shop) -> None:
    stock(shop, gift_codes(15))

    def plan(people: list[int]) -> int:
        with shop.db.transaction() as s:
            return assign_codes(s, shop.incident_id, people, None, NOW)

    results = at_once(lambda: plan(shop.people[:10]), lambda: plan(shop.people[10:20]))
    assert sum(1 for r in results if r == 10) == 1
    assert sum(1 for r in results if isinstance(r, InvalidInputError)) == 1
    held = holders(shop)
    assert len(held) == 10 and len({c for c, _ in held}) == 10
