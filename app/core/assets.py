"""Static assets under content-hashed URLs, precompressed and cached for a year.

plotly.js alone is 4,85 MB: served plainly, every dashboard's first load spent seconds in the
browser. Each asset (the app's own files, plotly.js from the plotly package, Bootstrap from
bootstrap-flask, Swagger UI from flask-swagger-ui) is copied once under `instance/assets/` with
a hash of its content in its name; WhiteNoise serves the copies, with their `.br`/`.gz`
variants to browsers that accept them, as immutable for a year. A changed file gets a new
name, so no browser keeps a stale one. `flask assets build` writes the compressed variants
(`make install` runs it).
"""

import hashlib
import os
import tempfile
from pathlib import Path

from flask import Flask, request
from whitenoise import WhiteNoise
from whitenoise.compress import Compressor

URL_PREFIX = "assets/"
ONE_YEAR_SECONDS = 365 * 24 * 3600


def sources(app: Flask) -> dict[str, Path]:
    """Every asset by the name templates use, with the file it comes from."""
    import flask_bootstrap
    import flask_swagger_ui
    import plotly

    own = Path(app.static_folder)
    named = {path.relative_to(own).as_posix(): path
             for path in sorted(own.rglob("*")) if path.is_file()}
    bootstrap = Path(flask_bootstrap.__file__).parent / "static" / "bootstrap5"
    swagger_ui = Path(flask_swagger_ui.__file__).parent / "dist"
    named.update({
        "vendor/plotly.min.js": Path(plotly.__file__).parent / "package_data" / "plotly.min.js",
        "vendor/bootstrap.min.css": bootstrap / "css" / "bootstrap.min.css",
        "vendor/bootstrap.min.js": bootstrap / "js" / "bootstrap.min.js",
        "vendor/popper.min.js": bootstrap / "umd" / "popper.min.js",
        "vendor/swagger-ui-bundle.js": swagger_ui / "swagger-ui-bundle.js",
        "vendor/swagger-ui.css": swagger_ui / "swagger-ui.css",
    })
    return named


def hashed_name(name: str, content: bytes) -> str:
    """`js/app.js` -> `js/app.<12 hex of sha256>.js`."""
    digest = hashlib.sha256(content).hexdigest()[:12]
    stem, dot, extension = name.rpartition(".")
    return f"{stem}.{digest}.{extension}" if dot else f"{name}.{digest}"


def _write_atomically(path: Path, content: bytes) -> None:
    """Write via a temporary file and rename, so concurrent workers never see half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    with os.fdopen(handle, "wb") as out:
        out.write(content)
    os.replace(temporary, path)


def build(app: Flask, target: Path, *, compress: bool) -> dict[str, str]:
    """Copy each asset under its hashed name (once) and return the manifest name -> hashed."""
    manifest = {}
    compressor = Compressor(quiet=True) if compress else None
    for name, source in sources(app).items():
        content = source.read_bytes()
        hashed = hashed_name(name, content)
        copy = target / hashed
        if not copy.exists():
            _write_atomically(copy, content)
        if compressor and compressor.should_compress(copy.name) and not (
                Path(f"{copy}.gz").exists() and Path(f"{copy}.br").exists()):
            for _compressed in compressor.compress(str(copy)):
                pass
        manifest[name] = hashed
    return manifest


def _add_headers(headers, _path, _url) -> None:
    headers["X-Content-Type-Options"] = "nosniff"


def init_app(app: Flask) -> None:
    """Build the hashed copies, serve them with WhiteNoise and give templates `asset_url`."""
    target = Path(app.instance_path) / "assets"
    manifest = build(app, target, compress=False)
    app.extensions["asset_manifest"] = manifest
    app.wsgi_app = WhiteNoise(
        app.wsgi_app, root=str(target), prefix=URL_PREFIX, max_age=ONE_YEAR_SECONDS,
        immutable_file_test=lambda _path, _url: True,
        add_headers_function=_add_headers)

    def asset_url(name: str) -> str:
        return f"{request.script_root}/{URL_PREFIX}{manifest[name]}"

    app.jinja_env.globals["asset_url"] = asset_url
