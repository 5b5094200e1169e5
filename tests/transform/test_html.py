"""HTML fields to Markdown: the rendering check (Python-Markdown renders the converted Markdown to
the same text, links and images as the source HTML) over hand-written legacy HTML, the site
samples' HTML answers and Hypothesis-built documents; `auto` detection; the profile switch."""

from __future__ import annotations

import html as html_lib
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from pipeline.record import Record
from pipeline.samples import generate
from pipeline.transform import process_bytes
from pipeline.transform.escapes import decode_escapes
from pipeline.transform.html import check, content, looks_like_html, to_markdown
from pipeline.transform.profile import load_profile, parse_profile
from tests.conftest import FIXTURES

HAND_WRITTEN = sorted((FIXTURES / "html").glob("*.html"))


def _site_answers(n: int) -> list[tuple[str, str]]:
    """(file name, answer) of the site samples whose answer is HTML."""
    out = []
    for name, data in generate(n, 3, 300000, site=True):
        text = data.decode("utf-8-sig").replace("\r\n", "\n")
        front = yaml.safe_load(text.split("\n---", 1)[0].removeprefix("---"))
        answer = decode_escapes(front["answer"])
        if looks_like_html(answer):
            out.append((name, answer))
    return out


@pytest.mark.parametrize("path", HAND_WRITTEN, ids=lambda p: p.name)
def test_hand_written_legacy_html_renders_the_same(path: Path) -> None:
    source = path.read_text(encoding="utf-8")
    converted = to_markdown(source)
    assert check(source, converted) == []
    # Clean: no &nbsp; padding, no HTML wrappers left, no run of blank lines.
    assert "&nbsp;" not in converted and "\xa0" not in converted
    assert "<div" not in converted and "<span" not in converted and "<p>" not in converted
    assert "\n\n\n" not in converted


def test_structure_is_kept() -> None:
    by_name = {p.name: to_markdown(p.read_text(encoding="utf-8")) for p in HAND_WRITTEN}
    post = by_name["01_wordpress_post.html"]
    assert "## Why it matters" in post
    assert "- First point" in post and "\n    - Nested detail" in post  # nested: four spaces
    assert "![Network diagram](/wp-content/uploads/2021/03/diagram.png)" in post
    assert "[the TCP page](/learn/computer-science/questions/what-is-tcp)" in post
    table = by_name["02_table.html"]
    assert "| Protocol | Layer | Reliable? |" in table.replace("  ", " ")
    assert "Yes \\| ordered" in table  # a `|` in a cell is escaped
    code = by_name["03_code.html"]
    assert "```python\ndef area(r):\n    # pi * r ** 2\n" in code
    ordered = by_name["04_ordered_nested.html"]
    assert "1. **Architecture**" in ordered and "\n    1. Clients are devices." in ordered
    assert "5 \\* 3" in ordered and "2\\_000" in ordered  # text that is not emphasis stays text


def test_site_sample_answers_render_the_same() -> None:
    answers = _site_answers(120)
    assert len(answers) >= 70  # two answers in three are HTML
    for name, answer in answers:
        assert check(answer, to_markdown(answer)) == [], name


def test_the_check_finds_what_a_conversion_loses() -> None:
    source = ('<p>Read <a href="/a">this</a> and <img src="/i.png" alt="pic"> '
              "and 5 * 3 is <em>fifteen</em>.</p>")
    good = to_markdown(source)
    assert check(source, good) == []
    assert any("links" in p for p in check(source, good.replace("(/a)", "(/b)")))
    assert any("images" in p for p in check(source, good.replace("![pic](/i.png)", "")))
    assert any("text" in p for p in check(source, good.replace("fifteen", "sixteen")))
    # An unescaped `*` pair would become emphasis: the words survive, but not the `*`.
    assert any("text" in p for p in check("<p>a *b* c</p>", "a *b* c"))


@pytest.mark.parametrize(("text", "is_html"), [
    ("<p>An answer</p>", True),
    ("  <div class='x'>An answer", True),
    ("First line</p><p>second</p>", True),
    ("Markdown with an inline <img src='/a.png'> image", False),
    ("# Heading\n\nA paragraph.</p>", False),
    ("x < y and y > z", False),
    ("#include <stdio.h>", False),
    ("plain text", False),
])
def test_auto_detection(text: str, is_html: bool) -> None:
    assert looks_like_html(text) is is_html


# ------------------------------------------------------------------------------------------
# Hypothesis: documents built from the elements legacy exports hold.
# ------------------------------------------------------------------------------------------

_WORD = st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789éü東*_#|<>&[]()!`~+-.:\\\"'",
                min_size=1, max_size=8)
_TEXT = st.lists(_WORD, min_size=1, max_size=6).map(" ".join)
_URL = st.sampled_from(["/learn/a/questions/b", "https://example.org/x?y=1", "/files/a.pdf",
                        "../up/page", "page-2", "/learn/a/questions/c#part"])


@st.composite
def _inline(draw: st.DrawFn) -> str:
    kind = draw(st.sampled_from(["text", "strong", "em", "code", "link", "image", "nbsp"]))
    text = html_lib.escape(draw(_TEXT), quote=False)
    if kind == "strong":
        return f"<strong>{text}</strong>"
    if kind == "em":
        return f"<em>{text}</em>"
    if kind == "code":
        return f"<code>{text.replace('`', '')}</code>"
    if kind == "link":
        return f'<a href="{draw(_URL)}">{text}</a>'
    if kind == "image":
        # (html-to-markdown leaves a backtick in alt text unescaped, where it would open a
        # code span: a known limitation, rare in alt text, left out here.)
        alt = html_lib.escape(draw(_TEXT).translate(str.maketrans("", "", "[]`")), quote=True)
        return f'<img src="/images/{draw(st.sampled_from(["a.png", "b c.png", "d.jpg"]))}" ' \
               f'alt="{alt}">'
    if kind == "nbsp":
        return "&nbsp;"
    return text


