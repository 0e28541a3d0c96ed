"""The privacy notice: a public page in nb, nn and en, linked from every invitation, and in the docs."""

from __future__ import annotations

from pathlib import Path

import pytest
from console.conftest import add_person, make_wave

from webapp.domain.invitations import render_for
from webapp.extensions import db
from webapp.infra.mailer import MAIL_KINDS
from webapp.main.routes import notice_blocks
from webapp.models import Invitation

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("lang", "heading"), [("nb", "Hva vi lagrer"), ("nn", "Kva vi lagrar"), ("en", "What we store")]
)
def test_notice_page_in_each_language(client, lang, heading):
    response = client.get(f"/personvern?lang={lang}")
    html = response.get_data(as_text=True)
    assert (
        response.status_code == 200 and f"<h2>{heading}</h2>" in html and f'lang="{lang}"' in html
    )


def test_docs_hold_the_notice_text_word_for_word():
    docs = " ".join((ROOT / "docs" / "privacy.md").read_text(encoding="utf-8").split())
    for lang in ("nb", "nn", "en"):
        for _kind, text in notice_blocks(lang):
            assert text in docs, f"docs/privacy.md lacks the {lang} notice text: {text[:60]}"


@pytest.mark.parametrize("lang", ["nb", "nn", "en"])
def test_every_mail_links_to_the_notice_in_its_language(app, instrument, lang):
    with app.app_context():
        add_person(1)
        db.session.commit()
        make_wave(instrument, status="open")
        invitation = db.session.query(Invitation).one()
        for kind in MAIL_KINDS:
            _subject, text, html = render_for(invitation, kind, lang)
            url = f"{app.config['PUBLIC_BASE_URL']}/personvern?lang={lang}"
            assert url in text and f'href="{url}"' in html, kind
