"""Proof on real builds: the Hugo and Jekyll sites built from a corpus of legacy site documents
(HTML answers, internal links, images, files; pipeline.samples site=True) are crawled, every
href and src on every built page, and every internal link and image resolves to a built file
except exactly those report.json lists (broken_links, missing_assets, dangling related links),
which are exactly the ones the generator planted.

2,000 documents, the issue's "done when" corpus; `bench/links_crawl.py` prints the figures.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from pipeline.cli import main
from pipeline.samples import planted, write_samples
from tests.load.crawl import crawl, expected
from tests.load.test_sites import _need, _run

#: Documents crawled: the issue's corpus of 2,000 (about 30 s per target and run; fewer with
#: PIPELINE_CRAWL_N; bench/links_crawl.py reports the same figures).
N = int(os.environ.get("PIPELINE_CRAWL_N", "2000"))


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """N site documents and their assets folder."""
    folder = tmp_path_factory.mktemp("crawl") / "legacy"
    write_samples(folder, 0, 0, site=N)
    return folder


def migrate_site(corpus: Path, out: Path, target: str) -> tuple[dict[str, Any], list[Any]]:
    """Migrate with --assets; return the report and the records."""
    code = main(["migrate", str(corpus), "--out", str(out), "--format", "jsonl,markdown",
                 "--target", target, "--assets", str(corpus / ".assets"), "-q"])
    assert code == 0
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    with open(out / "articles.jsonl", encoding="utf-8") as handle:
        return report, [json.loads(line) for line in handle]


def _check(report: dict[str, Any], records: list[Any], built: Path) -> None:
    pages, checked, broken = crawl(built)
    assert pages >= N and checked > 3 * N
    assert broken == expected(report, records)
    planted_urls = Counter(url for _, kind, url in planted(N, 0, 300000)
                           if not url.startswith("file:"))
    assert Counter(item["url"] for item in report["broken_links"] + report["missing_assets"]
                   if not item["url"].startswith("file:")) == planted_urls
    # Links written with the legacy host were rewritten to site paths: none leads away.
    legacy_host = 0
    for page in built.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        legacy_host += text.count('href="https://www.quicktakes.io') + \
            text.count('src="https://www.quicktakes.io')
    assert legacy_host == 0


def test_hugo_site_has_no_unreported_broken_link(corpus: Path, tmp_path: Path) -> None:
    hugo = _need("hugo")
    report, records = migrate_site(corpus, tmp_path / "out", "hugo")
    public = tmp_path / "public"
    _run([hugo, "--source", str(tmp_path / "out" / "markdown" / "hugo"), "--destination",
          str(public), "--noBuildLock"])
    _check(report, records, public)


def test_jekyll_site_has_no_unreported_broken_link(corpus: Path, tmp_path: Path) -> None:
    jekyll = _need("jekyll")
    report, records = migrate_site(corpus, tmp_path / "out", "jekyll")
    built = tmp_path / "_site"
    _run([jekyll, "build", "--source", str(tmp_path / "out" / "markdown" / "jekyll"),
          "--destination", str(built)])
    _check(report, records, built)
