"""Compare HTML-to-Markdown converters on our documents: the rendering check and the time.

    .venv/bin/pip install markdownify html2text   # (html-to-markdown is a dependency)
    .venv/bin/python bench/html_compare.py [--n 300]

Documents: the hand-written legacy HTML of tests/fixtures/html/ and the HTML answers of
`pipeline.samples.generate(..., site=True)`. Each converter (in the settings closest to ours:
ATX headings, no wrapping) converts each document; a document passes when
`pipeline.transform.html.check` finds nothing (same words, links and images once Python-Markdown
renders the result). Prints one line per converter; `--json` writes the numbers.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.transform.html import (check, looks_like_html, render,  # noqa: E402
                                     to_markdown)


def documents(n: int) -> list[tuple[str, str]]:
    """(name, HTML) of the hand-written fixtures and n generated site answers."""
    import yaml

    from pipeline.samples import generate
    from pipeline.transform.escapes import decode_escapes

    docs = [(p.name, p.read_text(encoding="utf-8"))
            for p in sorted((ROOT / "tests" / "fixtures" / "html").glob("*.html"))]
    for name, data in generate(n, site=True):
        if not name.startswith("w"):
            continue
        text = data.decode("utf-8-sig").replace("\r\n", "\n")
        front = yaml.safe_load(text.split("\n---", 1)[0].removeprefix("---"))
        answer = decode_escapes(str(front.get("answer") or ""))
        if looks_like_html(answer):
            docs.append((name, answer))
    return docs


_BLOCKS = re.compile(r"<(ul|ol|table|pre|h[1-6]|blockquote)\b", re.IGNORECASE)


def structure(html: str) -> Counter[str]:
    """How many lists, tables, code blocks, headings and quotes an HTML fragment has."""
    return Counter(m.group(1).lower() for m in _BLOCKS.finditer(html))


def converters() -> dict[str, Callable[[str], str]]:
    """Each converter that is installed, set up as close to our needs as it allows."""
    found: dict[str, Callable[[str], str]] = {"html-to-markdown (ours)": to_markdown}
    try:
        import markdownify

        found["markdownify"] = lambda h: markdownify.markdownify(
            h, heading_style="ATX", bullets="-", escape_asterisks=True,
            escape_underscores=True)
    except ImportError:
        pass
    try:
        import html2text

        def h2t(h: str) -> str:
            conv = html2text.HTML2Text()
            conv.body_width = 0
            conv.mark_code = False
            return conv.handle(h)

        found["html2text"] = h2t
    except ImportError:
        pass
    return found


def main() -> int:
    """Run the comparison and print one line per converter."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=300)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    docs = documents(args.n)
    results = {}
    for name, convert in converters().items():
        failures: dict[str, str] = {}
        started = time.perf_counter()
        outputs = [(doc, convert(html)) for doc, html in docs]
        seconds = time.perf_counter() - started
        structure_kept = both = 0
        for (doc, html), (_, md) in zip(docs, outputs):
            problems = check(html, md)
            if problems:
                failures[doc] = problems[0]
            kept = structure(html) == structure(render(md))
            structure_kept += kept
            both += kept and not problems
        results[name] = {"documents": len(docs), "pass": len(docs) - len(failures),
                         "structure_kept": structure_kept, "both": both,
                         "ms_per_doc": round(1000 * seconds / max(len(docs), 1), 3),
                         "failures": dict(list(failures.items())[:6])}
        print(f"{name:26} {len(docs) - len(failures):4}/{len(docs)} pass the rendering check, "
              f"{structure_kept:4}/{len(docs)} keep every list, table, code block, heading "
              f"and quote, {both:4}/{len(docs)} both, {results[name]['ms_per_doc']} ms/doc")
        for doc, problem in list(failures.items())[:4]:
            print(f"    {doc}: {problem}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
