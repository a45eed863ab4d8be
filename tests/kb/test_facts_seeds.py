"""Acceptance: facts and contact desks read off the five seed documents.

The seeds belong to their publishers and are not in the repository: they are read from
``$BREACHDESK_SEEDS`` or ``<repo>/../shared/seeds``. Without them these tests are skipped,
unless ``BREACHDESK_REQUIRE_SEEDS=1``, when they fail.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path

import pytest

from breachdesk.kb.contacts import Contact, find_contacts
from breachdesk.kb.facts import Facts, extract_facts
from breachdesk.kb.parsed import ParsedEntry

pytestmark = pytest.mark.seeds

_SLUG_ROW = re.compile(r"^\|\s*(?P<file>[\w.]+\.txt)\s*\|\s*(?P<slug>[a-z0-9_-]+)\s*\|", re.M)


def _seeds_dir() -> Path:
    configured = os.environ.get("BREACHDESK_SEEDS")
    return (
        Path(configured)
        if configured
        else Path(__file__).resolve().parents[2].parent / "shared" / "seeds"
    )


@pytest.fixture(scope="module")
def seeds() -> dict[str, str]:
    """Seed texts by slug, as the seeds' README table names them."""
    folder = _seeds_dir()
    readme = folder / "README.md"
    if not readme.is_file():
        reason = f"seed documents not found in {folder} (set BREACHDESK_SEEDS)"
        if os.environ.get("BREACHDESK_REQUIRE_SEEDS") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    rows = _SLUG_ROW.finditer(readme.read_text(encoding="utf-8"))
    return {m["slug"]: (folder / m["file"]).read_text(encoding="utf-8") for m in rows}


def _facts(seeds: dict[str, str], slug: str) -> Facts:
    return extract_facts(seeds[slug])


@pytest.fixture(params=["paragraphs", "whole"])
def split(request: pytest.FixtureRequest) -> str:
    """How crudely a seed is cut into entries: one per paragraph, or one for the document."""
    return str(request.param)


def _desks(seeds: dict[str, str], slug: str, split: str = "paragraphs") -> list[Contact]:
    """Desks of a seed cut into entries as `split` says."""
    text = seeds[slug]
    parts = re.split(r"\n[ \t\u3000]*\n", text) if split == "paragraphs" else [text]
    return find_contacts([ParsedEntry("passage", "", p) for p in parts if p.strip()])


def _ranges(facts: Facts) -> set[tuple[dt.date | None, dt.date | None]]:
    return {
        (r.first.date if r.first else None, r.last.date if r.last else None) for r in facts.ranges
    }


def _counts(facts: Facts, unit: str) -> set[int | float]:
    return {c.value for c in facts.counts if c.unit == unit}


def test_cellcellar_desk(seeds: dict[str, str], split: str) -> None:
    desk = _desks(seeds, "cellcellar", split)[0]
    assert desk.phone == "0120-112-344"
    assert (desk.open_time, desk.close_time) == (dt.time(10), dt.time(18))
    assert desk.days.year_end_closed
    assert desk.mail == "info@cell-cellar.jp"
    assert desk.is_open(dt.datetime(2026, 12, 31, 12, 0)) is False


def test_jrc_desk_open_weekends_and_holidays(seeds: dict[str, str], split: str) -> None:
    desk = _desks(seeds, "jrc", split)[0]
    assert desk.phone == "0120-816620"
    assert (desk.open_time, desk.close_time) == (dt.time(9), dt.time(21))
    assert desk.days.weekends_open and desk.days.holidays_open
    assert desk.is_open(dt.datetime(2026, 11, 3, 20, 0)) is True


def test_moneysquare_desk_is_the_customer_desk(seeds: dict[str, str], split: str) -> None:
    desks = _desks(seeds, "moneysquare", split)
    desk = desks[0]
    assert desk.phone == "0120-455-512"
    assert (desk.open_time, desk.close_time) == (dt.time(9), dt.time(17))
    assert not desk.days.saturday_open and not desk.days.sunday_open
    assert not desk.days.holidays_open
    assert desk.mail is None or not desk.mail.startswith("ir@")
    phones = {d.phone for d in desks}
    assert "03-3470-5053" not in phones  # the FAX
    assert "03-3470-5050" not in phones  # the press line


def test_tottori_desk(seeds: dict[str, str], split: str) -> None:
    assert _desks(seeds, "tottori", split)[0].phone == "0120-567-210"


def test_jrc_periods_and_counts(seeds: dict[str, str]) -> None:
    facts = _facts(seeds, "jrc")
    ranges = _ranges(facts)
    assert (dt.date(2021, 10, 14), dt.date(2022, 1, 25)) in ranges
    assert (dt.date(2021, 5, 6), dt.date(2022, 1, 25)) in ranges
    assert {460395, 5283, 434} <= _counts(facts, "件")
    assert {"card_number", "expiry", "security_code"} <= facts.leaked_keys()


def test_moneysquare_counts(seeds: dict[str, str]) -> None:
    facts = _facts(seeds, "moneysquare")
    assert {2455, 112364} <= _counts(facts, "件")
    assert "my_number" in facts.denied_keys()


def test_kokocoupon_cards(seeds: dict[str, str]) -> None:
    facts = _facts(seeds, "kokocoupon")
    assert 63337 in _counts(facts, "枚")
    assert 500 in _counts(facts, "円")


def test_cellcellar_periods(seeds: dict[str, str]) -> None:
    facts = _facts(seeds, "cellcellar")
    ranges = _ranges(facts)
    assert (dt.date(2019, 12, 16), dt.date(2020, 4, 8)) in ranges
    assert (dt.date(2010, 8, 20), dt.date(2020, 4, 8)) in ranges
    assert {"cardholder_name", "card_number", "expiry", "security_code"} <= facts.leaked_keys()


def test_tottori_leak_dates(seeds: dict[str, str]) -> None:
    dates = {d.date for d in _facts(seeds, "tottori").dates}
    assert {dt.date(2019, 7, 12), dt.date(2020, 2, 18), dt.date(2020, 3, 15)} <= dates
