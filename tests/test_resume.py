"""Crash safety, resumable and incremental runs, --on-error."""

from __future__ import annotations

import csv
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pipeline.cli import main
from pipeline.extract import parse_document
from pipeline.samples import write_samples
from tests.conftest import ROOT, SEED

STATE = ".pipeline"


def outputs(out: Path) -> dict[str, bytes]:
    """Every output file except the run's own state and the timing in report.json."""
    files = {}
    for path in sorted(out.rglob("*")):
        rel = path.relative_to(out)
        if path.is_file() and rel.parts[0] != STATE and rel.name != "report.json":
            files[rel.as_posix()] = path.read_bytes()
    return files


def assert_complete(out: Path) -> None:
    """Every file under its final name is complete and parses."""
    for rel, data in outputs(out).items():
        if rel.endswith(".jsonl"):
            assert data == b"" or data.endswith(b"\n"), rel
            for line in data.decode().splitlines():
                json.loads(line)
        elif rel.endswith(".csv"):
            rows = list(csv.reader(data.decode().splitlines(keepends=True)))
            assert all(len(r) == len(rows[0]) for r in rows), rel
        elif rel.endswith(".json"):
            json.loads(data)
        elif rel.endswith(".md"):
            raw = parse_document(data, rel)
            assert raw.front_matter and "source" in raw.front_matter, rel
    report = out / "report.json"
    if report.exists():
        json.loads(report.read_text())


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("corpus")
    write_samples(folder, 2500, seed=7)
    return folder


def cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "pipeline", "migrate", *args, "-q"]


def test_kill_9_then_rerun_is_byte_identical(corpus: Path, tmp_path: Path) -> None:
    clean = tmp_path / "clean"
    started = time.monotonic()
    subprocess.run(cli(str(corpus), "--out", str(clean)), cwd=ROOT, check=True)
    duration = time.monotonic() - started
    expected = outputs(clean)
    for fraction in (0.35, 0.7, 0.95):
        out = tmp_path / f"killed-{fraction}"
        proc = subprocess.Popen(cli(str(corpus), "--out", str(out), "--workers", "2"), cwd=ROOT)
        time.sleep(duration * fraction)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        assert_complete(out)
        subprocess.run(cli(str(corpus), "--out", str(out), "--workers", "2"), cwd=ROOT,
                       check=True)
        assert outputs(out) == expected, fraction
        report = json.loads((out / "report.json").read_text())
        assert report["migrated"] == 2500


def test_incremental_rerun_touches_only_what_changed(corpus: Path, tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "src"
    shutil.copytree(corpus, src)
    out = tmp_path / "out"
    assert main(["migrate", str(src), "--out", str(out), "-q"]) == 0
    pages = out / "markdown" / "generic"
    before = {p.name: p.stat().st_mtime_ns for p in pages.iterdir()}
    time.sleep(0.01)
    # No change: decided from metadata alone, nothing read or written but report.json.
    first = outputs(out)
    assert main(["migrate", str(src), "--out", str(out), "-q"]) == 0
    report = json.loads((out / "report.json").read_text())
    assert report["rerun"] == {"mode": "none", "unchanged_by_metadata": 2500, "hashed": 0,
                               "processed": 0}
    assert outputs(out) == first
    assert {p.name: p.stat().st_mtime_ns for p in pages.iterdir()} == before
    # Touch one input: only its outcome is recomputed and only its page rewritten.
    victim = next(p for p in sorted(src.iterdir())[10:] if b"answer: >-\n    " in p.read_bytes())
    victim.write_bytes(victim.read_bytes().replace(b"answer: >-\n    ", b"answer: >-\n    NEW "))
    assert main(["migrate", str(src), "--out", str(out), "-q"]) == 0
    report = json.loads((out / "report.json").read_text())
    assert report["cached"] == 2499
    assert report["rerun"] == {"mode": "splice", "unchanged_by_metadata": 2499, "hashed": 1,
                               "processed": 1}
    after = {p.name: p.stat().st_mtime_ns for p in pages.iterdir()}
    changed = [name for name in after if after[name] != before.get(name)]
    assert len(changed) == 1
    assert "NEW " in (pages / changed[0]).read_text()
    clean = tmp_path / "clean"
    assert main(["migrate", str(src), "--out", str(clean), "-q"]) == 0
    assert outputs(out) == outputs(clean)
    # Delete an input: its page disappears, as in a clean run.
    victim.unlink()
    assert main(["migrate", str(src), "--out", str(out), "-q"]) == 0
    assert len(list(pages.iterdir())) == 2499
    # A changed option that affects records invalidates the cache.
    assert main(["migrate", str(src), "--out", str(out), "-q", "--max-bytes", "99999"]) == 0
    assert json.loads((out / "report.json").read_text())["cached"] == 0
    # --full ignores the manifest.
    assert main(["migrate", str(src), "--out", str(out), "-q", "--full"]) == 0
    assert json.loads((out / "report.json").read_text())["cached"] == 0


def test_changed_profile_invalidates_the_cache(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    shutil.copy(SEED, src / "seed.txt")
    profile = tmp_path / "p.yaml"
    text = (ROOT / "schemas" / "profiles" / "default.yaml").read_text()
    profile.write_text(text)
    out = tmp_path / "out"
    assert main(["migrate", str(src), "--out", str(out), "-q", "--profile", str(profile)]) == 0
    assert main(["migrate", str(src), "--out", str(out), "-q", "--profile", str(profile)]) == 0
    assert json.loads((out / "report.json").read_text())["cached"] == 1
    profile.write_text(text.replace("description: Q&A", "description: Changed Q&A"))
    from pipeline.transform.profile import load_profile
    load_profile.cache_clear()
    assert main(["migrate", str(src), "--out", str(out), "-q", "--profile", str(profile)]) == 0
    assert json.loads((out / "report.json").read_text())["cached"] == 0


def test_on_error_fail_stops_and_leaves_previous_outputs(tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]
                                                         ) -> None:
    src = tmp_path / "src"
    src.mkdir()
    shutil.copy(SEED, src / "a.txt")
    out = tmp_path / "out"
    assert main(["migrate", str(src), "--out", str(out), "-q"]) == 0
    previous = outputs(out)
    write_samples(src, 5, seed=3)
    (src / "m-bad.md").write_text("---\nid: 1\ntitle: What: no\n---\n")
    code = main(["migrate", str(src), "--out", str(out), "--on-error", "fail"])
    _, err = capsys.readouterr()
    assert code == 1 and "stopped at the first rejected file" in err
    report = json.loads((out / "report.json").read_text())
    assert report["stopped"] is True and report["rejected"][0]["path"] == "m-bad.md"
    assert {k: v for k, v in outputs(out).items() if not k.startswith("markdown/")} == {
        k: v for k, v in previous.items() if not k.startswith("markdown/")}
    assert_complete(out)
    # skip (the default) writes everything else and exits 1.
    assert main(["migrate", str(src), "--out", str(out), "-q"]) == 1
    assert json.loads((out / "report.json").read_text())["migrated"] == 6
    assert not any(p.name.startswith(".tmp") for p in out.rglob("*"))
    assert not os.listdir(out / STATE / "tmp")
