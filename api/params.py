"""Query parameters every list shares: limit, cursor, order, date windows, languages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any

from litestar import Request
from litestar.openapi.spec import Example
from litestar.params import Parameter, QueryParameter

from api.pagination import DEFAULT_LIMIT, MAX_LIMIT, Order, invalid_param
from schema.edtf import EdtfError, edtf_bounds

Limit = Annotated[
    int,
    Parameter(ge=1, le=MAX_LIMIT, description=f"Items per page (1-{MAX_LIMIT}).", examples=[Example(value=20)]),
]
Cursor = Annotated[
    str | None,
    Parameter(
        description="Opaque cursor from a previous page's `next_cursor`; omit for the first page.",
        examples=[Example(value="WyJldmVudHMiLCJhc2MiLFsiMjAyMy0wMi0wNSIsIndzai1yZXBvcnQiXV0")],
    ),
]
OrderParam = Annotated[
    Order,
    Parameter(
        description="`asc`: oldest first (by earliest date, then id); `desc`: newest first (then id descending).",
        examples=[Example(value="desc")],
    ),
]
DateFrom = Annotated[
    str | None,
    QueryParameter(
        name="from",
        description="Start of the window: EDTF or ISO date. Matches items whose [earliest, latest] overlaps it.",
        examples=[Example(value="2023-01")],
    ),
]
DateTo = Annotated[
    str | None,
    QueryParameter(
        name="to",
        description="End of the window: EDTF or ISO date (its latest day counts).",
        examples=[Example(value="2023-02-28")],
    ),
]
Lang = Annotated[
    str | None,
    Parameter(
        pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$",
        description="Language of the resolved `label`/`text` fields; defaults to `Accept-Language`, then `en`.",
        examples=[Example(value="fr")],
    ),
]

FALLBACK_LANGUAGES = ("en", "fr")


@dataclass(frozen=True)
class DateWindow:
    """Days an item's [earliest, latest] range must overlap; None means unbounded."""

    start: date | None
    end: date | None


def date_window(date_from: str | None, date_to: str | None) -> DateWindow:
    """Parse `from`/`to` (EDTF or ISO dates) into a window; a 400 naming the parameter otherwise."""
    start = _bound("from", date_from, lower=True)
    end = _bound("to", date_to, lower=False)
    if start is not None and end is not None and start > end:
        raise invalid_param("to", f"ends ({end}) before 'from' starts ({start})")
    return DateWindow(start, end)


def _bound(name: str, value: str | None, *, lower: bool) -> date | None:
    if value is None or value == "":
        return None
    try:
        bounds = edtf_bounds(value)
    except EdtfError:
        raise invalid_param(name, f"not an EDTF or ISO date: {value!r}") from None
    return bounds.earliest if lower else bounds.latest


def preferred_languages(request: Request[Any, Any, Any], lang: str | None) -> tuple[str, ...]:
    """`lang`, else the languages of `Accept-Language` by weight, then the fallbacks `en`, `fr`."""
    asked: list[str] = [lang] if lang else _accept_language(request.headers.get("accept-language", ""))
    chosen: list[str] = []
    for tag in [*asked, *FALLBACK_LANGUAGES]:
        # A regional tag falls back to its base language before the next tag: fr-CA, fr, en.
        for candidate in (tag, tag.split("-")[0].lower()):
            if candidate not in chosen:
                chosen.append(candidate)
    return tuple(chosen)


def _accept_language(header: str) -> list[str]:
    weighted: list[tuple[float, int, str]] = []
    for index, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        if not tag or tag == "*":
            continue
        weight = 1.0
        if params.strip().startswith("q="):
            try:
                weight = float(params.strip()[2:])
            except ValueError:
                continue
        if weight > 0:
            weighted.append((-weight, index, tag.strip()))
    return [tag for _, _, tag in sorted(weighted)]


def resolve_label(texts: dict[str, str], languages: tuple[str, ...], default: str | None = None) -> str | None:
    """The text in the first preferred language present; else `default`; else any text (by language tag)."""
    for language in languages:
        if language in texts:
            return texts[language]
    if default is not None:
        return default
    return texts[min(texts)] if texts else None


def page_limit(limit: int | None) -> int:
    return DEFAULT_LIMIT if limit is None else limit
