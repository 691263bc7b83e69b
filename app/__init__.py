"""The programme-portfolio application.

Importing this package must not import Flask: the pure rule modules
(`*/rules.py`, `benefits/calculation.py`, `core/periods.py`) live inside it and are
imported in interpreters without the web stack. The factory is therefore imported
lazily.
"""


def create_app(test_config=None):
    """Build the Flask application; `test_config` is a mapping that overrides configuration."""
    from app.factory import build_app

    return build_app(test_config)
