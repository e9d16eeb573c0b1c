"""Floor app: the least a Textual app can do to show a plan file's first screen of rows.

Reads the same TinyDB JSON file with the standard `json` module and puts one screenful of rows
into a plain DataTable. Nothing else: no review, no deadlines, no filtering. Usage:
    python benchmarks/floor_app.py PLAN.json
"""

import json
import sys
from itertools import islice

from textual.app import App, ComposeResult
from textual.widgets import DataTable


def row(doc: dict) -> tuple:
    return (str(doc["number"]), doc["ref"], doc["recommendation"].split(". ")[0][:60], doc["owner"],
            doc["deadline"], doc["status"])


class FloorApp(App):
    def __init__(self, path: str) -> None:
        super().__init__()
        self.path = path

    def compose(self) -> ComposeResult:
        yield DataTable(cursor_type="row")

    def rows_to_show(self, docs) -> list[tuple]:
        """One screenful."""
        return [row(d) for d in islice(docs, self.size.height)]

    def on_mount(self) -> None:
        with open(self.path, "rb") as fh:
            recs = json.load(fh)["recommendations"]
        table = self.query_one(DataTable)
        table.add_columns("No.", "Ref", "Recommendation", "Owner", "Deadline", "Status")
        table.add_rows(self.rows_to_show(recs.values()))


if __name__ == "__main__":
    FloorApp(sys.argv[1]).run()
