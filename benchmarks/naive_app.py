"""Naive app: reads the plan file and puts EVERY row into a DataTable before the first screen.

What a straightforward Textual app does; the real app must be faster than this. Usage:
    python benchmarks/naive_app.py PLAN.json
"""

import json
import sys

from textual.app import App, ComposeResult
from textual.widgets import DataTable


class NaiveApp(App):
    def __init__(self, path: str) -> None:
        super().__init__()
        self.path = path

    def compose(self) -> ComposeResult:
        yield DataTable(cursor_type="row")

    def on_mount(self) -> None:
        with open(self.path, "rb") as fh:
            recs = json.load(fh)["recommendations"]
        table = self.query_one(DataTable)
        table.add_columns("No.", "Ref", "Recommendation", "Owner", "Deadline", "Status")
        table.add_rows(
            (str(d["number"]), d["ref"], d["recommendation"].split(". ")[0][:60], d["owner"], d["deadline"],
             d["status"])
            for d in recs.values()
        )


if __name__ == "__main__":
    NaiveApp(sys.argv[1]).run()
