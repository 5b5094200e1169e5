"""Messy legacy documents: seed-shaped samples with the mistakes and variations real exports have.

Every document of `pipeline.samples.generate` is taken and, deterministically, given up to three
mutations from the table below (dates in other shapes, ids and scores written as text, YAML 1.1
words, extra keys of every type, related slots that are broken in new ways, bodies, encodings,
anchors and tags, broken YAML, ...). Some mutations make a file the core must decline, some make
the reference reject it: the differential tests need both, beside the common case.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Iterator

from pipeline.samples import generate

Mutation = Callable[[list[str], random.Random], list[str]]


def _set(lines: list[str], key: str, value: str | None) -> list[str]:
    """Replace (or drop, with None) the top-level `key:` line, appending it if missing."""
    out, done = [], False
    skip_block = False
    for line in lines:
        if skip_block:
            if line.startswith((" ", "\t")):
                continue
            skip_block = False
        if line.startswith(f"{key}:") and not done:
            done = True
            if value is not None:
                out.append(f"{key}: {value}".rstrip())
            # A folded value continues on indented lines.
            skip_block = True
            continue
        out.append(line)
    if not done and value is not None:
        out.insert(1, f"{key}: {value}".rstrip())
    return out


def _extra(key: str, value: str) -> Mutation:
    return lambda lines, rng: lines[:1] + [f"{key}: {value}"] + lines[1:]


_DATES = [
    ("2025-01-29 10:00:00", None), ("2025-01-29T10:00:00Z", None),
    ("2025-01-29 10:00:00.250 +05:30", None), ('"Jan 29, 2025"', None),
    ("29 January 2025", "D MMMM YYYY"), ("January 5th, 2025", "MMMM Do, YYYY"),
    ("2025-02-30", None), ("sometime in spring", None), ("", None), ("20250129", None),
    ("2025-1-29", None), ("'2025-01-29 10:00'", None), ("03/04/2025 08:30 PM", "DD/MM/YYYY hh:mm A"),
    ("29.01.2025", "DD.MM.YYYY"), ("Jan 29 2025", None), ("2019-07-02 11:21:02 -0400", None),
    ("[2025-01-29]", None), ("2025-13-01", None), ("0001-01-01", None),
]


def _date(lines: list[str], rng: random.Random) -> list[str]:
    value, fmt = rng.choice(_DATES)
    lines = _set(lines, "date", value)
    return _set(lines, "date_format", fmt) if fmt else lines


_IDS = ['"123456"', "12.0", "abc", None, "0x1F", "-7", "' 42 '", "1_000", "99999999999999999999",
        "yes", "[1, 2]", "12.5"]
_SCORES = ["3", '"2.5"', ".inf", "abc", '"1e3"', None, "-0.0", "1.5e+300", ".NaN", "~",
           "1e-7", "12345678901234567890.5", "'  7 '"]
_EXTRAS = [
    ("published", "yes"), ("legacy_code", "017"), ("ratio", "1:20"), ("tags", "[a, b, 'c d']"),
    ("meta", "{a: 1, b: [x, y], c: {d: null}}"), ("nothing", "~"),
    ("when", "2024-01-01 10:00:00+02:00"), ("naive_when", "2024-01-01 10:00:00"),
    ("note", "'it''s quoted'"), ("big", "12345678901234567890"), ("float_e", "1.5e3"),
    ("unicode_key_é", "valeur"), ('"quoted key"', "v"), ("empty_list", "[]"), ("empty_map", "{}"),
    ("neg", "-.5"), ("octal_like", "08"), ("time_only", "10:30"), ("truthy", "On"),
    ("dq", '"tab\\there \\u00e9 \\x41"'), ("multi", "first\n  continued line"),
    ("block", "|\n  line one\n    indented\n\n  last\n"), ("folded", ">+\n  keep\n\n"),
    ("seq", "\n  - one\n  - two: 2\n    three: 3\n  -\n    - nested"),
    ("anchor", "&a value"), ("alias_user", "*a"), ("tagged", "!!str 5"),
    ("python_tag", "!!python/object:os.system ls"), ("merge", "\n  <<: {a: 1}\n  b: 2"),
    ("html", "'<p>Hello</p>'"), ("url_like", "http://example.com/a?b=c#d"),
    ("nan_key", ".nan"), ("1", "numeric key"), ("yes", "bool key"), ("~", "null key"),
]


def _related_slot(lines: list[str], rng: random.Random) -> list[str]:
    choice = rng.randrange(8)
    if choice == 0:
        block = ["related_article9: just a string"]
    elif choice == 1:
        block = ["related_article7:", "    id: 1", "    title: With an extra key",
                 "    extra_key: surprise"]
    elif choice == 2:
        block = ["related_article0:", '    id: "12"', "    title: id as text"]
    elif choice == 3:
        block = ["related_article01:", "    id: 5", "related_article1:", "    id: 6"]
    elif choice == 4:
        url = next((line.split(": ", 1)[1] for line in lines if line.startswith("url: ")), "/x")
        block = ["related_article12:", f"    url: {url}", "    title: Self by URL"]
    elif choice == 5:
        block = ["related_article3:", "    id: 7", "    title: >-", "        \\u00c9t\\u00e9 \\\\n"]
    elif choice == 6:
        block = ["related_article5:", "    id:", "    title:", "    subject:", "    url:"]
    else:
        block = ["related_article20:", "    - a list"]
    return lines[:1] + block + lines[1:]


def _title(lines: list[str], rng: random.Random) -> list[str]:
    value = rng.choice([
        ">-\n    Caf\\u00e9 \\\"au lait\\\" \\\\n \\ud83d\\ude00 \\ud83d tail",
        "Plain title: with colon", "'single # not a comment'", None, "''",
        "|\n    literal\n    title", "Title with trailing hash #comment",
        '"\\u00e9\\n\\ttab"', ">-\n    \\u0000 nul escape"])
    lines = _set(lines, "title", value)
    if rng.random() < 0.3:
        lines = _set(lines, "file_name", rng.choice([None, "Not A Slug.md", "dir/sub/name.md",
                                                       "'.hidden'", "x.tar.gz", "ümlaut.md"]))
    return lines


def _answer(lines: list[str], rng: random.Random) -> list[str]:
    value = rng.choice([
        ">-\n    Line one\\r\\nLine two", ">-\n    has \\u0000 a NUL", "''", None,
        ">-\n    {{< shortcode >}} and {% raw %} liquid {{ x }}",
        "|\n    real\n    block\n", ">-\n    trailing space \\n ", ">-\n    \\t tab start",
        "42", "[not, text]"])
    return _set(lines, "answer", value)


def _keywords(lines: list[str], rng: random.Random) -> list[str]:
    out = []
    for line in lines:
        if line.startswith("  page_keywords:"):
            line = "  page_keywords: " + rng.choice([
                "''", "',,,'", "[a, ' b ', '', c]", "single", "~", "\\u00e9t\\u00e9, hiver"])
            out.append(line)
            out.append("  __skip__")
            continue
        out.append(line)
    # Drop the folded continuation of the replaced value.
    result = []
    skip = False
    for line in out:
        if line == "  __skip__":
            skip = True
            continue
        if skip and line.startswith("    "):
            continue
        skip = False
        result.append(line)
    return result


def _body_lines(lines: list[str], rng: random.Random) -> list[str]:
    # The body follows the closing `---`.
    close = max(i for i, line in enumerate(lines) if line == "---")
    body = rng.choice(["<br>", "<p>&nbsp;</p>", "&NBSP;", "   ", "Real body text.",
                       "&nbsp;<br/>\n", "<P></P>", "Body with ---\n---\nlines", "ſ"])
    return lines[:close + 1] + body.split("\n")


def _yaml_break(lines: list[str], rng: random.Random) -> list[str]:
    broken = rng.choice(["\tindented: with a tab", "key: value: another", "bad: [unclosed",
                         "id: 1", "  misindented: x", "- a list item at top"])
    return lines[:2] + [broken] + lines[2:]


MUTATIONS: list[Mutation] = [
    _date, _date, _title, _answer, _keywords, _body_lines, _related_slot, _related_slot,
    lambda lines, rng: _set(lines, "id", rng.choice(_IDS)),
    lambda lines, rng: _set(lines, "score", rng.choice(_SCORES)),
    lambda lines, rng: _set(lines, "url", rng.choice([None, "'/with space/x'", "/a/b?c=d#e",
                                                      "https://example.com/x/", "''"])),
    lambda lines, rng: _set(lines, "subject", rng.choice(["123", "yes", "1.5", "~", "[x]"])),
    lambda lines, rng: _set(lines, "seo", rng.choice(["{}", None, "~", "not a map"])),
    _yaml_break,
    *[_extra(k, v) for k, v in _EXTRAS],
]

#: Byte-level changes applied after the text mutations (with their odds).
_BYTES: list[tuple[float, Callable[[bytes], bytes]]] = [
    (0.03, lambda b: b.replace(b"---", b"---\r", 1)),
    (0.02, lambda b: b"\xff\xfe" + b.decode("utf-8", "replace").encode("utf-16-le")),
    (0.02, lambda b: b.replace(b"Science", b"Sci\xe9nce")),
    (0.01, lambda b: b[:40] + b"\x00" + b[40:]),
    (0.02, lambda b: b.rsplit(b"---", 1)[0]),  # unclosed
    (0.01, lambda b: b""),
    (0.02, lambda b: b"No front matter at all.\n" + b),
    (0.02, lambda b: re.sub(rb"(?m)^title:", b"title:", b) + b"\x85"),
]


def messy(n: int, seed: int = 11) -> Iterator[tuple[str, bytes]]:
    """Yield (file name, bytes) for n messy documents, deterministically."""
    rng = random.Random(seed)
    for name, data in generate(n, seed=seed):
        bom = data.startswith(b"\xef\xbb\xbf")
        text = data[3:].decode("utf-8") if bom else data.decode("utf-8")
        crlf = "\r\n" in text
        lines = text.replace("\r\n", "\n").split("\n")
        for _ in range(rng.choice([0, 1, 1, 2, 2, 3])):
            lines = rng.choice(MUTATIONS)(lines, rng)
        text = "\n".join(lines)
        if crlf:
            text = text.replace("\n", "\r\n")
        out = (b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8")
        for odds, change in _BYTES:
            if rng.random() < odds:
                out = change(out)
        yield name, out
