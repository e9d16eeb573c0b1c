"""Issue 24 in the app: the detail pane lists an item's evidence, E opens the list (a text copy's
first lines, spelled out; any copy written to a file with the export dialog's checks, its hash
checked on the way), and the verify dialog says what the verdict rests on, which it records."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from hsp_tui.storage.store import Store

from conftest import fixed_clock
from tuikit import detail_text, plain, settled, until

MINUTES = (b"Minutes of the Executive Board, 28 May 2010\n\x1b[2J\x1b]0;pwned\x07The conference was held.\n"
           + b"".join(b"Item %d: discussed.\n" % k for k in range(1, 40)))
SCAN = bytes(range(256)) * 40


def with_evidence(plan_path: Path) -> dict[str, int]:
    """No. 1 with a text copy, a scan, a link and a withdrawn copy, done by bob; the entries' ids."""
    store = Store(plan_path, clock=fixed_clock)
    ids = {"minutes": store.attach_copy(1, "minutes.txt", MINUTES, by="bob", note="the minutes").entry.id,
           "scan": store.attach_copy(1, "scan.pdf", SCAN, by="bob").entry.id,
           "link": store.attach_link(1, "https://example.org/board/2010-05-28", by="bob").entry.id}
    wrong = store.attach_copy(1, "wrong.txt", b"not this one\n", by="bob").entry.id
    store.withdraw(1, wrong, reason="the wrong file", by="bob")
    store.set_status(1, "done", by="bob", note="conference held 28 May")
    return ids


def view(app) -> str:
    return plain(app.screen.query_one("#evidence-view"))


def error(app) -> str:
    return plain(app.screen.query_one("#evidence-error"))


async def open_evidence(pilot) -> None:
    app = pilot.app
    await settled(pilot)
    await pilot.press("E")
    await until(pilot, lambda: app.screen.query("#evidence-list"), "the evidence list")


async def test_the_detail_pane_lists_the_evidence_standing(make_app, plan_path):
    with_evidence(plan_path)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settled(pilot)
        text = detail_text(app)
        section = text[text.index("Evidence"):text.index("Recommendation\n")]
        assert f"minutes.txt · {len(MINUTES)} bytes · sha256 {hashlib.sha256(MINUTES).hexdigest()[:8]}" in section
        assert "scan.pdf · 10 KB" in section and "link https://example.org/board/2010-05-28" in section
        assert "wrong.txt" not in section and "1 attachment withdrawn" in section
        assert "E lists it" in section


async def test_enter_shows_a_text_copys_first_lines_spelled_out_and_a_link_never_fetched(make_app, plan_path):
    with_evidence(plan_path)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_evidence(pilot)
        listed = app.screen.query_one("#evidence-list")
        assert listed.option_count == 4  # the withdrawn one too, marked
        assert "(withdrawn)" in str(listed.get_option_at_index(3).prompt)
        assert hashlib.sha256(MINUTES).hexdigest() in view(app)  # the highlighted one's whole hash
        await pilot.press("enter")
        await until(pilot, lambda: "first lines" in view(app), "the first lines")
        shown = view(app)
        assert "Minutes of the Executive Board, 28 May 2010" in shown
        assert "\x1b" not in shown and "\x07" not in shown and "\\x1b[2J" in shown  # control spelled out
        assert "Item 9: discussed." in shown and "Item 11: discussed." not in shown and "more lines" in shown
        await pilot.press("down", "down", "enter")
        await until(pilot, lambda: "never fetched" in view(app), "the link")
        assert "https://example.org/board/2010-05-28" in view(app)


async def test_a_copy_is_written_to_a_file_with_the_export_checks_and_its_hash_checked(make_app, plan_path,
                                                                                      tmp_path, monkeypatch):
    with_evidence(plan_path)
    out = tmp_path / "out"
    out.mkdir()
    monkeypatch.chdir(out)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_evidence(pilot)
        await pilot.press("down", "enter")  # the scan: not text, so where to write it
        box = app.screen.query_one("#evidence-path")
        await until(pilot, lambda: box.display and box.has_focus, "the path box")
        assert box.value == "./scan.pdf"
        await pilot.press("enter")
        await until(pilot, lambda: "Wrote #" in view(app), "the copy written")
        assert (out / "scan.pdf").read_bytes() == SCAN
        # An existing file is replaced only on a second Enter; the plan's own file never.
        await pilot.press("w")
        await until(pilot, lambda: box.display, "the path box again")
        await pilot.press("enter")
        await until(pilot, lambda: "press Enter again" in error(app), "the second Enter asked for")
        box.value = str(plan_path)
        await pilot.press("enter")
        await until(pilot, lambda: "the plan file itself" in error(app), "the plan refused")
        assert plan_path.read_bytes()[:1] == b"{"
        # A copy changed behind the plan's back is refused and said, never written.
        copy = plan_path.with_name(plan_path.name + ".evidence") / hashlib.sha256(SCAN).hexdigest()
        os.chmod(copy, 0o600)
        copy.write_bytes(SCAN[:-1] + b"!")
        box.value = "./tampered.pdf"
        await pilot.press("enter")
        await until(pilot, lambda: "does not match its SHA-256" in error(app), "the tampered copy refused")
        assert not (out / "tampered.pdf").exists()


async def test_the_verify_dialog_says_what_the_verdict_rests_on_and_the_verdict_records_it(make_app, plan_path):
    ids = with_evidence(plan_path)
    app = make_app(user="carol")
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(pilot)
        await pilot.press("v")
        await until(pilot, lambda: app.screen.query("#verify-evidence"), "the verify dialog")
        said = plain(app.screen.query_one("#verify-evidence"))
        assert said.startswith("What the verdict rests on")
        assert f"#{ids['minutes']} minutes.txt · {len(MINUTES)} bytes · sha256 {hashlib.sha256(MINUTES).hexdigest()[:8]}" in said
        assert f"#{ids['scan']} scan.pdf · 10 KB · sha256 {hashlib.sha256(SCAN).hexdigest()[:8]}" in said
        assert "link https://example.org/board/2010-05-28" in said and "wrong.txt" not in said
        for button in ("#verify-accept", "#verify-reject"):  # still in sight at 80x24
            region = app.screen.query_one(button).region
            assert region.bottom <= app.size.height and app.screen.get_widget_at(*region.offset)[0].id == button[1:]
        app.screen.query_one("#verify-note").value = "minutes and agenda seen"
        await pilot.press("tab", "enter")
        await settled(pilot)
    verdict = Store(plan_path).load().get(1).history[-1]
    assert verdict.action == "verify"
    assert verdict.evidence == (hashlib.sha256(MINUTES).hexdigest(), hashlib.sha256(SCAN).hexdigest(),
                                "https://example.org/board/2010-05-28")


async def test_an_item_without_evidence_says_so(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_evidence(pilot)
        assert "No evidence attached" in str(app.screen.query_one("#evidence-list").get_option_at_index(0).prompt)
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is app.main, "the main screen")
        assert "Evidence" not in detail_text(app)
