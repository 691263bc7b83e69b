"""Static assets: content-hashed URLs, cached for a year, precompressed variants when accepted."""

import gzip
import re

import brotli
from flask import Flask
from whitenoise.compress import Compressor

from app.core import assets

HASHED = re.compile(r'(?:href|src)="(/assets/[^"]+\.[0-9a-f]{12}\.(?:css|js))"')


def test_pages_link_every_asset_by_a_content_hash(client):
    html = client.get("/login").get_data(as_text=True)
    urls = HASHED.findall(html)
    assert any("/vendor/bootstrap.min." in url for url in urls)
    assert any("/css/app." in url for url in urls)
    assert "/static/" not in html and "/bootstrap/static/" not in html
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert "max-age=31536000" in response.headers["Cache-Control"]
        assert "immutable" in response.headers["Cache-Control"]
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        response.close()


def test_plotly_is_served_by_the_app_under_its_hash(app, client):
    hashed = app.extensions["asset_manifest"]["vendor/plotly.min.js"]
    response = client.get(f"/assets/{hashed}")
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert b"plotly.js v" in response.data[:200]


def test_the_name_changes_with_the_content():
    first = assets.hashed_name("js/app.js", b"one")
    assert re.fullmatch(r"js/app\.[0-9a-f]{12}\.js", first)
    assert assets.hashed_name("js/app.js", b"one") == first
    assert assets.hashed_name("js/app.js", b"two") != first


def _throwaway_app(tmp_path) -> Flask:
    static = tmp_path / "static"
    (static / "css").mkdir(parents=True, exist_ok=True)
    (static / "css" / "site.css").write_text("body { color: #123456; }\n" * 400)
    application = Flask("assets_test", static_folder=str(static),
                        instance_path=str(tmp_path / "instance"))
    assets.init_app(application)
    return application


def test_a_compressed_variant_goes_to_browsers_that_accept_it(tmp_path):
    first = _throwaway_app(tmp_path)
    hashed = first.extensions["asset_manifest"]["css/site.css"]
    copy = tmp_path / "instance" / "assets" / hashed
    for _variant in Compressor(quiet=True).compress(str(copy)):
        pass
    served = _throwaway_app(tmp_path).test_client()
    original = copy.read_bytes()

    as_brotli = served.get(f"/assets/{hashed}", headers={"Accept-Encoding": "gzip, br"})
    assert as_brotli.headers["Content-Encoding"] == "br"
    assert "Accept-Encoding" in as_brotli.headers["Vary"]
    assert len(as_brotli.data) < len(original) / 5
    assert brotli.decompress(as_brotli.data) == original

    as_gzip = served.get(f"/assets/{hashed}", headers={"Accept-Encoding": "gzip"})
    assert as_gzip.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(as_gzip.data) == original

    plain = served.get(f"/assets/{hashed}")
    assert "Content-Encoding" not in plain.headers and plain.data == original
