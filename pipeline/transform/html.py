"""HTML fields made into clean Markdown, and the rendering check that proves nothing was lost.

A profile marks a field (or the body) `html: true` (always HTML) or `html: auto` (converted
when the text holds an HTML tag, see `looks_like_html`). The converter is html-to-markdown
(the Rust `html-to-markdown` package, see the README for the comparison with markdownify and
html2text), set up for what Python-Markdown, Hugo's goldmark and Jekyll's kramdown all read the
same way: ATX headings, `-` bullets, nested lists indented by four spaces, fenced code blocks,
`*` and `_` escaped in text, `|` escaped in table cells, `&nbsp;` padding and empty wrappers
dropped.

`check` is the rendering check: the converted Markdown, rendered by Python-Markdown (the
extensions of pipeline.load.html), must have the same text content (words, in order), the same
links (href, in order) and the same images (src and alt, in order) as the source HTML. A run
checks every field it converts and warns, naming the field, where the check fails.
"""

from __future__ import annotations

import re
from functools import lru_cache
from html.parser import HTMLParser
from typing import Any
from urllib.parse import unquote

#: An HTML element a legacy export's text may hold (`auto` converts text holding one).
_TAG = re.compile(
    r"</?(?:p|div|span|br|hr|ul|ol|li|dl|dt|dd|a|img|table|thead|tbody|tfoot|tr|td|th|"
    r"h[1-6]|strong|em|b|i|u|s|del|ins|sub|sup|pre|code|blockquote|figure|figcaption|"
    r"section|article|header|footer|small|mark|abbr|cite|q|kbd|samp|var)(?:\s[^<>]*)?/?>",
    re.IGNORECASE)
_BLOCK_END = re.compile(r"</(?:p|div|li|ul|ol|table|tr|h[1-6]|blockquote|pre)\s*>", re.IGNORECASE)
_MARKDOWN_BLOCK = re.compile(r"^ {0,3}(?:#{1,6} |[-*+] |\d{1,9}[.)] |```|~~~)", re.MULTILINE)
#: Blank lines left by dropped wrappers.
_BLANK_RUNS = re.compile(r"\n{3,}")
_TRAILING = re.compile(r"^[ \t]+$", re.MULTILINE)  # (a line's two final spaces are a <br>)
#: Inline elements with no Markdown syntax common to the renderers.
PRESERVED = ("sub", "sup", "del", "s", "ins", "u", "mark", "kbd", "samp", "var", "small", "q",
             "abbr", "cite")
#: Elements whose boundaries separate words (inline ones do not: `mc<sup>2</sup>` is `mc2`).
_BLOCKS = frozenset({"p", "div", "br", "hr", "ul", "ol", "li", "dl", "dt", "dd", "table",
                     "thead", "tbody", "tfoot", "tr", "td", "th", "h1", "h2", "h3", "h4", "h5",
                     "h6", "pre", "blockquote", "figure", "figcaption", "section", "article",
                     "header", "footer", "img"})


def looks_like_html(text: str) -> bool:
    """True when `text` is HTML (what `html: auto` converts): it starts with an HTML tag, or
    closes a block element (`</p>`, `</li>`, ...) and has no Markdown block syntax (headings,
    list items, fences). Markdown with some inline HTML (an `<img>`, a `<br>`) stays as it is."""
    if "<" not in text:
        return False
    start = _TAG.match(text.lstrip())
    if start is not None:
        return True
    return _BLOCK_END.search(text) is not None and _MARKDOWN_BLOCK.search(text) is None


@lru_cache(maxsize=1)
def _options() -> Any:
    """The converter's options (built once per process)."""
    import html_to_markdown  # (imported where needed: only runs with HTML fields convert)

    return html_to_markdown.ConversionOptions(
        heading_style="atx", bullets="-", list_indent_width=4, strong_em_symbol="*",
        escape_asterisks=True, escape_underscores=True, escape_misc=True, autolinks=False,
        code_block_style="backticks", whitespace_mode="normalized", extract_metadata=False,
        wrap=False, newline_style="spaces", br_in_tables=False, compact_tables=True,
        # No Markdown for these in Python-Markdown or kramdown: kept as inline HTML, which all
        # three renderers pass through.
        preserve_tags=list(PRESERVED))


