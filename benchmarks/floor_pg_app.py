"""Floor app for a plan on a server: the least a Textual app can do to show its first screen of rows.

Connects with psycopg, reads one screenful of items of the plan with one SELECT, and puts them into a
plain DataTable. Nothing else. Usage:
    python benchmarks/floor_pg_app.py URL PLAN
"""

import sys

import psycopg
from textual.app import App, ComposeResult
from textual.widgets import DataTable


class FloorApp(App):
    def __init__(self, url: str, plan: str) -> None:
        super().__init__()
        self.url, self.plan = url, plan

    def compose(self) -> ComposeResult:
        yield DataTable(cursor_type="row")

    def on_mount(self) -> None:
        with psycopg.connect(self.url) as conn:
            rows = conn.execute(
                "SELECT i.number::text, i.ref, split_part(i.recommendation, '. ', 1), i.owner, i.deadline, i.status "
                "FROM hsp.item i JOIN hsp.plan p ON p.id = i.plan_id WHERE p.name = %s ORDER BY i.number LIMIT %s",
                [self.plan, self.size.height]).fetchall()
        table = self.query_one(DataTable)
        table.add_columns("No.", "Ref", "Recommendation", "Owner", "Deadline", "Status")
        table.add_rows([(n, r, t[:60], o, d, s) for n, r, t, o, d, s in rows])


if __name__ == "__main__":
    FloorApp(sys.argv[1], sys.argv[2]).run()
