"""The app's detail says how often the owner was reminded about an item, and when first and last."""

from __future__ import annotations

from tuikit import detail_text, settled


async def test_the_detail_says_reminded_twice_last_on_the_day(make_app, store):
    store.record_reminder(1, ("ace@haringey.example",), "Assistant Chief Executive", by="pmo")
    store.record_reminder(1, ("ace@haringey.example",), "Assistant Chief Executive", by="pmo")
    app = make_app()
    async with app.run_test(size=(140, 40)) as pilot:
        await settled(pilot)
        text = detail_text(app)
        assert "Reminders: reminded 2 times, first 1 Jun 2010, last 1 Jun 2010" in text
        assert "reminder sent to ace@haringey.example" in text
        await pilot.press("j")
        await settled(pilot)
        assert "Reminders:" not in detail_text(app)
