"""The command line: exit codes, the report, rejected files, help and version."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from pipeline import __version__
from pipeline.cli import main
from pipeline.load.csv import read_csv
from pipeline.load.jsonl import read_jsonl
from tests.conftest import INPUT_DIR, SEED, input_files


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_migrate_input_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    code, _, err = run(capsys, "migrate", str(INPUT_DIR), "--out", str(out), "-q")
    assert code == 0 and err == ""
    files = input_files()
    report = json.loads((out / "report.json").read_text())
    assert report["inputs"] == report["migrated"] == len(files)
    assert report["rejected"] == []
    for name in ("articles.jsonl", "articles.csv", "related.csv", "datapackage.json"):
        assert (out / name).is_file(), name
    assert len(list((out / "markdown" / "generic").glob("*.md"))) == len(files)
    assert len(list(read_jsonl(out / "articles.jsonl"))) == len(files)
    assert len(list(read_csv(out))) == len(files)
    # The dangling links the generator plants (ids past the generated set) are reported.
    assert report["dangling_links"]
    ids = {r.data["id"] for r in read_jsonl(out / "articles.jsonl")}
    assert all(link["related_id"] not in ids for link in report["dangling_links"])
    # The generator's first document repeats the seed's question, so its URL too.
    assert [(w["path"], w["field"]) for w in report["warnings"]] == [
        ("q000000_200000.txt", "url")]
    assert "000_d55175470d23ebb0.txt" in report["warnings"][0]["message"]


def test_output_is_deterministic(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    assert run(capsys, "migrate", str(INPUT_DIR), "--out", str(a), "-q")[0] == 0
    assert run(capsys, "migrate", str(INPUT_DIR), "--out", str(b), "-q", "--workers", "2")[0] == 0
    for path in sorted(a.rglob("*")):
        if path.is_file() and path.name != "report.json" and ".pipeline" not in path.parts:
            other = b / path.relative_to(a)
            assert other.read_bytes() == path.read_bytes(), path
            assert b"\r\n" not in path.read_bytes() or path.suffix == ".csv"


def test_rejected_file_is_listed_and_others_written(tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "in"
    src.mkdir()
    shutil.copy(SEED, src / "good.txt")
    (src / "bad-date.md").write_text("---\nid: 7\ndate: 2025-02-30\ntitle: x\n---\n")
    (src / "bad-yaml.md").write_text("---\nid: 8\ntitle: What: now\n---\n")
    (src / "no-front-matter.md").write_text("just text\n")
    out = tmp_path / "out"
    code, _, err = run(capsys, "migrate", str(src), "--out", str(out))
    assert code == 1
    report = json.loads((out / "report.json").read_text())
    assert report["inputs"] == 4 and report["migrated"] == 1
    rejected = {r["path"]: r for r in report["rejected"]}
    assert set(rejected) == {"bad-date.md", "bad-yaml.md", "no-front-matter.md"}
    assert rejected["bad-date.md"]["line"] == 3 and "'2025-02-30'" in rejected["bad-date.md"][
        "reason"]
    assert rejected["bad-yaml.md"]["line"] == 3
    assert "Error: bad-date.md:3: date: cannot read date '2025-02-30'" in err
    assert "Traceback" not in err
    assert "4 files: 1 migrated, 3 rejected" in err
    assert len((out / "articles.jsonl").read_text().splitlines()) == 1


def test_duplicate_id_rejects_the_second_file(tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "in"
    src.mkdir()
    shutil.copy(SEED, src / "a.txt")
    shutil.copy(SEED, src / "b.txt")
    code, _, _ = run(capsys, "migrate", str(src), "--out", str(tmp_path / "o"), "-q")
    report = json.loads((tmp_path / "o" / "report.json").read_text())
    assert code == 1 and report["migrated"] == 1
    assert report["rejected"][0]["path"] == "b.txt" and "a.txt" in report["rejected"][0]["reason"]


def test_generic_profile_accepts_files_without_front_matter(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "in"
    src.mkdir()
    (src / "plain.md").write_text("# Title\n")
    (src / "post.md").write_text("+++\ntitle = 'T'\n+++\nBody\n")
    code, _, _ = run(capsys, "migrate", str(src), "--out", str(tmp_path / "o"), "-q",
                     "--profile", "generic")
    assert code == 0
    records = [r.data for r in read_jsonl(tmp_path / "o" / "articles.jsonl")]
    assert records[0]["front_matter"] == {} and records[1]["front_matter"] == {"title": "T"}


def test_validate_writes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, _ = run(capsys, "validate", str(INPUT_DIR), "--json", "-q")
    assert code == 0
    assert json.loads(out)["migrated"] == len(input_files())
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("argv", [
    ["migrate", str(SEED), "--format", "xml"],
    ["migrate", str(SEED), "--profile", "nope"],
    ["migrate", str(SEED), "--target", "nope"],
    ["migrate", "/no/such/path"],
    ["migrate"],
    ["frobnicate"],
])
def test_usage_errors_exit_2(argv: list[str], tmp_path: Path,
                             capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, *argv, "--out", str(tmp_path)) if argv[0] == "migrate" and \
        len(argv) > 1 else run(capsys, *argv)
    assert code == 2
    assert err.startswith("Error: ") and "Traceback" not in err


def test_unknown_profile_lists_the_valid_ones(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "validate", str(SEED), "--profile", "nope")
    assert code == 2 and "valid profiles: default, generic" in err


def test_help_and_version(capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (["--help"], ["migrate", "-h"], ["validate", "--help"]):
        code, out, _ = run(capsys, *argv)
        assert code == 0 and "Example:" in out
    code, out, _ = run(capsys, "--version")
    assert code == 0 and __version__ in out
