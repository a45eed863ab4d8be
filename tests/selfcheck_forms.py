"""The public self-check's forms as a person fills them: a form's CSRF token, a mailed link's
button (shared by the register's and the demo's tests)."""

from __future__ import annotations

from typing import Any, Protocol

SLUG = "shop"  # the register tests' incident (register_support.SLUG)


class FormClient(Protocol):
    """The part of a TestClient (or httpx.Client) the self-check helpers use."""

    def get(self, url: str, **kwargs: Any) -> Any: ...
    def post(self, url: str, **kwargs: Any) -> Any: ...


def form_token(client: FormClient, page: str = f"/i/{SLUG}/check") -> str:
    """The CSRF token of a self-check form (its cookie stays in the client)."""
    from selectolax.lexbor import LexborHTMLParser

    field = LexborHTMLParser(client.get(page).text).css_first('input[name="csrf_token"]')
    assert field is not None, page
    return str(field.attributes["value"])


def open_link(client: FormClient, path: str) -> Any:
    """Open a mailed link as a person does: its page (a button), then the button's POST."""
    from selectolax.lexbor import LexborHTMLParser

    page = client.get(path)
    assert page.status_code == 200
    tree = LexborHTMLParser(page.text)
    form = {
        str(field.attributes["name"]): str(field.attributes["value"])
        for field in tree.css("form#open-form input[type=hidden]")
    }
    return client.post(path.split("?", 1)[0], data=form)
