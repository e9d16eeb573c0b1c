"""Floor app: the least a Textual app can do to show a plan file's first screen of rows.

Reads the same TinyDB JSON file with the standard `json` module and puts one screenful of rows
into a plain DataTable. Nothing else: no review, no deadlines, no filtering. Usage:
    python benchmarks/floor_app.py PLAN.json
"""

import json
import sys

from textual.app import App, ComposeResult
from textual.widgets import DataTable


class FloorApp(App):
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
        rows = []
        for doc in recs.values():
            if len(rows) >= self.size.height:
                break
            title = doc["recommendation"].split(". ")[0][:60]
            rows.append((str(doc["number"]), doc["ref"], title, doc["owner"], doc["deadline"], doc["status"]))
        table.add_rows(rows)


if __name__ == "__main__":
    FloorApp(sys.argv[1]).run()
