"""Fixtures for respondent tests: an open wave on the small test questionnaire and a link to it."""

from __future__ import annotations

import re

import pytest

from .factories import make_link, make_wave


@pytest.fixture
def wave_id(app):
    """An open wave whose skoleleder questionnaire is tests/survey/data/mini.yaml."""
    with app.app_context():
        return make_wave()


@pytest.fixture
def link(app, wave_id):
    """A skoleleder's personal link to the open wave."""
    with app.app_context():
        return make_link(wave_id)


class Respondent:
    """Drives the test client like a person: opens pages, fills them and presses buttons."""

    def __init__(self, client, link):
        self.client = client
        self.link = link
        self.last = None

    def open(self, path: str = "", **kw):
        """GET the link (or a path below it), following redirects."""
        self.last = self.client.get(self.link.url + path, follow_redirects=True, **kw)
        return self.last

    def page_url(self, page_id: str) -> str:
        """The path of a page."""
        return f"{self.link.url}/side/{page_id}"

    def hidden(self, name: str, html: str | None = None) -> str:
        """The value of a hidden input on the last page shown."""
        html = html if html is not None else self.last.get_data(as_text=True)
        m = re.search(rf'type="hidden" name="{name}" value="([^"]*)"', html)
        assert m, f"no hidden {name} on the page"
        return m.group(1)

    def post(
        self,
        page_id: str,
        data: dict,
        action: str = "next",
        follow: bool = True,
        from_html: str | None = None,
        **extra,
    ):
        """Post a page with the revision and ref of the last page shown (``lang=`` switches).

        ``from_html`` posts from a page shown earlier instead: a form still open in another tab.
        """
        form = {
            "_revision": self.hidden("_revision", from_html),
            "_ref": self.hidden("_ref", from_html),
            "_action": action,
        }
        form.update({f"_{k}": v for k, v in extra.items()})
        form.update(data)
        self.last = self.client.post(self.page_url(page_id), data=form, follow_redirects=follow)
        return self.last

    @property
    def text(self) -> str:
        """The HTML of the last page shown."""
        return self.last.get_data(as_text=True)


@pytest.fixture
def respondent(client, link):
    """A respondent with the test client and link."""
    return Respondent(client, link)
