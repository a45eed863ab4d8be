"""Settings are a face too: every number in them has finite bounds (BREACHDESK_SESSION_HOURS=inf
made every login a 500, BREACHDESK_ANSWER_THRESHOLD=nan a desk that never answers)."""

from __future__ import annotations

import math
import typing
from typing import Any

import pytest
from annotated_types import Ge, Gt, Le, Lt
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from breachdesk.config import Settings


def numeric_settings() -> list[str]:
    names = []
    for name, field in Settings.model_fields.items():
        kinds = typing.get_args(field.annotation) or (field.annotation,)
        if field.annotation is bool or bool in kinds:
            continue
        if int in kinds or float in kinds or field.annotation in (int, float):
            names.append(name)
    return names


def bounds(name: str) -> tuple[float, float]:
    low, high = -math.inf, math.inf
    for rule in Settings.model_fields[name].metadata:
        if isinstance(rule, Ge | Gt):
            low = float(rule.ge if isinstance(rule, Ge) else rule.gt)
        if isinstance(rule, Le | Lt):
            high = float(rule.le if isinstance(rule, Le) else rule.lt)
    return low, high


def test_the_numeric_settings_are_found() -> None:
    names = numeric_settings()
    assert {"session_hours", "answer_threshold", "rate_limit_per_minute", "smtp_port"} <= set(names)
    assert len(names) >= 14


@pytest.mark.parametrize("name", numeric_settings())
def test_every_numeric_setting_has_finite_bounds(name: str) -> None:
    low, high = bounds(name)
    assert math.isfinite(low) and math.isfinite(high), name


@pytest.mark.parametrize("name", numeric_settings())
@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "1e309", "-1", "99999999999999999999"])
def test_a_hostile_number_in_a_setting_is_refused_with_its_name(name: str, value: str) -> None:
    low, high = bounds(name)
    number = float(value)
    if math.isfinite(number) and low <= number <= high:
        return  # a legal value of this setting
    with pytest.raises(ValidationError, match=name):
        Settings(**{name: value})  # as the environment gives it: text


@given(st.sampled_from(numeric_settings()), st.floats(allow_nan=True, allow_infinity=True))
def test_any_accepted_setting_is_a_finite_number_within_its_bounds(name: str, value: float) -> None:
    try:
        settings = Settings(**{name: value})
    except ValidationError:
        return
    kept: Any = getattr(settings, name)
    low, high = bounds(name)
    assert math.isfinite(kept) and low <= kept <= high
