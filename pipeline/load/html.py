"""Opt-in `answer_html`: the Markdown answer rendered as an HTML fragment.

Written beside `answer` (never instead of it) by the jsonl, csv and parquet writers when
`WriteOptions.html` is set; every reader drops it, because it is derived from `answer` and the
round trips compare canonical records.

The HTML is what Python-Markdown makes of the answer with `extra` (tables, fenced code,
footnotes, attribute lists, ...) and `sane_lists` (a numbered list does not swallow a bullet
list that follows it). It is not sanitised: raw HTML in an answer passes through, as Markdown
specifies. Run it through a sanitiser before serving answers from an untrusted source.
"""

from __future__ import annotations

from typing import Any

#: Python-Markdown extensions, in the order they are loaded (the order is part of the output).
EXTENSIONS: tuple[str, ...] = ("extra", "sane_lists")
FIELD = "answer_html"


def answer_html(markdown_text: str) -> str:
    """Render a Markdown answer as an HTML fragment (same text in, same bytes out)."""
    # A fresh converter per call: Markdown instances keep state between documents (footnotes,
    # abbreviations, the raw-HTML stash), and ~1 ms per answer is cheap next to the I/O.
    import markdown  # (imported where needed: only --html runs render)

    converter = markdown.Markdown(extensions=list(EXTENSIONS), output_format="html")
    return converter.convert(markdown_text)


def maybe_answer_html(answer: str | None) -> str | None:
    """Render an answer that may be null; null stays null."""
    return None if answer is None else answer_html(answer)


def with_answer_html(data: dict[str, Any]) -> dict[str, Any]:
    """Return a copy of an article record's data with `answer_html` right after `answer`."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        out[key] = value
        if key == "answer":
            out[FIELD] = maybe_answer_html(value)
    return out
