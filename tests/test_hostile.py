"""Broken and hostile input: every file accounted for, nothing escapes, nothing runs."""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from pipeline.atomic import safe_relative
from pipeline.cli import main
from pipeline.errors import LoadError, PipelineError
from pipeline.extract import parse_document
from pipeline.load.csv import cell
from tests.conftest import FIXTURES, INPUT_DIR

HOSTILE = FIXTURES / "hostile"
SENTINEL = Path("/tmp/pipeline-pwned-sentinel")


def expected_table() -> list[dict[str, str]]:
    with open(FIXTURES / "hostile.expected.csv", encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_table_covers_every_fixture() -> None:
    names = {p.name for p in HOSTILE.iterdir()}
    assert names == {row["file"] for row in expected_table()}
    assert len(names) >= 25


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in folder.rglob("*") if p.is_file()}


def test_hostile_mixed_with_good_files(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    SENTINEL.unlink(missing_ok=True)
    monkeypatch.chdir(tmp_path)
    before = snapshot(HOSTILE)
    out = tmp_path / "out"
    code = main(["migrate", str(HOSTILE), str(INPUT_DIR), "--out", str(out),
                 "--max-bytes", "65536", "--workers", "2"])
    _, err = capsys.readouterr()
    assert code == 1
    assert "Traceback" not in err
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    table = expected_table()
    good = len([p for p in INPUT_DIR.iterdir() if p.is_file()])
    assert report["inputs"] == len(table) + good
    assert report["migrated"] + len(report["rejected"]) == report["inputs"]
    rejected = {r["path"]: r for r in report["rejected"]}
    for row in table:
        path = f"hostile/{row['file']}"
        if row["outcome"] == "migrated":
            assert path not in rejected, rejected.get(path)
            continue
        got = rejected[path]
        assert got["kind"] == row["kind"], (path, got)
        if row["line"]:
            assert got["line"] == int(row["line"]), (path, got)
        assert row["reason"] in got["reason"], (path, got)
        assert f"Error: {path}" in err  # one line on stderr each
    assert not any(r["path"].startswith("input/") for r in report["rejected"])
    # Nothing ran, nothing was written outside the output folder, inputs untouched.
    assert not SENTINEL.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
    assert snapshot(HOSTILE) == before
    for path in out.rglob("*"):
        assert path.resolve().is_relative_to(out.resolve())
    pages = {p.name for p in (out / "markdown" / "generic").iterdir()}
    for name in ("passwd.md", "evil.md", "evil2.md", "evil3.md", "_con.md"):
        assert name in pages, sorted(pages)


@pytest.mark.parametrize("rel", ["../x.md", "a/../../x.md", "/etc/passwd", "\\\\server\\share",
                                 "C:/Windows/x.md", "c:x.md", "a\x00b.md", "..\\..\\x.md", ""])
def test_paths_that_would_escape_are_refused(rel: str) -> None:
    with pytest.raises(LoadError):
        safe_relative(rel)


@pytest.mark.parametrize(("rel", "safe"), [
    ("a\\b.md", "a/b.md"), ("./a//b.md", "a/b.md"), ("con.md", "_con.md"),
    ("sub/NUL", "sub/_NUL"), ("LPT1.txt", "_LPT1.txt"), ("console.md", "console.md")])
def test_paths_made_safe(rel: str, safe: str) -> None:
    assert str(safe_relative(rel)) == safe


@pytest.mark.parametrize(("text", "expected"), [
    ("=1+2", "'=1+2"), ("+cmd", "'+cmd"), ("-1", "'-1"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\tx", "'\tx"), ("\rx", "'\rx"), ("'quoted", "''quoted"), ("plain", "plain")])
def test_spreadsheet_safe_cells(text: str, expected: str) -> None:
    assert cell(text, "string", spreadsheet_safe=True) == expected
    assert cell(text, "string") == text  # the default keeps values exact


def test_spreadsheet_safe_csv_on_hostile_titles(tmp_path: Path) -> None:
    out = tmp_path / "o"
    assert main(["migrate", str(HOSTILE / "formula-title.md"), "--out", str(out), "-q",
                 "--format", "csv", "--spreadsheet-safe"]) == 0
    data = (out / "articles.csv").read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(data.decode("utf-8-sig").splitlines()))
    assert rows[0]["title"].startswith("'=HYPERLINK")
    assert rows[0]["author"] == "'@SUM(A1:A2)" and rows[0]["subject"] == "'+cmd"
    plain = tmp_path / "p"
    assert main(["migrate", str(HOSTILE / "formula-title.md"), "--out", str(plain), "-q",
                 "--format", "csv"]) == 0
    rows = list(csv.DictReader((plain / "articles.csv").read_text().splitlines()))
    assert rows[0]["title"].startswith("=HYPERLINK")


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=600) | st.text(max_size=300).map(lambda t: ("---\n" + t).encode()))
def test_extract_fuzz_only_typed_errors(data: bytes) -> None:
    try:
        parse_document(data, "fuzz.md")
    except PipelineError:
        pass


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["---", "...", "+++", "a: 1", "- x", "b: [", "c: &x 1",
                                 "d: *x", "{", "}", "\t", "e: !!binary aGk=", "f: !!set {a}",
                                 "? [a]\n: b", "g: 2025-02-30", "'", '"']), max_size=12))
def test_extract_fuzz_front_matter_shapes(lines: list[str]) -> None:
    try:
        parse_document("\n".join(lines).encode(), "fuzz.md")
    except PipelineError:
        pass


def test_no_python_object_is_ever_built() -> None:
    for payload in ("!!python/object/new:os.system [echo]", "!!python/module:os",
                    "!<tag:yaml.org,2002:python/object/apply:os.getcwd> []"):
        with pytest.raises(PipelineError):
            parse_document(f"---\nx: {payload}\n---\n".encode(), "p.md")
    assert os.environ.get("PIPELINE_PWNED") is None
