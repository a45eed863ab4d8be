"""How a campaign's messages leave: SMTP over one kept connection, the SMS provider's HTTP API,
and a print file of letters for the mailing house.

Each transport either returns (handed over), raises `Refused` (a permanent refusal of this
recipient: an SMTP 5xx for the recipient or the message, an SMS provider's 4xx) — the person
then moves down the chain — or raises `TransportError` (connection refused, an SMTP 4xx, an
HTTP 5xx, a timeout): the send stops and a rerun continues. No error text ever carries the
recipient: the servers' own messages (which often quote the address) are not passed on, only
their status codes.
"""

from __future__ import annotations

import json
import os
import smtplib
import ssl
import urllib.error
import urllib.request
from email.header import Header
from email.mime.text import MIMEText
from email.utils import formatdate, make_msgid
from pathlib import Path
from types import TracebackType
from typing import IO

from breachdesk.config import Settings
from breachdesk.errors import BreachdeskError, InvalidInputError
from breachdesk.spreadsheet import SafeCsvWriter

LETTER_HEADER = ("郵便番号", "住所", "氏名", "本文")
LETTER_ENCODINGS = ("utf-8", "cp932")


class TransportError(BreachdeskError):
    """A channel cannot take messages now (its server is down or says try later); the send
    stops, leaving the rest pending for a rerun."""

    def __init__(self, channel: str, reason: str) -> None:
        self.channel = channel
        self.reason = reason
        super().__init__(
            f"{channel} の送信を中断しました：{reason}。未送信の分は、もう一度 "
            "`breachdesk campaign send` を実行すると続きから送ります"
        )


class Refused(Exception):
    """This recipient is refused for good on this channel (the person moves down the chain)."""

    def __init__(self, code: int | str) -> None:
        self.code = code
        super().__init__(f"refused ({code})")


