"""Naive app: reads the plan file and puts EVERY row into a DataTable before the first screen.

What a straightforward Textual app does; the real app must be faster than this. The same as the
floor app but for how many rows it adds. Usage:
    python benchmarks/naive_app.py PLAN.json
"""

import sys

from floor_app import FloorApp, row


class NaiveApp(FloorApp):
    def rows_to_show(self, docs) -> list[tuple]:
        """Every row."""
        return [row(d) for d in docs]


if __name__ == "__main__":
    NaiveApp(sys.argv[1]).run()
