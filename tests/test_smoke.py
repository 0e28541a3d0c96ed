"""The app starts, serves its front page and health check, and refuses unknown routes."""


def test_front_page_in_bokmal(client):
    res = client.get("/")
    assert res.status_code == 200
    assert "Logg inn" in res.get_data(as_text=True)
    assert "script-src 'self'" in res.headers["Content-Security-Policy"]
    assert res.headers["Referrer-Policy"] == "no-referrer"


def test_healthz_checks_the_database(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}


def test_unknown_page_is_404_page(client):
    res = client.get("/no/such/page")
    assert res.status_code == 404
    assert "Fant ikke siden" in res.get_data(as_text=True)


def test_every_page_has_the_site_icon(client):
    page = client.get("/auth/login").get_data(as_text=True)
    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in page
    icon = client.get("/favicon.ico", follow_redirects=True)
    assert icon.status_code == 200 and icon.mimetype == "image/svg+xml" and b"<svg" in icon.data
