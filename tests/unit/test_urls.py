"""Redirects after login go only to local paths."""

import pytest

from app.core.urls import is_safe_local_path


@pytest.mark.parametrize("target", [
    "/", "/programmes/1", "/applications/?state=draft", "/%0d%0aSet-Cookie:x",
])
def test_local_paths_are_safe(target):
    assert is_safe_local_path(target)


@pytest.mark.parametrize("target", [
    None, "", "https://evil.example/", "//evil.example/", "/\\evil.example", "\\\\evil.example",
    "javascript:alert(1)", "programmes", "/\x00x", "http:/evil.example",
])
def test_anything_else_is_refused(target):
    assert not is_safe_local_path(target)