def to_markdown(html: str) -> str:
    """Convert an HTML fragment to Markdown (same text in, same text out)."""
    import html_to_markdown

    result = html_to_markdown.convert(html, _options())
    content = getattr(result, "content", result)
    text = content if isinstance(content, str) else ""
    text = _TRAILING.sub("", text.replace("\r\n", "\n").replace("\xa0", " "))
    text = _outside_fences(text, lambda part: _DEFINITION.sub(
        r"\1&#58;", _ANGLED.sub(_unangle, _list_items(part))))
    return _unescape(_BLANK_RUNS.sub("\n\n", text).strip("\n"))


#: A line starting with `:` and a space: a definition in Python-Markdown (def_list), kramdown
#: and Hugo's Goldmark, which would swallow the colon. Written as an entity instead.
_DEFINITION = re.compile(r"^([ \t]*):(?=[ \t])", re.MULTILINE)
#: A link destination in angle brackets (one with spaces or parentheses): CommonMark's, not
#: Python-Markdown's. Written with those characters percent-encoded instead.
_ANGLED = re.compile(r"\]\(<([^<>\n]*)>")


def _unangle(match: re.Match[str]) -> str:
    """`](<a b>` as `](a%20b`."""
    dest = match.group(1).replace(" ", "%20").replace("(", "%28").replace(")", "%29")
    return f"]({dest}"


_FENCED = re.compile(r"^ {0,3}(```+|~~~+)[^\n]*\n.*?(?:^ {0,3}\1[ \t]*$|\Z)",
                     re.MULTILINE | re.DOTALL)
#: A list item with nothing in it (an empty `<li>`, or one holding only `&nbsp;`).
_EMPTY_ITEM = re.compile(r"([ ]*)(?:[-+*]|\d{1,9}[.)])[ \t]*")
_ANY_ITEM = re.compile(r"([ ]*)(?:[-+*]|\d{1,9}[.)])(?=[ \t]|$)")
_PAREN_ITEM = re.compile(r"([ ]*)(\d{1,9})\)(?=[ \t]|$)")


def _list_items(text: str) -> str:
    """List items every renderer reads alike: an empty item holds `&nbsp;`, `1)` items (a new
    list right after another) are `1.` items after an HTML comment."""
    if not _EMPTY_ITEM.search(text) and not _PAREN_ITEM.search(text):
        return text
    lines = text.split("\n")
    out: list[str] = []
    in_paren_list = False
    for line in lines:
        paren = _PAREN_ITEM.match(line)
        if paren is not None:
            # `1)` items: CommonMark's way to start a new list right after another, which
            # Python-Markdown does not read: `1.` items after an HTML comment instead.
            if not in_paren_list:
                out.extend(["<!-- -->", ""])
            in_paren_list = True
            line = f"{paren.group(1)}{paren.group(2)}.{line[paren.end():]}"
        elif line.strip() and not line.startswith(" "):
            in_paren_list = False
        marker = _ANY_ITEM.match(line)
        if marker is not None and out and out[-1].strip() and \
                len(out[-1]) - len(out[-1].lstrip(" ")) > len(marker.group(1)) and \
                any(not o.strip() for o in out[-8:]):
            # Back to an outer list after a loose nested one: Python-Markdown would take the
            # item for the nested one's text without a blank line.
            out.append("")
        if _EMPTY_ITEM.fullmatch(line):
            # A marker with nothing after it starts no item in Python-Markdown: the item keeps
            # a no-break space, as the source had (its text content is the same: none).
            line = line.rstrip() + " &nbsp;"
        out.append(line)
    return "\n".join(out)


def _outside_fences(text: str, change: Any) -> str:
    """Apply `change` to the text outside fenced code blocks."""
    out, at = [], 0
    for fence in _FENCED.finditer(text):
        out.append(change(text[at:fence.start()]))
        out.append(fence.group(0))
        at = fence.end()
    out.append(change(text[at:] + "\n")[:-1] if not text.endswith("\n") else
               change(text[at:]))
    return "".join(out)


