"""Security headers, the CSP nonce, and error pages."""


def test_pages_carry_a_strict_csp_with_a_fresh_nonce(client):
    first = client.get("/login")
    second = client.get("/login")
    csp = first.headers["Content-Security-Policy"]
    assert "script-src 'self' 'nonce-" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert csp != second.headers["Content-Security-Policy"]
    nonce = csp.split("'nonce-")[1].split("'")[0]
    html = first.get_data(as_text=True)
    scripts = html.count("<script")
    assert scripts and html.count(f'nonce="{nonce}"') == scripts
    assert first.headers["X-Content-Type-Options"] == "nosniff"


def test_assets_are_served_by_the_app_not_a_cdn(client):
    html = client.get("/login").get_data(as_text=True)
    assert "cdn." not in html and "https://" not in html
    manifest = client.application.extensions["asset_manifest"]
    for name in ("css/app.css", "vendor/bootstrap.min.css", "vendor/bootstrap.min.js"):
        assert f"/assets/{manifest[name]}" in html
        assert client.get(f"/assets/{manifest[name]}").status_code == 200


def test_health_check(client):
    assert client.get("/healthz").json["database"] == "ok"


def test_unknown_page_is_a_friendly_404(client, make_user, login_as):
    login_as(make_user())
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "Tillbaka till startsidan" in response.get_data(as_text=True)