class SmtpSession:
    """Sends mail over one SMTP connection kept open across messages; reconnects once when
    the server dropped it."""

    def __init__(self, settings: Settings, *, timeout: float = 20.0) -> None:
        self.host = settings.smtp_host
        self.port = settings.smtp_port
        self.starttls = settings.smtp_starttls
        self.user = settings.smtp_user
        self.password = settings.smtp_password.get_secret_value() if settings.smtp_password else ""
        self.sender = settings.mail_from
        self.timeout = timeout
        self._smtp: smtplib.SMTP | None = None

    @property
    def configured(self) -> bool:
        return bool(self.host)

    def _connect(self) -> smtplib.SMTP:
        try:
            smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
            if self.starttls:
                smtp.starttls(context=ssl.create_default_context())
            if self.user:
                smtp.login(self.user, self.password)
        except smtplib.SMTPException as exc:
            raise TransportError(
                "mail", f"SMTP サーバーへの接続に失敗しました（{_code(exc)}）"
            ) from None
        except OSError as exc:
            raise TransportError(
                "mail", f"SMTP サーバーに接続できません（{type(exc).__name__}）"
            ) from None
        return smtp

    def send(self, to: str, subject: str, text: str) -> None:
        # The compat32 classes, not EmailMessage: the latter's header registry and content
        # manager cost ~0.75 ms a message, which capped a campaign at ~1,000 mails/s of
        # this process's CPU before any SMTP (bench/notify.py); these build the same
        # text/plain UTF-8 message in ~0.17 ms.
        mail = MIMEText(text, "plain", "utf-8")
        mail["From"] = self.sender
        mail["To"] = to
        mail["Subject"] = Header(subject, "utf-8").encode()
        mail["Date"] = formatdate(localtime=True)
        mail["Message-ID"] = make_msgid(domain=self.sender.partition("@")[2] or None)
        for attempt in (1, 2):
            if self._smtp is None:
                self._smtp = self._connect()
            try:
                self._smtp.send_message(mail)
                return
            except smtplib.SMTPRecipientsRefused as exc:
                codes = [code for code, _ in exc.recipients.values()]
                if codes and all(c in RECIPIENT_REFUSALS for c in codes):
                    raise Refused(codes[0]) from None
                raise TransportError(
                    "mail", f"SMTP サーバーが一時的に受け付けません（{codes[0] if codes else '?'}）"
                ) from None
            except smtplib.SMTPDataError as exc:
                # A refused message body (552 too large, 554 rejected as spam …) is the same
                # for everyone of this template: stop rather than move everyone down the chain.
                raise TransportError(
                    "mail", f"SMTP サーバーがメールの本文を受け付けません（{exc.smtp_code}）"
                ) from None
            except smtplib.SMTPServerDisconnected:
                self._drop()
                if attempt == 2:
                    raise TransportError("mail", "SMTP サーバーとの接続が切れました") from None
            except smtplib.SMTPException as exc:
                self._drop()
                raise TransportError(
                    "mail", f"SMTP サーバーがエラーを返しました（{_code(exc)}）"
                ) from None
            except OSError as exc:
                self._drop()
                if attempt == 2:
                    raise TransportError(
                        "mail", f"SMTP サーバーとの接続が切れました（{type(exc).__name__}）"
                    ) from None

    def _drop(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.close()
            finally:
                self._smtp = None

    def close(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (smtplib.SMTPException, OSError):
                pass
            finally:
                self._smtp = None


def _code(exc: smtplib.SMTPException) -> str:
    code = getattr(exc, "smtp_code", None)
    return str(code) if code is not None else type(exc).__name__


RECIPIENT_REFUSALS = frozenset({501, 550, 551, 552, 553})
"""SMTP replies to RCPT that refuse this one address (no such mailbox, bad address, mailbox
full); the person moves down the chain. Any other reply — 530/535 authentication, 554 relay
denied, 4xx — would refuse every recipient alike: the send stops for the operator instead of
moving everyone to SMS."""
NUMBER_REFUSALS = frozenset({400, 410, 422})
"""SMS provider answers that refuse this one number (invalid, gone, not a mobile); 401/403
(the token), 404 (the URL), 429 (throttled) and the rest concern every message and stop the
send."""


class HttpSmsSession:
    """The SMS provider's JSON API (``{"to", "text"}`` with a bearer token, as `register.sms`):
    an answer in `NUMBER_REFUSALS` refuses this number; any other failure, or no answer, stops
    the send."""

    def __init__(self, settings: Settings, *, timeout: float = 20.0) -> None:
        self.url = settings.sms_url
        self.token = settings.sms_token.get_secret_value() if settings.sms_token else ""
        self.timeout = timeout

    @property
    def configured(self) -> bool:
        return bool(self.url)

    def send(self, to: str, subject: str, text: str) -> None:
        body = json.dumps({"to": to, "text": text}, ensure_ascii=False).encode()
        request = urllib.request.Request(
            self.url,
            data=body,
            method="POST",
            headers={"Content-Type": "application/json; charset=utf-8"}
            | ({"Authorization": f"Bearer {self.token}"} if self.token else {}),
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                status = response.status
        except urllib.error.HTTPError as exc:
            status = exc.code
        except (urllib.error.URLError, OSError) as exc:
            raise TransportError(
                "sms", f"SMS の送信サービスに接続できません（{type(exc).__name__}）"
            ) from None
        if status in NUMBER_REFUSALS:
            raise Refused(status)
        if not 200 <= status < 300:
            raise TransportError("sms", f"SMS の送信サービスが {status} を返しました")

    def close(self) -> None:
        return


class LetterFile:
    """The mailing house's print file: CSV rows 郵便番号, 住所, 氏名, 本文, appended (a rerun adds
    to it), UTF-8 with BOM or CP932; `flush` makes the rows durable before they count as sent."""

    def __init__(self, path: Path, encoding: str = "utf-8") -> None:
        if encoding not in LETTER_ENCODINGS:
            raise InvalidInputError(
                "郵送ファイルの文字コードは utf-8 か cp932 です", where="letters_encoding"
            )
        self.path = path
        self.encoding = encoding
        self._file: IO[bytes] | None = None

    def _open(self) -> IO[bytes]:
        if self._file is None:
            new = not self.path.exists() or self.path.stat().st_size == 0
            self._file = self.path.open("ab")
            if new:
                if self.encoding == "utf-8":
                    self._file.write(b"\xef\xbb\xbf")
                self._file.write(self._encode(LETTER_HEADER, None))
        return self._file

    def _encode(self, row: tuple[str, ...], person_id: int | None) -> bytes:
        import io

        out = io.StringIO()
        SafeCsvWriter(out, lineterminator="\r\n").writerow(row)
        try:
            return out.getvalue().encode(self.encoding)
        except UnicodeEncodeError:
            raise InvalidInputError(
                f"対象者 {person_id} の宛名か本文に CP932 で書けない文字があります"
                "（--letters-encoding utf-8 で書き出してください）",
                where="letters_out",
            ) from None

    def encode(self, person_id: int, postal: str, address: str, name: str, text: str) -> bytes:
        """A letter's row, encoded (InvalidInputError naming the person, not the value)."""
        return self._encode((postal, address, name, text), person_id)

    def write(self, rows: list[bytes]) -> None:
        handle = self._open()
        handle.write(b"".join(rows))
        handle.flush()
        os.fsync(handle.fileno())

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None

    def __enter__(self) -> LetterFile:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()
