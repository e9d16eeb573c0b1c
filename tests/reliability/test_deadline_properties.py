"""Property-based tests of the deadline parser: any text is safe, and a due date lies in the period named."""

from __future__ import annotations

from datetime import date

import pytest
from dateutil.relativedelta import relativedelta
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from hsp_tui.domain.deadlines import MONTHS, SEASONS, month_end, parse_deadline

pytestmark = pytest.mark.slow  # property runs of hundreds of examples each: see pyproject's markers

SETTINGS = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])

MONTH_NAMES = sorted(MONTHS)
years = st.integers(1900, 2099)
months = st.integers(1, 12)
references = st.none() | st.dates(date(1990, 1, 1), date(2090, 12, 31))


def spelled(month: int) -> st.SearchStrategy[str]:
    """A month as officers spell it: full name or abbreviation, any capitalisation."""
    names = [n for n in MONTH_NAMES if MONTHS[n] == month]
    return st.sampled_from(names).flatmap(
        lambda n: st.sampled_from([n, n.upper(), n.capitalize(), n.title()]))


month_words = months.flatmap(lambda m: st.tuples(st.just(m), spelled(m)))
spaces = st.sampled_from([" ", "  ", "\t", " \n "])
dashes = st.sampled_from([" - ", "-", " – ", "–", " — ", " to ", " until "])
leads = st.sampled_from(["", "By ", "by end of ", "End of ", "no later than ", "Due: ", "From ", "in "])


def in_month(due: date | None, year: int, month: int) -> bool:
    return due is not None and (due.year, due.month) == (year, month)


# -- nothing escapes -----------------------------------------------------------------------------
@SETTINGS
@given(st.text(), references)
@example("Q3 2010/11 and", None)
@example("31/02/2011", None)
@example("0/0/0000", None)
@example("April 2010 - ", None)
@example("99999999999999999999 April", None)
@example("- - -", None)
@example("\x00\x1b[31m", None)
def test_any_text_gives_a_deadline_and_never_raises(text: str, reference: date | None) -> None:
    d = parse_deadline(text, reference)
    assert d.text == text  # kept verbatim
    if d.due is not None:
        assert d.warning is None and d.precision not in ("ongoing", "unknown", "none")
        assert date(1900, 1, 1) <= d.due <= date(2101, 12, 31)
    else:
        assert d.precision in ("ongoing", "unknown", "none")
    if d.parts:
        assert d.due == max(p.due for p in d.parts)


@SETTINGS
@given(st.lists(st.sampled_from(MONTH_NAMES + ["2010", "2011", "/", "-", "q3", "and", ",", " ", "of", "end",
                                               "by", "12", "31", "spring", "ongoing", "fy", "to", ";", "1st"]),
                max_size=30).map("".join), references)
def test_deadline_like_word_salad_never_raises(text: str, reference: date | None) -> None:
    d = parse_deadline(text, reference)
    assert d.due is None or d.warning is None


def test_very_long_deadline_cells_are_handled() -> None:
    for text in ("April 2010 " * 20_000, "a" * 1_000_000, "1" * 100_000, "- " * 50_000, "April - " * 20_000):
        d = parse_deadline(text)
        assert d.due is None or d.precision == "milestones"


# -- a due date lies within the period the text names -------------------------------------------------
@SETTINGS
@given(leads, month_words, spaces, years, st.sampled_from(["", ".", ","]))
def test_month_year_is_due_at_the_end_of_that_month(lead, mw, sp, year, tail) -> None:
    month, word = mw
    d = parse_deadline(f"{lead}{word}{sp}{year}{tail}")
    assert d.due == month_end(year, month) and d.precision == "month"


@SETTINGS
@given(month_words, references)
def test_month_without_year_is_the_next_such_month_on_or_after_the_plan_date(mw, reference) -> None:
    month, word = mw
    d = parse_deadline(word, reference)
    if reference is None:
        assert d.due is None and d.warning  # never invents a year
    else:
        assert d.due is not None and d.due.month == month
        assert reference.replace(day=1) <= d.due < reference.replace(day=1) + relativedelta(years=1)


