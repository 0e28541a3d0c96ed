"""Every console and survey page, in bokmål and nynorsk, on the demo data: no English status word
and no decimal point in what a person reads.

A crawler logs in as the administrator and as the researcher, starts from each part of the
console and follows every link on the site (two pages of each address pattern, so a list of 600
people is not visited 600 times); the respondent's pages are walked from a demo link. Downloads,
logout and the English switch are not followed. Each page's visible text (tags, scripts and
styles removed) is checked.
"""

from __future__ import annotations

import re
from collections import deque
from html import unescape
from urllib.parse import urljoin, urlsplit

import pytest
from conftest import PASSWORD

from webapp.extensions import db

#: status words, kinds and roles that were once shown untranslated
ENGLISH = re.compile(
    r"\b(pending|queued|running|done|failed|sent|revoked|draft|closed|complete|partial|"
    r"in_progress|researcher|invitations\.send|invitations\.remind|exports\.build|"
    r"analysis\.run|True|False|None)\b"
)
#: a decimal point between digits that is not part of a date (29.11.2026), a version or a name
DECIMAL_POINT = re.compile(r"(?<![\w.])\d+\.\d+(?![\w.])")
SKIP = re.compile(
    r"(logout|/language/|\.csv|\.xlsx|\.zip|\.qdc|\.qdpx|/download|/files/|/static/|lang=en|"
    r"\.png|\.svg|\.pdf|export\.|/healthz)"
)
PER_PATTERN = 2


def visible_text(html: str) -> str:
    """What a person reads: no tags, scripts, styles, attribute values or e-mail addresses."""
    html = re.sub(r"(?is)<(script|style|svg|pre|code|textarea)\b.*?</\1>", " ", html)
    text = unescape(re.sub(r"(?s)<[^>]+>", " ", html))
    return re.sub(r"\S+@\S+", " ", text)


def findings(html: str) -> list[str]:
    """English status words and decimal points in the visible text."""
    text = visible_text(html)
    out = [
        f"English word {m.group(0)!r} in «{text[max(m.start() - 40, 0) : m.end() + 40].strip()}»"
        for m in ENGLISH.finditer(text)
    ]
    out += [
        f"decimal point {m.group(0)!r} in «{text[max(m.start() - 40, 0) : m.end() + 40].strip()}»"
        for m in DECIMAL_POINT.finditer(text)
    ]
    return out


def _pattern(path: str) -> str:
    parts = urlsplit(path)
    query = "&".join(sorted(k.split("=")[0] for k in parts.query.split("&") if k))
    # a path segment with a digit is an id (3, P-NGFY-XT3C, a link token): one pattern for all
    return re.sub(r"[^/]*\d[^/]*", "N", parts.path) + "?" + query


def crawl(client, starts: list[str], limit: int = 400) -> tuple[dict[str, list[str]], list[str]]:
    """Visit the site from ``starts``; returns {path: findings} and the pages read."""
    seen_patterns: dict[str, int] = {}
    queue, visited, bad, read = deque(starts), set(), {}, []
    while queue and len(visited) < limit:
        path = queue.popleft()
        if path in visited:
            continue
        visited.add(path)
        response = client.get(path)
        if response.status_code in (301, 302, 303):
            target = urlsplit(urljoin(path, response.headers["Location"]))
            queue.append(target.path + (f"?{target.query}" if target.query else ""))
            continue
        if response.status_code != 200 or not response.mimetype == "text/html":
            continue
        html = response.get_data(as_text=True)
        read.append(path)
        found = findings(html)
        if found:
            bad[path] = found
        for href in re.findall(r'href="([^"#]+)"', html):
            href = unescape(href)
            if not href.startswith("/") or SKIP.search(href):
                continue
            pattern = _pattern(href)
            if seen_patterns.get(pattern, 0) >= PER_PATTERN or href in visited:
                continue
            seen_patterns[pattern] = seen_patterns.get(pattern, 0) + 1
            queue.append(href)
    return bad, read