_INLINES = st.lists(_inline(), min_size=1, max_size=4).map(" ".join)


@st.composite
def _list(draw: st.DrawFn, depth: int = 0) -> str:
    tag = draw(st.sampled_from(["ul", "ol"]))
    items = []
    for _ in range(draw(st.integers(1, 3))):
        inner = draw(_INLINES)
        if depth < 2 and draw(st.booleans()):
            # (An item holding only `&nbsp;` and a nested list has no Markdown form every
            # renderer reads alike: such items start with a word here.)
            inner = html_lib.escape(draw(_WORD), quote=False) + " " + inner + \
                draw(_list(depth + 1))
        items.append(f"<li>{inner}</li>")
    return f"<{tag}>{''.join(items)}</{tag}>"


@st.composite
def _block(draw: st.DrawFn) -> str:
    kind = draw(st.sampled_from(["p", "h", "list", "table", "pre", "empty", "quote"]))
    if kind == "p":
        return f"<p>{draw(_INLINES)}</p>"
    if kind == "h":
        level = draw(st.integers(1, 6))
        return f"<h{level}>{html_lib.escape(draw(_TEXT), quote=False)}</h{level}>"
    if kind == "list":
        return draw(_list())
    if kind == "table":
        cols = draw(st.integers(1, 3))
        cell = _TEXT.map(lambda t: html_lib.escape(t, quote=False))
        head = "".join(f"<th>{draw(cell)}</th>" for _ in range(cols))
        rows = "".join("<tr>" + "".join(f"<td>{draw(cell)}</td>" for _ in range(cols)) + "</tr>"
                       for _ in range(draw(st.integers(1, 3))))
        return f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"
    if kind == "pre":
        code = "\n".join(draw(st.lists(_TEXT, min_size=1, max_size=3)))
        return f"<pre><code>{html_lib.escape(code.replace('`', ''), quote=False)}</code></pre>"
    if kind == "quote":
        return f"<blockquote><p>{draw(_INLINES)}</p></blockquote>"
    return "<p>&nbsp;</p><div><span></span></div>"


_DOCUMENTS = st.lists(_block(), min_size=1, max_size=6).map(lambda blocks: '<div class="post">'
                                                            + "\n".join(blocks) + "</div>")


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_DOCUMENTS)
@example('<div class="post"><p>0</p>\n<p>: 0</p></div>')  # (a definition list otherwise)
@example('<ul><li><p>term</p><p>: not a definition</p></li></ul>')
def test_generated_documents_render_the_same(document: str) -> None:
    converted = to_markdown(document)
    assert check(document, converted) == [], converted
    words, _, _ = content(document)
    assert "\xa0" not in converted


# ------------------------------------------------------------------------------------------
# The profile switch.
# ------------------------------------------------------------------------------------------

_DOC = """---
id: 7
url: /learn/x/questions/y
title: A title
answer: >-
    {answer}
---

{body}
"""


def _record(answer: str, body: str, profile_text: str | None = None) -> Record:
    profile = load_profile("default") if profile_text is None else \
        parse_profile(profile_text, "test.yaml")
    outcome = process_bytes(_DOC.format(answer=answer, body=body).encode(), "a.md", profile)
    assert isinstance(outcome, Record), outcome
    return outcome


def test_default_profile_converts_html_answers_and_bodies_only() -> None:
    record = _record("<p>An <strong>HTML</strong> answer with <a href=\\\"/z\\\">a link</a>.</p>",
                     "<div><p>Body &amp; more</p></div>")
    assert record.data["answer"] == "An **HTML** answer with [a link](/z)."
    assert record.data["body"] == "Body & more"
    assert record.warnings == ()
    markdown = _record("A *Markdown* answer with an inline <img src=\\\"/a.png\\\"> image", "")
    assert markdown.data["answer"] == "A *Markdown* answer with an inline <img src=\"/a.png\"> image"


def test_html_true_converts_every_value() -> None:
    profile = yaml.safe_load((FIXTURES.parent.parent / "schemas" / "profiles" /
                              "default.yaml").read_text(encoding="utf-8"))
    profile["fields"]["title"]["html"] = True
    profile["name"] = "html-titles"
    record = _record("plain", "", yaml.safe_dump(profile))
    assert record.data["title"] == "A title"
    profile["fields"]["title"]["from"] = "answer"
    record = _record("5 * 3 &amp; more", "", yaml.safe_dump(profile))
    assert record.data["title"] == "5 \\* 3 & more"


def test_profile_schema_refuses_another_html_value() -> None:
    from pipeline.errors import ConfigError

    profile = yaml.safe_load((FIXTURES.parent.parent / "schemas" / "profiles" /
                              "default.yaml").read_text(encoding="utf-8"))
    profile["fields"]["answer"]["html"] = "sometimes"
    with pytest.raises(ConfigError) as raised:
        parse_profile(yaml.safe_dump(profile), "bad.yaml")
    assert "fields.answer.html" in str(raised.value.field)
