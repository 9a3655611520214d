"""Small HTML builders: every text goes through `esc`, so no caller can put markup in by accident."""

from __future__ import annotations

import base64
import html
from collections.abc import Iterable, Sequence

STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 70em; color: #222; }
h1, h2, h3 { font-weight: 600; } h2 { border-bottom: 2px solid #ccc; padding-bottom: .2em; }
table { border-collapse: collapse; margin: .5em 0 1em; } caption { text-align: left; font-weight: 600; }
th, td { border: 1px solid #ccc; padding: .25em .6em; text-align: right; }
th:first-child, td:first-child { text-align: left; }
.role { display: inline-block; padding: .1em .5em; border-radius: .3em; background: #eee; }
.champion { background: #2e7d32; color: white; } .note { color: #555; font-style: italic; }
img { max-width: 100%; } .charts { display: flex; flex-wrap: wrap; gap: 1em; }
"""


def esc(value: object) -> str:
    return html.escape(str(value), quote=True)


def tag(name: str, text: object, cls: str | None = None) -> str:
    """An element holding escaped text."""
    attribute = f' class="{esc(cls)}"' if cls else ""
    return f"<{name}{attribute}>{esc(text)}</{name}>"


def image(png: bytes, alt: str) -> str:
    data = base64.b64encode(png).decode("ascii")
    return f'<img src="data:image/png;base64,{data}" alt="{esc(alt)}">'


def table(caption: str, header: Sequence[object], rows: Iterable[Sequence[object]]) -> str:
    head = "".join(tag("th", h) for h in header)
    body = "".join("<tr>" + "".join(tag("td", cell) for cell in row) + "</tr>" for row in rows)
    return f"<table>{tag('caption', caption)}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def definition_list(items: Iterable[tuple[str, object]]) -> str:
    return "<dl>" + "".join(tag("dt", k) + tag("dd", v) for k, v in items) + "</dl>"


def bullets(items: Iterable[object]) -> str:
    return "<ul>" + "".join(tag("li", item) for item in items) + "</ul>"


def page(title: str, body: Sequence[str]) -> str:
    """A whole document: inline style, no scripts, no external assets."""
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{esc(title)}</title><style>{STYLE}</style></head>\n<body>\n"
        + "\n".join(body)
        + "\n</body></html>\n"
    )
