"""Outgoing mail over SMTP (host, port, STARTTLS, user, password from the settings)."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import make_msgid

from breachdesk.config import Settings
from breachdesk.register.messages import Outgoing


class SmtpMailer:
    """Sends one message per connection; a failure raises (the outbox logs it, without the
    recipient)."""

    def __init__(self, settings: Settings, *, timeout: float = 20.0) -> None:
        self.host = settings.smtp_host
        self.port = settings.smtp_port
        self.starttls = settings.smtp_starttls
        self.user = settings.smtp_user
        self.password = settings.smtp_password.get_secret_value() if settings.smtp_password else ""
        self.sender = settings.mail_from
        self.timeout = timeout

    @property
    def configured(self) -> bool:
        return bool(self.host)

    def send(self, message: Outgoing) -> None:
        mail = EmailMessage()
        mail["From"] = self.sender
        mail["To"] = message.to
        mail["Subject"] = message.subject
        mail["Message-ID"] = make_msgid(domain=self.sender.partition("@")[2] or None)
        mail.set_content(message.text)
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
            if self.starttls:
                smtp.starttls(context=ssl.create_default_context())
            if self.user:
                smtp.login(self.user, self.password)
            smtp.send_message(mail)
