"""Date normalisation: every legacy shape to ISO 8601, never shifting a date-only value."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, strategies as st

from pipeline.errors import DateError
from pipeline.transform.dates import moment_to_strptime, normalise_date

UTC = dt.timezone.utc


@pytest.mark.parametrize(
    ("value", "fmt", "expected"),
    [
        (dt.date(2025, 1, 29), None, "2025-01-29"),  # bare YAML date
        ("2025-01-29", None, "2025-01-29"),  # quoted
        ("Jan 29, 2025", "MMM DD, YYYY", "2025-01-29"),
        ("29/01/2025", "DD/MM/YYYY", "2025-01-29"),
        ("01/02/2025", "DD/MM/YYYY", "2025-02-01"),
        ("01/02/2025", "MM/DD/YYYY", "2025-01-02"),
        ("January 3rd, 2024", "MMMM Do, YYYY", "2024-01-03"),
        ("2025-01-29T14:30:00+02:00", None, "2025-01-29T14:30:00+02:00"),
        ("2025-01-29T14:30:00Z", None, "2025-01-29T14:30:00+00:00"),
        ("2019-07-02 11:21:02 -0400", None, "2019-07-02T11:21:02-04:00"),
        ("29.01.2025 14:30", "DD.MM.YYYY HH:mm", "2025-01-29T14:30:00+00:00"),
        (dt.datetime(2025, 1, 29, 8, 15, tzinfo=dt.timezone(dt.timedelta(hours=-5))), None,
         "2025-01-29T08:15:00-05:00"),
        (dt.datetime(2025, 1, 29, 8, 15), None, "2025-01-29T08:15:00+00:00"),
    ],
)
def test_shapes(value: object, fmt: str | None, expected: str) -> None:
    assert normalise_date(value, doc_format=fmt) == expected


def test_date_only_is_never_shifted_by_a_timezone() -> None:
    far_east = dt.timezone(dt.timedelta(hours=14))
    assert normalise_date("2025-01-01", naive_tz=far_east) == "2025-01-01"
    assert normalise_date(dt.date(2025, 12, 31), naive_tz=far_east) == "2025-12-31"


def test_profile_formats_are_tried_after_the_document_format() -> None:
    assert normalise_date("Jan 29, 2025", doc_format="DD/MM/YYYY",
                          formats=("MMM D, YYYY",)) == "2025-01-29"


@pytest.mark.parametrize("value", ["2025-02-30", "Feb 30, 2025", "soon", "", 20250129, None,
                                   "Jan 29, 2025 and more"])
def test_unreadable_dates_raise_with_the_raw_value(value: object) -> None:
    with pytest.raises(DateError) as err:
        normalise_date(value, doc_format="MMM DD, YYYY")
    assert repr(value) in str(err.value)


def test_token_translation() -> None:
    assert moment_to_strptime("MMM DD, YYYY") == ("%b %d, %Y", False, False)
    assert moment_to_strptime("[Day] D [of] MMMM YYYY, HH:mm")[0] == "Day %d of %B %Y, %H:%M"


@given(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 12, 31)),
       st.sampled_from(["YYYY-MM-DD", "DD/MM/YYYY", "MMM DD, YYYY", "MMMM D, YYYY",
                        "MM/DD/YYYY", "D MMM YYYY"]))
def test_any_date_in_any_format_round_trips(day: dt.date, fmt: str) -> None:
    text = day.strftime(moment_to_strptime(fmt)[0])
    assert normalise_date(text, doc_format=fmt) == day.isoformat()
