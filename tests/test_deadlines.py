"""Every deadline form officers write, and every deadline in the seed, resolved as officers mean it."""

from datetime import date

import pytest

from hsp_tui.domain.deadlines import parse_deadline
from hsp_tui.storage.seed import seed_document

PLAN = date(2010, 3, 16)  # the seed report's date


@pytest.mark.parametrize(
    "text, due, precision",
    [
        # A month is due on its last day (not "today's day of the month", as dateutil would fill in).
        ("April 2010", date(2010, 4, 30), "month"),
        ("Sept 2010", date(2010, 9, 30), "month"),
        ("sep 2010", date(2010, 9, 30), "month"),
        ("February 2012", date(2012, 2, 29), "month"),  # leap year
        ("February 2011", date(2011, 2, 28), "month"),
        ("December 2010", date(2010, 12, 31), "month"),
        ("April 2010.", date(2010, 4, 30), "month"),
        # A range is due on the last day of the range: en dash, hyphen, "to".
        ("April – May 2010", date(2010, 5, 31), "range"),
        ("April - May 2010", date(2010, 5, 31), "range"),
        ("April-May 2010", date(2010, 5, 31), "range"),
        ("April to May 2010", date(2010, 5, 31), "range"),
        ("Nov 2010 – Jan 2011", date(2011, 1, 31), "range"),
        ("November – January 2011", date(2011, 1, 31), "range"),
        # Exact dates; UK numeric dates are day-first.
        ("31/03/2011", date(2011, 3, 31), "day"),
        ("03/04/2011", date(2011, 4, 3), "day"),
        ("1/4/11", date(2011, 4, 1), "day"),
        ("31 March 2011", date(2011, 3, 31), "day"),
        ("1st June 2010", date(2010, 6, 1), "day"),
        ("2010-11-05", date(2010, 11, 5), "day"),
        # "end of" a month is its last day.
        ("end of March 2011", date(2011, 3, 31), "month"),
        ("By end of June 2010", date(2010, 6, 30), "month"),
        # UK financial years end on 31 March of the second year; quarters start in April.
        ("2010/11", date(2011, 3, 31), "financial_year"),
        ("2010-11", date(2011, 3, 31), "financial_year"),
        ("FY 2010/2011", date(2011, 3, 31), "financial_year"),
        ("Q1 2010/11", date(2010, 6, 30), "quarter"),
        ("Q2 2010/11", date(2010, 9, 30), "quarter"),
        ("Q3 2010/11", date(2010, 12, 31), "quarter"),
        ("Q4 2010/11", date(2011, 3, 31), "quarter"),
        # A month without a year takes its year from the plan's date; "From <month>" means by its end.
        ("From July", date(2010, 7, 31), "month"),
        ("July", date(2010, 7, 31), "month"),
        ("February", date(2011, 2, 28), "month"),  # next February after a March 2010 plan
        ("Autumn 2010", date(2010, 11, 30), "season"),
        ("Winter 2010/11", date(2011, 2, 28), "season"),
        ("April/May 2010", date(2010, 5, 31), "range"),
        ("11 March", date(2011, 3, 11), "day"),  # day first, no year: the next 11 March after the plan
        ("March 11, 2011", date(2011, 3, 11), "day"),
        ("2011", date(2011, 12, 31), "year"),
    ],
)
def test_deadline_forms(text, due, precision):
    d = parse_deadline(text, PLAN)
    assert (d.due, d.precision, d.warning) == (due, precision, None)
    assert d.text == text  # kept verbatim


@pytest.mark.parametrize("text", ["Ongoing", "ongoing", "On-going", "on going"])
def test_ongoing_has_no_due_date_and_no_warning(text):
    d = parse_deadline(text, PLAN)
    assert d.due is None and d.precision == "ongoing" and d.warning is None


@pytest.mark.parametrize("text", ["TBC", "mid April 2010", "Q3 2010", "2010/12", "31/02/2011",
                                  "soon", "April 2010 garbage", "Apr 10", "March 11", "2011-02-30", "April 2011 – May 2010"])
