"""The approved texts of everything the register sends or shows a person.

Like answers, outgoing messages are not written on the fly: each is a fixed template with named
slots (the link, the code, the minutes it is valid, the organisation). A slot never holds a
personal value other than the recipient's own contact, which is the envelope, not the text.
"""

from __future__ import annotations

from dataclasses import dataclass
from string import Template

CONFIRMATION = "ご登録の連絡先に確認用のご案内をお送りしました"
"""What the self-check answers to everyone, listed or not, matching or not."""

UNAVAILABLE_PUBLIC = (
    "ただいま、ご本人の情報で対象かどうかを確認することはできません。"
    "お手数ですが、時間をおいてお試しいただくか、お問い合わせ窓口へご連絡ください。"
)
"""What a person is told when the register cannot be used (no register, or its key cannot be
opened): nothing about keys or configuration, and where to turn instead."""
UNAVAILABLE_OPERATOR = (
    "対象者名簿の鍵（マスターキー）を開けないため、いまは名簿を使えません。"
    "サーバーの管理者に鍵の設定を確認してもらってください（原因はサーバーのログに記録されています）。"
)
"""What an operator is told when the register's key cannot be opened: the key file's path and
the key ids go to the server's log only."""
NO_REGISTER = (
    "この事案の対象者名簿はまだ取り込まれていません。管理者が名簿を取り込むと検索できます。"
)
"""What an operator looking someone up is told when the incident has no register yet."""

MAIL_SUBJECT = Template("【$organisation】対象確認のご案内")
MAIL_BODY = Template(
    "$organisation をご利用のお客様\n\n"
    "対象かどうかの確認のお申し込みを受け付けました。\n"
    "下記のリンクから、お客様の情報のうち今回の事案の対象となった項目をご確認いただけます。\n\n"
    "$link\n\n"
    "このリンクは $minutes 分間、1回だけ有効です。\n"
    "お心当たりのない場合は、このメールを破棄してください。\n"
    "このメールにパスワードやカード番号をお尋ねすることはありません。\n"
)
SMS_BODY = Template(
    "【$organisation】対象確認の確認コード：$code（$minutes分間有効）。"
    "確認ページで入力してください：$link 当社からカード番号等をお尋ねすることはありません。"
)
WHAT_TO_DO = (
    "カード情報が対象の方は、ご利用明細に身に覚えのない請求がないかご確認のうえ、"
    "カード裏面の発行会社へご連絡ください。",
    "メールアドレス・電話番号が対象の方は、当社を装った不審なメールやSMS・電話にご注意ください。"
    "当社からカード番号やパスワードをお尋ねすることはありません。",
)


@dataclass(frozen=True)
class Outgoing:
    """One message to send: channel (mail or sms), recipient, subject (mail), text."""

    channel: str
    to: str
    subject: str
    text: str

    def __repr__(self) -> str:  # a queued message must never print its recipient
        return f"Outgoing({self.channel}, <recipient>, {len(self.text)} chars)"


def link_mail(to: str, *, organisation: str, link: str, minutes: int) -> Outgoing:
    slots = {"organisation": organisation, "link": link, "minutes": minutes}
    return Outgoing("mail", to, MAIL_SUBJECT.substitute(slots), MAIL_BODY.substitute(slots))


def code_sms(to: str, *, organisation: str, code: str, link: str, minutes: int) -> Outgoing:
    slots = {"organisation": organisation, "code": code, "link": link, "minutes": minutes}
    return Outgoing("sms", to, "", SMS_BODY.substitute(slots))
