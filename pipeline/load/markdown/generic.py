"""The `generic` target: plain Markdown with YAML front matter that reads back to the record."""

from __future__ import annotations

from typing import Any

from pipeline.load.markdown import Target, register_target
from pipeline.load.markdown.yamlfm import front_matter_document
from pipeline.record import ARTICLE, RawDocument, Record

# Record keys in contract order; the answer is the page body and so not in the front matter.
_ARTICLE_KEYS = ("id", "slug", "url", "title", "question", "answer", "subject", "author", "date",
                 "seo", "related", "score", "body", "extra", "source")


@register_target
class GenericTarget(Target):
    """Every record field in the front matter, the answer as the body."""

    name = "generic"
    description = "plain Markdown + YAML front matter; reads back to the same records"
    pure = True

    def page_path(self, record: Record) -> str:
        """Articles by slug; generic documents keep their relative input path."""
        if record.shape == ARTICLE:
            return f"{record.data['slug']}.md"
        return record.path

    def render(self, record: Record) -> str:
        """Front matter plus body."""
        data = record.data
        if record.shape != ARTICLE:
            return front_matter_document(data["front_matter"], data["body"])
        answer = data["answer"]
        front = {k: v for k, v in data.items() if k != "answer"}
        # The body cannot carry a null answer, a CR (readers normalise CRLF) or a NUL (files
        # with NUL bytes read as binary); such an answer goes into the front matter, where
        # YAML escapes keep it exact, and the reader prefers it there.
        if answer is None or "\r" in answer or "\x00" in answer:
            front = {k: (answer if k == "answer" else data[k]) for k in _ARTICLE_KEYS}
        return front_matter_document(front, (answer or "").replace("\x00", "") + "\n")

    def read(self, raw: RawDocument, shape: str) -> dict[str, Any]:
        """Invert `render` (a generic page's source is the page itself)."""
        front_matter, body = raw.front_matter or {}, raw.body
        if shape != ARTICLE:
            return {"front_matter": front_matter, "body": body,
                    "source": {"path": raw.path, "sha256": raw.sha256}}
        if "answer" in front_matter:
            answer = front_matter["answer"]
        else:
            answer = body[:-1] if body.endswith("\n") else body
        return {k: (answer if k == "answer" else front_matter.get(k)) for k in _ARTICLE_KEYS}
