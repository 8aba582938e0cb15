"""Constrained scalar types shared by every Struct of the contract."""

from typing import Annotated

from msgspec import Meta

Slug = Annotated[
    str,
    Meta(
        pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$",
        min_length=1,
        max_length=120,
        description="Stable, readable identifier (lower-case words joined by hyphens).",
        examples=["dmitry-peskov"],
    ),
]
LangTag = Annotated[
    str,
    Meta(
        pattern=r"^[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$",
        description="BCP 47 language tag.",
        examples=["fr", "en"],
    ),
]
CountryCode = Annotated[
    str,
    Meta(pattern=r"^[A-Z]{2}$", description="ISO 3166-1 alpha-2 country code.", examples=["RU"]),
]
Edtf = Annotated[
    str,
    Meta(
        min_length=4,
        max_length=64,
        description="Extended Date/Time Format (ISO 8601-2) value; never more precise than the source.",
        examples=["2023-02-05", "2022-07", "2022-10~"],
    ),
]
Url = Annotated[
    str,
    Meta(pattern=r"^https?://[^\s]+$", max_length=2000, examples=["https://www.presstv.ir/"]),
]
WikidataId = Annotated[str, Meta(pattern=r"^Q[1-9][0-9]*$", examples=["Q2298925"])]
Sha256Hex = Annotated[str, Meta(pattern=r"^[0-9a-f]{64}$")]
ShortText = Annotated[str, Meta(min_length=1, max_length=300)]
Label = Annotated[str, Meta(min_length=1, max_length=300)]
LongText = Annotated[str, Meta(min_length=1, max_length=4000)]
Tag = Annotated[str, Meta(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$", max_length=60)]
Quote = Annotated[
    str,
    Meta(
        min_length=1,
        max_length=300,
        description="Exact words of the document, in its language; only whitespace may differ.",
    ),
]
Offset = Annotated[int, Meta(ge=0, description="Character (Unicode code point) offset in the document.")]
Latitude = Annotated[float, Meta(ge=-90, le=90)]
Longitude = Annotated[float, Meta(ge=-180, le=180)]

LabelMap = dict[LangTag, Label]
"""Short texts keyed by language: {"fr": "Téhéran", "en": "Tehran"}."""
TextMap = dict[LangTag, LongText]
"""Longer texts keyed by language."""