#: Left to right: a backslash escape, a fenced code block, a code span (where a backslash is
#: text). An escaped backtick starts no code span.
_TOKENS = re.compile(r"\\(.)|^ {0,3}(```+|~~~+)[^\n]*\n.*?(?:^ {0,3}\2[ \t]*$|\Z)"
                     r"|(`+)(?!`).+?(?<!`)\3(?!`)", re.MULTILINE | re.DOTALL)
#: Escapes the converter writes (escape_misc) that only matter where a line starts a block:
#: `1\.` (an ordered list), `\-` and `\+` (a bullet, a rule, a setext underline), `\=`; and
#: those Python-Markdown does not read as escapes (`\&`, `\<`, `\~`), written as entities
#: where the character would mean something, else as themselves.
_NEEDLESS = ".+=&<~-"
_BLOCK_START = re.compile(r"^[ \t]*(?:(?:[-+*]|\d{1,9}[.)]|>)[ \t]*)*(?:\d+|[-+=])?$")
_ENTITY_LIKE = re.compile(r"&(?:[A-Za-z][A-Za-z0-9]*|#[0-9]+|#[xX][0-9A-Fa-f]+);")


def _unescape(text: str) -> str:
    """Drop the escapes Markdown does not need (or Python-Markdown does not read), outside
    code."""
    def token(match: re.Match[str]) -> str:
        char = match.group(1)
        if char is None or char not in _NEEDLESS:
            return match.group(0)
        at = match.start()
        if char == "<":
            return "&lt;"
        if char == "&":
            return "&amp;" if _ENTITY_LIKE.match(text, at + 1) else "&"
        if char == "~":
            near = text[at - 1:at] + text[at + 2:at + 3]
            return "&#126;" if "~" in near else "~"
        before = text[text.rfind("\n", 0, at) + 1:at]
        if not _BLOCK_START.match(before):
            return char
        return "&#61;" if char == "=" else match.group(0)

    return _TOKENS.sub(token, text) if "\\" in text else text


# ------------------------------------------------------------------------------------------
# The rendering check.
# ------------------------------------------------------------------------------------------


class _Content(HTMLParser):
    """Collect an HTML fragment's words, links and images."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.chunks: list[str] = []
        self.links: list[str] = []
        self.images: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """A block's boundary separates words; links and images are noted."""
        if tag in _BLOCKS:
            self.chunks.append(" ")
        values = dict(attrs)
        if tag == "a" and values.get("href") is not None:
            self.links.append(unquote(str(values["href"]).strip()))
        elif tag == "img" and values.get("src") is not None:
            self.images.append((unquote(str(values["src"]).strip()), " ".join(
                str(values.get("alt") or "").split())))

    def handle_endtag(self, tag: str) -> None:
        """A block's boundary separates words."""
        if tag in _BLOCKS:
            self.chunks.append(" ")

    def handle_data(self, data: str) -> None:
        """Text, entities already decoded."""
        self.chunks.append(data)


def content(html: str) -> tuple[list[str], list[str], list[tuple[str, str]]]:
    """(words, link hrefs, image (src, alt)) of an HTML fragment, in document order (URLs
    percent-decoded: `b c.png` and `b%20c.png` are one URL)."""
    parser = _Content()
    parser.feed(html)
    parser.close()
    words = "".join(parser.chunks).replace("\xa0", " ").split()
    return words, parser.links, parser.images


def render(markdown_text: str) -> str:
    """Python-Markdown's HTML for a Markdown text (the extensions of pipeline.load.html)."""
    from pipeline.load.html import answer_html

    return answer_html(markdown_text)


def check(html: str, markdown_text: str) -> list[str]:
    """What the Markdown loses or changes against the source HTML, once rendered: [] when
    the text content, the links and the images are the same."""
    words, links, images = content(html)
    got_words, got_links, got_images = content(render(markdown_text))
    problems = []
    if got_words != words:
        at = next((i for i, (a, b) in enumerate(zip(words, got_words)) if a != b),
                  min(len(words), len(got_words)))
        problems.append(f"text differs at word {at + 1}: "
                        f"{' '.join(words[at:at + 4])!r} became "
                        f"{' '.join(got_words[at:at + 4])!r}")
    if got_links != links:
        problems.append(f"links differ: {links[:3]!r}... became {got_links[:3]!r}...")
    if got_images != images:
        problems.append(f"images differ: {images[:3]!r}... became {got_images[:3]!r}...")
    return problems