def test_unreadable_text_is_kept_with_a_warning_and_no_invented_date(text):
    d = parse_deadline(text, PLAN)
    assert d.due is None
    assert d.text == text
    assert d.warning and repr(text) in d.warning


def test_month_without_year_and_no_plan_date_is_not_guessed():
    d = parse_deadline("From July", None)
    assert d.due is None and "no year" in d.warning


@pytest.mark.parametrize("text, parts", [
    ("April 2010 October 2010", [date(2010, 4, 30), date(2010, 10, 31)]),
    ("April 2010 and October 2010", [date(2010, 4, 30), date(2010, 10, 31)]),
    ("31/05/2010; Q3 2010/11", [date(2010, 5, 31), date(2010, 12, 31)]),
])
def test_two_dates_in_one_cell_become_milestones(text, parts):
    d = parse_deadline(text, PLAN)
    assert d.precision == "milestones"
    assert [p.due for p in d.parts] == parts
    assert d.due == parts[-1]


SEED_EXPECTED = {
    1: date(2010, 4, 30), 2: date(2010, 10, 31), 3: date(2010, 8, 31), 4: date(2010, 4, 30),
    5: None, 6: None, 7: date(2010, 7, 31), 8: date(2010, 5, 31), 9: date(2010, 5, 31),
    10: None, 11: None, 12: date(2010, 7, 31),
}


def test_every_seed_deadline_resolves():
    seed = seed_document()
    plan_date = date.fromisoformat(seed["plan"]["date"])
    got = {}
    for rec in seed["recommendations"]:
        d = parse_deadline(rec["deadline"], plan_date)
        assert d.warning is None, rec["deadline"]
        got[rec["number"]] = d.due
        for m in rec["milestones"]:
            assert parse_deadline(m["deadline"], plan_date).due is not None
    assert got == SEED_EXPECTED


def test_a_month_ends_on_its_calendar_last_day_in_every_year():
    """`month_end` against the standard library's calendar,
    leap years and the century rule included (1900 and 2100 are not leap years, 2000 is)."""
    import calendar

    from hsp_tui.domain.deadlines import month_end

    for year in range(1600, 2401):
        for month in range(1, 13):
            assert month_end(year, month) == date(year, month, calendar.monthrange(year, month)[1])
    for month in (0, 13):
        with pytest.raises(ValueError, match="month must be in 1..12"):
            month_end(2010, month)


def test_a_pattern_is_skipped_only_for_a_text_it_cannot_match():
    """A pattern is not tried (nor compiled) on a text without what it needs (issue 25: a note
    parses one deadline at start); on every form a plan holds, skipping changes no match. Texts:
    each of the patterns' own forms, cut into every contiguous piece of words."""
    from hsp_tui.domain.deadlines import _NEEDS, _RX, _clean, _fullmatch, _strip_lead

    forms = ["Q3 2010/11", "q4 fy 2010-11", "2010/11 Q1", "Q3 2010", "FY 2010-11", "financial year 2010/2011",
             "April – May 2010", "Nov 2010 to Jan 2011", "April until June", "March through May 2011",
             "Winter 2010/11", "Autumn 2010", "fall", "summer 2011", "Spring", "December 2013", "Sept, 2010",
             "2011 - 2012", "end of 2011", "31/03/2011", "1st June 2010", "June 3rd, 2011", "2010-11-05",
             "by the end of March 2011", "till October", "Oct 2010 - Q1 2011", "through", "q", "winter/2010"]
    texts = {_strip_lead(_clean(" ".join(words[i:j])))
             for words in (f.split() for f in forms) for i in range(len(words)) for j in range(i + 1, len(words) + 1)}
    for name in _NEEDS:
        for s in texts:
            expected = _RX[name].fullmatch(s)
            got = _fullmatch(name, s)
            assert (got and got.span()) == (expected and expected.span()), (name, s)
