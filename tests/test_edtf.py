from datetime import date

import pytest

from schema.edtf import EdtfError, edtf_bounds, parsed_bounds

BOUNDS = {
    "2023-02-05": (date(2023, 2, 5), date(2023, 2, 5)),
    "2022-07": (date(2022, 7, 1), date(2022, 7, 31)),
    "2022-10~": (date(2022, 10, 1), date(2022, 10, 31)),
    "2023?": (date(2023, 1, 1), date(2023, 12, 31)),
    "2024-02": (date(2024, 2, 1), date(2024, 2, 29)),
    "2022-12/2023-01": (date(2022, 12, 1), date(2023, 1, 31)),
    "2022-11/..": (date(2022, 11, 1), date.max),
    "../2023-02": (date.min, date(2023, 2, 28)),
    "202X": (date(2020, 1, 1), date(2029, 12, 31)),
}


@pytest.mark.parametrize("value", BOUNDS)
def test_bounds_cover_exactly_what_the_value_says(value: str) -> None:
    assert edtf_bounds(value) == BOUNDS[value]


@pytest.mark.parametrize("value", ["2022-13", "2023-02-30", "last week", "", "2023-03/2023-01", "05/02/2023"])
def test_rejects_what_is_not_edtf(value: str) -> None:
    with pytest.raises(EdtfError):
        edtf_bounds(value)


@pytest.mark.parametrize("value", ["0000", "Y170000002", "-0001"])
def test_years_outside_the_calendar_are_edtf_errors_not_crashes(value: str) -> None:
    with pytest.raises(EdtfError):
        edtf_bounds(value)


def _plain_dates() -> list[str]:
    """Plain years, months and days, valid and not: every month and day field of a leap and a common year."""
    values = ["0000", "0001", "1900", "2000", "2023", "9999", "0000-01", "2023-00", "2023-13", "2023-21", "2023-24"]
    for year in ("2023", "2024", "1900", "2000"):
        values += [f"{year}-{month:02d}" for month in range(1, 13)]
        values += [f"{year}-{month:02d}-{day:02d}" for month in (1, 2, 4, 12) for day in range(0, 33)]
    return values


@pytest.mark.parametrize("value", _plain_dates())
def test_plain_dates_get_the_parsers_bounds(value: str) -> None:
    """The shortcut for plain ISO dates answers exactly what python-edtf answers, errors included."""
    try:
        expected: object = parsed_bounds(value)
    except EdtfError:
        expected = EdtfError
    try:
        got: object = edtf_bounds(value)
    except EdtfError:
        got = EdtfError
    assert got == expected