@SETTINGS
@given(month_words, dashes, month_words, spaces, years)
def test_range_with_one_year_is_due_at_the_end_of_its_last_month(first, dash, last, sp, year) -> None:
    d = parse_deadline(f"{first[1]}{dash}{last[1]}{sp}{year}")
    assert in_month(d.due, year, last[0]) and d.due == month_end(year, last[0])


@SETTINGS
@given(month_words, years, dashes, month_words, years)
def test_range_with_two_years_is_due_in_its_last_month_or_refused(first, y1, dash, last, y2) -> None:
    d = parse_deadline(f"{first[1]} {y1}{dash}{last[1]} {y2}")
    if (y1, first[0]) <= (y2, last[0]):
        assert d.due == month_end(y2, last[0])
    else:
        assert d.due is None and "ends before it starts" in (d.warning or "")


@SETTINGS
@given(st.sampled_from(["", "FY ", "fy", "Financial year "]), st.integers(1900, 2098),
       st.sampled_from(["/", "-", " / ", " - "]), st.booleans())
def test_financial_year_is_due_on_31_march_of_its_second_year(prefix, y1, sep, short) -> None:
    second = f"{(y1 + 1) % 100:02d}" if short else str(y1 + 1)
    d = parse_deadline(f"{prefix}{y1}{sep}{second}")
    assert d.due == date(y1 + 1, 3, 31) and d.precision == "financial_year"


@SETTINGS
@given(st.integers(1900, 2097), st.integers(2, 9))
def test_financial_year_whose_years_do_not_follow_is_never_given_a_date_in_between(y1, gap) -> None:
    d = parse_deadline(f"{y1}/{(y1 + gap) % 100:02d}")
    assert d.due is None or d.due == date(y1 + gap, 12, 31)  # refused, or read as a range of years


@SETTINGS
@given(st.integers(1, 4), st.integers(1900, 2098), st.sampled_from(["Q{q} {y}/{s}", "q{q} {y}-{s}", "{y}/{s} Q{q}"]))
def test_financial_quarter_is_due_at_the_end_of_the_quarter(q, y1, form) -> None:
    d = parse_deadline(form.format(q=q, y=y1, s=f"{(y1 + 1) % 100:02d}"))
    start = date(y1, 4, 1) + relativedelta(months=3 * (q - 1))  # Q1 is April-June
    assert d.due == start + relativedelta(months=2, day=31)


@SETTINGS
@given(st.sampled_from(sorted(SEASONS)), years.filter(lambda y: y < 2099))
def test_season_is_due_at_the_end_of_its_last_month(season, year) -> None:
    first, last = SEASONS[season]
    d = parse_deadline(f"{season.capitalize()} {year}")
    assert d.due == month_end(year + (last < first), last)


@SETTINGS
@given(st.dates(date(1900, 1, 1), date(2099, 12, 31)))
def test_exact_days_in_uk_and_iso_forms(day: date) -> None:
    for text in (f"{day.day:02d}/{day.month:02d}/{day.year}", f"{day.day}.{day.month}.{day.year}",
                 day.isoformat(), f"{day.day} {day:%B %Y}", f"{day:%B} {day.day}, {day.year}"):
        assert parse_deadline(text).due == day, text


@SETTINGS
@given(st.integers(1, 31), months, years)
def test_impossible_days_are_refused_not_moved(day, month, year) -> None:
    try:
        real = date(year, month, day)
    except ValueError:
        real = None
    d = parse_deadline(f"{day}/{month}/{year}")
    assert d.due == real
    if real is None:
        assert d.warning


@SETTINGS
@given(st.lists(st.tuples(month_words, years), min_size=2, max_size=5),
       st.sampled_from([" ", "; ", ", ", " and ", "\n"]))
def test_several_dates_in_one_cell_are_milestones_due_at_the_last(parts, sep) -> None:
    text = sep.join(f"{w} {y}" for (m, w), y in parts)
    d = parse_deadline(text)
    assert d.precision == "milestones"
    assert [p.due for p in d.parts] == [month_end(y, m) for (m, _), y in parts]
    assert d.due == max(month_end(y, m) for (m, _), y in parts)
