from datetime import date

import pytest

from schema.edtf import EdtfError, edtf_bounds

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
