"""Internal links and files (pipeline/links.py): found in Markdown, classified, checked against
the run, rewritten on site pages, files copied from --assets; reports that list exactly what
was planted broken; reruns that give a clean run's bytes."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from pipeline.cli import main
from pipeline.links import FILE, PAGE, REFUSED, asset_source, classify, find_links, page_key
from pipeline.load.markdown import read_markdown
from pipeline.samples import asset_files, planted, write_samples

HOSTS = ("www.quicktakes.io",)
BASE = "/learn/biology/answers/cells"


def test_find_links_in_markdown_and_inline_html() -> None:
    text = "\n".join([
        "Intro [a page](/learn/a) and ![a figure](/images/f.png \"title\").",
        "[![Leaf](/images/leaf.jpg)](/learn/leaf) and `[not](/code)` in code.",
        "```",
        "[also not](/fenced)",
        "```",
        '<a href="/learn/html-link">x</a> <IMG alt="y" src=\'/images/y.png\'>',
        "[ref]: /learn/defined",
        "[spaced](</learn/with space>)",
    ])
    found = [(f.url, f.image, f.line) for f in find_links(text)]
    assert found == [
        ("/learn/a", False, 1), ("/images/f.png", True, 1), ("/images/leaf.jpg", True, 2),
        ("/learn/leaf", False, 2), ("/learn/html-link", False, 6), ("/images/y.png", True, 6),
        ("/learn/defined", False, 7), ("/learn/with space", False, 8)]
    assert find_links("No links here, 5 < 6 and [brackets] alone.") == []


@pytest.mark.parametrize(("url", "image", "kind", "path"), [
    ("/learn/x/answers/y", False, PAGE, "/learn/x/answers/y"),
    ("https://www.quicktakes.io/learn/x/answers/y/#part", False, PAGE, "/learn/x/answers/y/"),
    ("//www.quicktakes.io/learn/z", False, PAGE, "/learn/z"),
    ("other-page", False, PAGE, "/learn/biology/answers/other-page"),
    ("../questions/q", False, PAGE, "/learn/biology/questions/q"),
    ("/files/guide.pdf", False, FILE, "/files/guide.pdf"),
    ("/learn/page.html", False, PAGE, "/learn/page.html"),
    ("/images/a%20b.png", True, FILE, "/images/a b.png"),
    ("img/cell.png", True, FILE, "/learn/biology/answers/img/cell.png"),
    ("../../../../etc/passwd.png", True, REFUSED, "`..` in a file path"),
    ("/images/%2e%2e/%2e%2e/secret.png", True, REFUSED, "`..` in a file path"),
    ("file:///C:/Users/me/pic.png", True, REFUSED, "file: URL refused"),
])
def test_classify_internal_references(url: str, image: bool, kind: str, path: str) -> None:
    ref = classify(url, BASE, HOSTS, image)
    assert ref is not None and (ref.kind, ref.path) == (kind, path)


@pytest.mark.parametrize("url", ["https://example.org/learn/x", "mailto:a@b.c", "#top", "",
                                 "tel:123", "javascript:void(0)"])
def test_external_and_in_page_references_are_left_alone(url: str) -> None:
    assert classify(url, BASE, HOSTS, False) is None


def test_page_keys_ignore_trailing_slash_and_html() -> None:
    assert {page_key(u) for u in ("/a/b", "/a/b/", "/a/b.html", "/a/b/index.html",
                                  "/a/b#x", "/a/b/?q=1")} == {"/a/b"}


def test_nothing_is_read_from_outside_the_assets_folder(tmp_path: Path) -> None:
    root = tmp_path / "static"
    (root / "images").mkdir(parents=True)
    (root / "images" / "ok.png").write_bytes(b"png")
    secret = tmp_path / "secret.png"
    secret.write_bytes(b"secret")
    os.symlink(secret, root / "images" / "link.png")
    os.symlink(tmp_path, root / "up")
    assert asset_source(root, "/images/ok.png")[0] == (root / "images" / "ok.png").resolve()
    assert asset_source(root, "/images/link.png") == (None, "outside the assets folder")
    assert asset_source(root, "/up/secret.png") == (None, "outside the assets folder")
    assert asset_source(root, "/images/../../secret.png") == (None, "outside the assets folder")
    assert asset_source(root, "/images/none.png") == (None, "not found under --assets")
    assert asset_source(root, "/images") == (None, "not a file")


# ------------------------------------------------------------------------------------------
# Whole runs over the site samples.
# ------------------------------------------------------------------------------------------

N = 80


@pytest.fixture(scope="module")
def site_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """N site samples and their assets folder (input/.assets's layout)."""
    folder = tmp_path_factory.mktemp("site") / "legacy"
    write_samples(folder, 0, 0, site=N)
    return folder


def _migrate(corpus: Path, out: Path, target: str, *extra: str) -> dict:
    code = main(["migrate", str(corpus), "--out", str(out), "--format", "jsonl,markdown",
                 "--target", target, "--assets", str(corpus / ".assets"), "-q", *extra])
    assert code == 0
    report: dict = json.loads((out / "report.json").read_text(encoding="utf-8"))
    return report


def _tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and ".pipeline" not in p.parts and p.name != "report.json"}


def test_report_lists_exactly_the_planted_problems(site_corpus: Path, tmp_path: Path) -> None:
    report = _migrate(site_corpus, tmp_path / "out", "hugo")
    planted_broken = sorted((name, url) for name, kind, url in planted(N, 0, 300000)
                            if kind == "broken")
    planted_missing = sorted((name, url) for name, kind, url in planted(N, 0, 300000)
                             if kind == "missing")
    assert planted_broken and planted_missing
    assert sorted((b["path"], b["url"]) for b in report["broken_links"]) == planted_broken
    assert sorted((m["path"], m["url"]) for m in report["missing_assets"]) == planted_missing
    assert all(b["field"] == "answer" and b["line"] >= 1 for b in report["broken_links"])
    assert report["warnings"] == []  # the rendering check held on every converted answer


