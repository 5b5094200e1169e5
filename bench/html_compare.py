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
import sys
import time
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.transform.html import check, to_markdown  # noqa: E402


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
        if "<" in answer:
            docs.append((name, answer))
    return docs


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
        for (doc, html), (_, md) in zip(docs, outputs):
            problems = check(html, md)
            if problems:
                failures[doc] = problems[0]
        results[name] = {"documents": len(docs), "pass": len(docs) - len(failures),
                         "ms_per_doc": round(1000 * seconds / max(len(docs), 1), 3),
                         "failures": dict(list(failures.items())[:6])}
        print(f"{name:26} {len(docs) - len(failures):4}/{len(docs)} pass the rendering check, "
              f"{results[name]['ms_per_doc']} ms/doc")
        for doc, problem in list(failures.items())[:4]:
            print(f"    {doc}: {problem}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
