"""Sample documents of a legacy *site*: HTML answers, internal links, images and files.

`pipeline.samples.generate(..., site=True)` builds each answer as usual, then this module adds a
"Further reading" section (links to other documents of the set, written in the legacy site's
various ways: site paths, legacy-host URLs, relative paths, trailing slashes, fragments), images
and a file, and turns two answers in three into the HTML the legacy CMS stored (Python-Markdown's
rendering with the CMS's cruft: wrappers, `&nbsp;` padding, empty paragraphs).

Some references are broken on purpose, and `planted` lists exactly those: links to pages that do
not exist, images that are not in the assets folder, and a `file:` URL (refused by --assets).
`asset_files` gives the files of the sample assets folder (tiny PNGs and a PDF); two of them have
the same bytes under two paths, so that --assets copies their content once.
"""

from __future__ import annotations

import random
import struct
import zlib
from typing import Any

#: The legacy site's host: absolute links to it are internal (schemas/profiles/default.yaml).
HOST = "https://www.quicktakes.io"
EXTERNAL = ("https://en.wikipedia.org/wiki/Special:Random", "https://www.w3.org/TR/html52/",
            "https://docs.python.org/3/")
#: Images present in the assets folder: figure-0 .. figure-(FIGURES - 1) of each subject.
FIGURES = 4
#: Rates of planted problems.
BROKEN_RATE = 0.06
MISSING_RATE = 0.06
FILE_URL_EVERY = 37  # every 37th document (from the 6th) references a file: URL
MISSING_EVERY = 23  # and every 23rd (from the 5th) an image that is not there


def _png(seed: int) -> bytes:
    """A valid 2x2 PNG whose colour depends on `seed`."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(
            ">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    pixel = bytes(((seed * 67) % 256, (seed * 131) % 256, (seed * 199) % 256))
    rows = b"".join(b"\x00" + pixel * 2 for _ in range(2))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows, 9)) + chunk(b"IEND", b""))


def asset_files(subject_slugs: tuple[str, ...]) -> dict[str, bytes]:
    """The sample assets folder: {site path: bytes}."""
    files: dict[str, bytes] = {}
    for s, slug in enumerate(subject_slugs):
        for k in range(FIGURES):
            files[f"/images/{slug}/figure-{k}.png"] = _png(s * FIGURES + k + 1)
    logo = _png(0)
    files["/images/logo.png"] = logo
    files["/static/img/quicktakes-logo.png"] = logo  # same bytes, another path
    files["/files/study-guide.pdf"] = (b"%PDF-1.4\n% sample study guide\n1 0 obj << >> endobj\n"
                                      b"trailer << /Root 1 0 R >>\n%%EOF\n")
    return files


def _link_forms(rng: random.Random, url: str, own_url: str) -> str:
    """One of the ways the legacy site wrote a link to `url`."""
    roll = rng.random()
    same_folder = url.rsplit("/", 1)[0] == own_url.rsplit("/", 1)[0]
    if roll < 0.3:
        return url
    if roll < 0.5:
        return HOST + url
    if roll < 0.65:
        return url + "/"
    if roll < 0.8 and same_folder:
        return url.rsplit("/", 1)[1]  # relative to the document's own URL
    if roll < 0.9:
        return url + "#summary"
    return url


def decorate(rng: random.Random, answer: str, meta: Any, n: int, others: Any,
             planted: dict[str, list[str]], subject_slug: str, index: int) -> str:
    """The answer with links, images and a file added, as Markdown (HTML comes later)."""
    lines = ["### Further reading"]
    for _ in range(1 + int(rng.random() * 3)):
        if rng.random() < BROKEN_RATE or n < 2:
            url = f"{meta.url}-retired-{int(rng.random() * 1000)}"
            planted["broken"].append(url)
            lines.append(f"- [An older version of this page]({url})")
            continue
        j = int(rng.random() * n)
        if j == index:
            j = (j + 1) % n
        target = others(j)
        lines.append(f"- [{target.question.text}]({_link_forms(rng, target.url, meta.url)})")
    if rng.random() < 0.5:
        lines.append(f"- [Background reading]({EXTERNAL[int(rng.random() * len(EXTERNAL))]})")
    lines.append("")
    k = int(rng.random() * FIGURES)
    image = f"/images/{subject_slug}/figure-{k}.png"
    if rng.random() < MISSING_RATE or index % MISSING_EVERY == 4:
        image = f"/images/{subject_slug}/lost-figure-{int(rng.random() * 100)}.png"
        planted["missing"].append(image)
    lines.append(f"![Figure {k + 1}: {meta.question.text.rstrip('?.')}]({image})")
    if rng.random() < 0.3:
        logo = "/images/logo.png" if rng.random() < 0.5 else \
            f"{HOST}/static/img/quicktakes-logo.png"
        lines.append("")
        lines.append(f'<img src="{logo}" alt="QuickTakes">')
    if rng.random() < 0.2:
        lines.append("")
        lines.append("Download the [study guide (PDF)](/files/study-guide.pdf).")
    if index % FILE_URL_EVERY == 5:
        url = "file:///C:/Users/editor/Desktop/draft-diagram.png"
        planted["missing"].append(url)
        lines.append("")
        lines.append(f"![Draft diagram]({url})")
    return answer + "\n\n" + "\n".join(lines)


def to_legacy_html(rng: random.Random, markdown_text: str) -> str:
    """The HTML the legacy CMS stored for a Markdown answer: rendered, wrapped and padded."""
    import markdown  # (a dependency of the pipeline: pipeline/load/html.py)

    html = markdown.markdown(markdown_text, extensions=["extra", "sane_lists"])
    html = html.replace("<p>", "<p>&nbsp;", 1) if rng.random() < 0.5 else html
    return f'<div class="qt-answer">\n{html}\n<p>&nbsp;</p>\n<div><span></span></div>\n</div>'
