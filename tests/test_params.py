"""Shared query-parameter helpers: language preference and date windows."""

from __future__ import annotations

from typing import Any

import pytest

from api.params import date_window, preferred_languages, resolve_label


class FakeRequest:
    """Only what preferred_languages reads: the headers."""

    def __init__(self, accept_language: str | None) -> None:
        self.headers = {"accept-language": accept_language} if accept_language else {}


def languages(accept: str | None, lang: str | None = None) -> tuple[str, ...]:
    request: Any = FakeRequest(accept)
    return preferred_languages(request, lang)


def test_lang_wins_over_accept_language() -> None:
    assert languages("en", "fr")[:2] == ("fr", "en")


def test_regional_tag_falls_back_to_its_base_before_the_next_language() -> None:
    assert languages("fr-CA, en;q=0.5") == ("fr-CA", "fr", "en")


def test_weights_order_languages_and_zero_excludes() -> None:
    assert languages("de;q=0.2, ru;q=0.9, es;q=0") == ("ru", "de", "en", "fr")


def test_resolve_label_falls_back_to_default_then_any_language() -> None:
    assert resolve_label({"fr": "Téhéran", "en": "Tehran"}, ("fr", "en")) == "Téhéran"
    assert resolve_label({"de": "Teheran"}, ("fr", "en"), default="Tehran") == "Tehran"
    assert resolve_label({"de": "Teheran", "ar": "طهران"}, ("fr", "en")) == "طهران"


def test_window_uses_earliest_of_from_and_latest_of_to() -> None:
    window = date_window("2022-10~", "2023-02")
    assert (str(window.start), str(window.end)) == ("2022-10-01", "2023-02-28")


@pytest.mark.parametrize(("start", "end"), [("0000", None), (None, "2023-13"), ("2023-03", "2023-01")])
def test_bad_windows_are_400s(start: str | None, end: str | None) -> None:
    with pytest.raises(Exception) as raised:
        date_window(start, end)
    assert getattr(raised.value, "status_code", None) == 400
