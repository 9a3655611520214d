"""The API as `pointflow serve` runs it, on a database and port given on the command line (a child process).

Usage: python -m bench.serve DATABASE_URL PORT
"""

from __future__ import annotations

import sys

from bench.databases import open_container
from pointflow.entrypoints.api.server import serve


def main(argv: list[str]) -> None:
    url, port = argv[1], int(argv[2])
    container = open_container(url)
    try:
        serve(container, host="127.0.0.1", port=port)
    finally:
        container.close()


if __name__ == "__main__":
    main(sys.argv)
