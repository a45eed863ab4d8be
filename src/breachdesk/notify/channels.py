"""Which channels of a campaign's chain reach a person, read from their decrypted record.

- **mail**: a value that looks like a mail address;
- **sms**: a mobile number only — 11 digits starting 060, 070, 080 or 090 (a landline cannot
  take an SMS, and a 050 IP phone usually cannot);
- **letter**: a 7-digit postal code and an address.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from breachdesk.register.blind import MAIL, normalise_mail, normalise_phone, normalise_postal

_MOBILE = re.compile(r"0[6789]0\d{8}")


def recipient(channel: str, record: Mapping[str, Any]) -> str | None:
    """The person's address on `channel` (mail address, mobile number, postal code), or None."""
    if channel == "mail":
        mail = normalise_mail(str(record.get("mail") or ""))
        return mail if MAIL.fullmatch(mail) else None
    if channel == "sms":
        phone = normalise_phone(str(record.get("phone") or ""))
        return phone if _MOBILE.fullmatch(phone) else None
    if channel == "letter":
        postal = normalise_postal(str(record.get("postal") or ""))
        address = str(record.get("address") or "").strip()
        return postal if postal and address else None
    return None


def next_channel(
    chain: Sequence[str], record: Mapping[str, Any], after: str | None = None
) -> tuple[str | None, list[str]]:
    """The first channel of `chain` (after `after`, when given) that reaches the person, and
    the channels passed over on the way (they are marked skipped)."""
    start = chain.index(after) + 1 if after in chain else 0
    skipped: list[str] = []
    for channel in chain[start:]:
        if recipient(channel, record) is not None:
            return channel, skipped
        skipped.append(channel)
    return None, skipped