def test_assets_are_copied_once_into_the_static_folder(site_corpus: Path, tmp_path: Path) -> None:
    report = _migrate(site_corpus, tmp_path / "out", "hugo")
    static = tmp_path / "out" / "markdown" / "hugo" / "static"
    copied = {"/" + p.relative_to(static).as_posix(): p for p in static.rglob("*")
              if p.is_file()}
    available = asset_files()
    assert set(copied) <= set(available)
    for url, path in copied.items():
        assert path.read_bytes() == available[url]
    # The two paths of one content are one file (a hard link) where both are referenced.
    if {"/images/logo.png", "/static/img/quicktakes-logo.png"} <= set(copied):
        assert copied["/images/logo.png"].stat().st_ino == \
            copied["/static/img/quicktakes-logo.png"].stat().st_ino
        assert report["assets"]["same_content"] >= 1
    assert report["assets"]["copied"] + report["assets"]["same_content"] == len(copied)


def test_site_pages_link_to_the_new_urls_and_read_back(site_corpus: Path,
                                                       tmp_path: Path) -> None:
    out = tmp_path / "out"
    _migrate(site_corpus, out, "astro")
    with open(out / "articles.jsonl", encoding="utf-8") as handle:
        records = [json.loads(line) for line in handle]
    pages = list((out / "markdown" / "astro" / "src" / "content" / "articles").glob("*.md"))
    text = "\n".join(p.read_text(encoding="utf-8") for p in pages)
    assert "](/articles/" in text  # page links now point at Astro's routes
    assert "](https://www.quicktakes.io/learn" not in text.split("legacy:")[0]
    # The record keeps its text as converted; the page reads back to the same record.
    back = {r.data["source"]["path"]: r.data for r in
            read_markdown(out / "markdown" / "astro", "astro", "article")}
    assert back == {r["source"]["path"]: r for r in records}


def test_reruns_give_a_clean_runs_bytes(site_corpus: Path, tmp_path: Path) -> None:
    out, clean = tmp_path / "out", tmp_path / "clean"
    first = _migrate(site_corpus, out, "jekyll")
    # One document's link target goes away; another document changes.
    victim = sorted(site_corpus.glob("w*"))[3]
    victim.rename(tmp_path / victim.name)
    changed = sorted(site_corpus.glob("w*"))[10]
    changed.write_bytes(changed.read_bytes().replace(b"Further reading", b"Read more"))
    try:
        again = _migrate(site_corpus, out, "jekyll")
        fresh = _migrate(site_corpus, clean, "jekyll")
    finally:
        (tmp_path / victim.name).rename(victim)
    assert again["rerun"]["mode"] == "full"
    assert _tree(out) == _tree(clean)
    for key in ("broken_links", "missing_assets", "dangling_links", "warnings"):
        assert again[key] == fresh[key]
    assert len(again["broken_links"]) >= len(first["broken_links"])


_DOC = """---
id: {id}
url: /learn/x/answers/{slug}
title: Page {slug}
answer: >-
    {answer}
---
"""


def test_files_no_page_references_any_more_are_removed(tmp_path: Path) -> None:
    corpus, assets = tmp_path / "legacy", tmp_path / "legacy" / ".assets"
    (assets / "images").mkdir(parents=True)
    (assets / "images" / "a.png").write_bytes(b"a")
    (assets / "images" / "b.png").write_bytes(b"b")
    (corpus / "a.md").write_text(_DOC.format(id=1, slug="a", answer="![A](/images/a.png)"))
    (corpus / "b.md").write_text(_DOC.format(
        id=2, slug="b", answer="![B](/images/b.png) and [page a](a) and [gone](/learn/gone)"))
    out, clean = tmp_path / "out", tmp_path / "clean"
    report = _migrate(corpus, out, "hugo")
    assert [b["url"] for b in report["broken_links"]] == ["/learn/gone"]
    static = out / "markdown" / "hugo" / "static" / "images"
    assert sorted(p.name for p in static.iterdir()) == ["a.png", "b.png"]
    page_b = (out / "markdown" / "hugo" / "content" / "articles" / "b.md").read_text()
    assert "[page a](/learn/x/answers/a)" in page_b  # the relative link, made a site path
    (corpus / "a.md").unlink()
    report = _migrate(corpus, out, "hugo")
    assert sorted(b["url"] for b in report["broken_links"]) == ["/learn/gone", "a"]
    assert sorted(p.name for p in static.iterdir()) == ["b.png"]
    _migrate(corpus, clean, "hugo")
    assert _tree(out) == _tree(clean)


def test_jekyll_site_files_are_never_overwritten_by_assets(tmp_path: Path) -> None:
    corpus, assets = tmp_path / "legacy", tmp_path / "legacy" / ".assets"
    (assets / "_layouts").mkdir(parents=True)
    (assets / "_layouts" / "article.png").write_bytes(b"not a layout")
    (assets / "_config.yml.png").write_bytes(b"x")
    (corpus / "a.md").write_text(_DOC.format(
        id=1, slug="a", answer="![x](/_layouts/article.png) ![y](/_config.yml.png)"))
    report = _migrate(corpus, tmp_path / "out", "jekyll")
    assert [m["reason"] for m in report["missing_assets"]] == [
        "a `_` or `.` path, which Jekyll does not serve"] * 2
    site = tmp_path / "out" / "markdown" / "jekyll"
    assert not (site / "_layouts" / "article.png").exists()
