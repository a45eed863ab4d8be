"""Outgoing SMS through a provider's HTTP API.

The interface is one method, `send(Outgoing)`. `HttpSms` posts JSON ``{"to", "text"}`` with a
bearer token to `sms_url`, the common shape of Japanese SMS gateways' REST APIs; a provider with
another shape gets its own small class. A non-2xx answer raises.
"""

from __future__ import annotations

import json
import urllib.request
from typing import Protocol

from breachdesk.config import Settings
from breachdesk.register.messages import Outgoing


class SmsSender(Protocol):
    @property
    def configured(self) -> bool: ...

    def send(self, message: Outgoing) -> None: ...


class HttpSms:
    def __init__(self, settings: Settings, *, timeout: float = 20.0) -> None:
        self.url = settings.sms_url
        self.token = settings.sms_token.get_secret_value() if settings.sms_token else ""
        self.timeout = timeout

    @property
    def configured(self) -> bool:
        return bool(self.url)

    def send(self, message: Outgoing) -> None:
        body = json.dumps({"to": message.to, "text": message.text}, ensure_ascii=False).encode()
        request = urllib.request.Request(
            self.url,
            data=body,
            method="POST",
            headers={"Content-Type": "application/json; charset=utf-8"}
            | ({"Authorization": f"Bearer {self.token}"} if self.token else {}),
        )
        with urllib.request.urlopen(request, timeout=self.timeout) as response:
            if not 200 <= response.status < 300:
                raise OSError(f"SMS の送信サービスが {response.status} を返しました")
