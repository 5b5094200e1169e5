"""The issue's "done when" corpus: 2,000 legacy site documents (HTML answers, internal links,
images) migrated into Hugo and Jekyll sites with --assets, the sites built by the real tools
and crawled (every href and src of every built page).

    .venv/bin/python bench/links_crawl.py [--n 2000] [--out bench/out/links]

Prints, per target: the migration time, the build time, pages and references crawled, the
unresolved references and whether they are exactly those report.json lists (and those the
generator planted); the rendering check's result on every converted answer (warnings); writes
bench/out/links/results.json.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.cli import main as pipeline_main  # noqa: E402
from pipeline.samples import planted, write_samples  # noqa: E402
from tests.load.crawl import crawl, expected  # noqa: E402


def run(n: int, out: Path) -> dict[str, object]:
    """Generate, migrate, build and crawl; return the figures."""
    shutil.rmtree(out, ignore_errors=True)
    corpus = out / "legacy"
    write_samples(corpus, 0, 0, site=n)
    planted_urls = Counter(url for _, kind, url in planted(n, 0, 300000)
                           if not url.startswith("file:"))
    results: dict[str, object] = {"documents": n}
    for target, build in (("hugo", ["hugo", "--source", "{site}", "--destination", "{built}",
                                    "--noBuildLock"]),
                          ("jekyll", ["jekyll", "build", "--source", "{site}", "--destination",
                                      "{built}"])):
        migrated = out / target
        started = time.perf_counter()
        code = pipeline_main(["migrate", str(corpus), "--out", str(migrated), "--format",
                              "jsonl,markdown", "--target", target, "--assets",
                              str(corpus / ".assets"), "-q"])
        seconds = time.perf_counter() - started
        report = json.loads((migrated / "report.json").read_text(encoding="utf-8"))
        with open(migrated / "articles.jsonl", encoding="utf-8") as handle:
            records = [json.loads(line) for line in handle]
        site, built = migrated / "markdown" / target, out / f"{target}-site"
        started = time.perf_counter()
        subprocess.run([part.format(site=site, built=built) for part in build], check=True,
                       capture_output=True)
        build_seconds = time.perf_counter() - started
        pages, checked, broken = crawl(built)
        listed = expected(report, records)
        reported = Counter(item["url"] for item in report["broken_links"] +
                           report["missing_assets"] if not item["url"].startswith("file:"))
        results[target] = {
            "exit": code, "migrate_seconds": round(seconds, 2),
            "build_seconds": round(build_seconds, 2), "pages": pages, "references": checked,
            "unresolved": sum(broken.values()), "listed_in_report": sum(listed.values()),
            "unresolved_equals_report": broken == listed,
            "report_equals_planted": reported == planted_urls,
            "broken_links": len(report["broken_links"]),
            "missing_assets": len(report["missing_assets"]),
            "dangling_links": len(report["dangling_links"]),
            "assets": report.get("assets"), "links": report.get("links"),
            "rendering_check_warnings": sum(1 for w in report["warnings"]
                                            if "HTML converted" in w["message"]),
        }
        print(target, json.dumps(results[target]))
    return results


def main() -> int:
    """Command line."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "links")
    args = parser.parse_args()
    results = run(args.n, args.out)
    (args.out / "results.json").write_text(json.dumps(results, indent=1) + "\n",
                                           encoding="utf-8")
    ok = all(isinstance(v, dict) and v["unresolved_equals_report"] and v["report_equals_planted"]
             for v in results.values() if isinstance(v, dict))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