@pytest.fixture
def demo_app(app):
    """The app with the demo data, a sent invitation round and a finished export job."""
    from webapp.demo.generator import load_demo
    from webapp.infra import jobs
    from webapp.models import Wave

    with app.app_context():
        result = load_demo(seed=2023, size=60, password=PASSWORD)
        db.session.commit()
        open_wave = db.session.scalar(db.select(Wave).where(Wave.status == "open"))
        jobs.enqueue("invitations.send", {"wave_id": open_wave.id, "language": "nn"})
        jobs.enqueue(
            "exports.build",
            {
                "waves": [2021, 2023],
                "roles": ["skoleleder"],
                "layouts": ["wide"],
                "formats": ["csv"],
                "cleaned": True,
                "k": 5,
                "lang": "nb",
            },
        )
        jobs.run_pending(progress_bar=False)
        app.config["DEMO_INVITATION"] = result.respondent_link_invitation_id
    return app


def _login(client, email: str, lang: str) -> None:
    response = client.post("/auth/login", data={"email": email, "password": PASSWORD})
    assert response.status_code == 302, response.data[:300]
    client.post(f"/auth/language/{lang}", data={"next": "/"})


@pytest.mark.parametrize("lang", ["nb", "nn"])
def test_console_pages_have_no_english_status_words_or_decimal_points(demo_app, lang):
    for email, least, starts in (
        (
            "admin@dekom.local",
            40,
            [
                "/console/",
                "/console/waves",
                "/console/panel",
                "/console/dashboard",
                "/console/jobs",
                "/console/outbox",
                "/console/users",
                "/console/audit",
            ],
        ),
        (
            "forsker@dekom.local",
            15,
            ["/console/", "/console/dashboard", "/coding/", "/exports/", "/analysis/"],
        ),
    ):
        client = demo_app.test_client()
        _login(client, email, lang)
        bad, read = crawl(client, starts)
        assert len(read) >= least, read  # the crawler really walked the console
        assert f'lang="{lang}"' in client.get("/console/").get_data(as_text=True)
        assert not bad, "\n".join(f"{path}: {f}" for path, items in bad.items() for f in items[:3])


@pytest.mark.parametrize("lang", ["nb", "nn"])
def test_survey_pages_have_no_english_status_words_or_decimal_points(demo_app, lang):
    from webapp.infra.tokens import survey_url
    from webapp.models import Invitation

    with demo_app.app_context():
        invitation = db.session.get(Invitation, demo_app.config["DEMO_INVITATION"])
        url = urlsplit(survey_url(invitation)).path
        pages = [
            p.id for p in invitation.wave.version_for(invitation.person.role).questionnaire.pages
        ]
        done = db.session.scalar(db.select(Invitation).where(Invitation.submitted_at.is_not(None)))
        thanks = urlsplit(survey_url(done)).path
    client = demo_app.test_client()
    client.get(f"{url}?lang={lang}")
    # the pages are reached by posting the form, so each page is asked for by its address
    bad, read = crawl(client, [url] + [f"{url}/side/{page}" for page in pages])
    assert len(read) >= 6, read  # the start page and the pages the answers so far show
    assert f'lang="{lang}"' in client.get(url + f"/side/{pages[0]}").get_data(as_text=True)
    other = demo_app.test_client()
    more, read = crawl(
        other, [f"{thanks}?lang={lang}"]
    )  # the thank-you page of a submitted response
    page = other.get(f"{thanks}?lang={lang}").get_data(as_text=True)
    assert (
        f'lang="{lang}"' in page
        and "Takk for svara" * (lang == "nn") in page
        and "Sendt inn" in page
    )
    bad.update(more)
    assert not bad, "\n".join(f"{path}: {f}" for path, items in bad.items() for f in items[:3])


def test_the_checks_find_what_they_look_for():
    page = (
        "<p>Status: <span>pending</span></p><p>39.3 %</p><p>29.11.2026 kl. 12:29</p><p>a@b.no</p>"
    )
    found = findings(page)
    assert len(found) == 2 and "pending" in found[0] and "39.3" in found[1]
    assert findings("<p>Svarprosent 39,3 %</p><script>var x = 1.5;</script>") == []
