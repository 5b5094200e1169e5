"""Two implementations, one result: whole runs with the compiled core and with PIPELINE_CORE=0
give byte-identical outputs (every format, all four Markdown targets) and the same report.

Corpora: input/, 3,000 messy generated documents (tests/core/messy.py), the hostile fixtures,
and ../shared/corpora (with the generic and the default profile). The share of files the core
handled itself is printed and, on the generated documents, held to at least 99 %.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from pipeline import core
from pipeline.cli import main
from pipeline.samples import write_samples
from tests.conftest import FIXTURES, INPUT_DIR, SHARED, SUMMARY_LINES
from tests.core.messy import messy

pytestmark = pytest.mark.skipif(not core.status()[0] and core._core is None,
                                reason="pipeline_core is not installed (no cargo to build it)")

#: report.json keys that differ by implementation or run, not by content.
ENGINE_KEYS = ("seconds", "parsers", "implementations")
TARGETS = ("generic", "hugo", "jekyll", "astro")


def outputs(out: Path) -> dict[str, bytes]:
    """Every output file but the run's own state, report.json without its engine keys."""
    files: dict[str, bytes] = {}
    for path in sorted(out.rglob("*")):
        rel = path.relative_to(out)
        if not path.is_file() or rel.parts[0] == ".pipeline":
            continue
        data = path.read_bytes()
        if rel.as_posix() == "report.json":
            report = json.loads(data)
            for key in ENGINE_KEYS:
                report.pop(key, None)
            data = json.dumps(report, indent=1, ensure_ascii=False).encode()
        files[rel.as_posix()] = data
    return files


def run(inputs: list[Path], out: Path, monkeypatch: pytest.MonkeyPatch, use_core: bool,
        *args: str) -> tuple[int, dict[str, Any]]:
    """One migration; returns the exit code and report.json."""
    if out.exists():
        shutil.rmtree(out)
    monkeypatch.setenv("PIPELINE_CORE", "1" if use_core else "0")
    code = main(["migrate", *map(str, inputs), "--out", str(out), "-q", *args])
    return code, json.loads((out / "report.json").read_text(encoding="utf-8"))


def compare(inputs: list[Path], tmp: Path, monkeypatch: pytest.MonkeyPatch, label: str,
            *args: str) -> dict[str, Any]:
    """Run both implementations and assert identical outputs; return the core run's report."""
    code_core, report = run(inputs, tmp / "core", monkeypatch, True, *args)
    code_python, report_python = run(inputs, tmp / "python", monkeypatch, False, *args)
    assert code_core == code_python, label
    assert report_python["implementations"]["core"] == 0
    ours, theirs = outputs(tmp / "core"), outputs(tmp / "python")
    assert sorted(ours) == sorted(theirs), label
    different = [name for name in ours if ours[name] != theirs[name]]
    assert not different, f"{label}: {different[:10]}"
    return report


def share(report: dict[str, Any]) -> str:
    """`core handled N of M files (P %)` plus the top decline reasons."""
    counts = report["implementations"]
    total = counts["core"] + counts["python"]
    top = sorted(counts["core_declined"].items(), key=lambda kv: -kv[1])[:4]
    return (f"core {counts['core']}/{total} ({100 * counts['core'] / max(total, 1):.1f} %)"
            + (f"; declined: {dict(top)}" if top else ""))


@pytest.fixture(scope="module")
def messy_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("messy")
    for name, data in messy(3000):
        (folder / name).write_bytes(data)
    return folder


@pytest.fixture(scope="module")
def samples_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("samples")
    write_samples(folder, 1000, seed=3)
    return folder


@pytest.mark.parametrize("target", TARGETS)
def test_input_folder(target: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    formats = "jsonl,csv,markdown,parquet" if target == "generic" else "jsonl,csv,markdown"
    report = compare([INPUT_DIR], tmp_path, monkeypatch, f"input/ {target}",
                     "--format", formats, "--target", target)
    counts = report["implementations"]
    # Every file but the site samples (w*: HTML answers and links, which the reference
    # converts and checks), which the core declines.
    site = len(list(INPUT_DIR.glob("w*")))
    assert site and counts["core"] == report["inputs"] - site, share(report)
    assert set(counts["core_declined"]) <= {"HTML field", "text with links"}
    if target == "generic":
        SUMMARY_LINES.append(f"differential input/: {share(report)}")


def test_generated_samples_are_the_cores(samples_dir: Path, tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    report = compare([samples_dir], tmp_path, monkeypatch, "samples")
    counts = report["implementations"]
    assert counts["core"] >= 0.99 * report["inputs"], share(report)
    SUMMARY_LINES.append(f"differential generated samples: {share(report)}")


@pytest.mark.parametrize("target", TARGETS)
def test_messy_documents(target: str, messy_dir: Path, tmp_path: Path,
                         monkeypatch: pytest.MonkeyPatch) -> None:
    report = compare([messy_dir], tmp_path, monkeypatch, f"messy {target}",
                     "--target", target)
    assert report["rejected"], "the messy corpus has rejected files"
    if target == "generic":
        SUMMARY_LINES.append(f"differential messy (3000): {share(report)}")


def test_messy_spreadsheet_safe(messy_dir: Path, tmp_path: Path,
                                monkeypatch: pytest.MonkeyPatch) -> None:
    compare([messy_dir], tmp_path, monkeypatch, "messy spreadsheet-safe",
            "--format", "csv", "--spreadsheet-safe")


def test_hostile_fixtures(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    report = compare([FIXTURES / "hostile", INPUT_DIR], tmp_path, monkeypatch, "hostile",
                     "--max-bytes", "65536")
    SUMMARY_LINES.append(f"differential hostile + input/: {share(report)}")


@pytest.mark.parametrize("profile", ["generic", "default"])
def test_shared_corpora(profile: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    corpora = SHARED / "corpora"
    if not corpora.is_dir():
        pytest.skip(f"{corpora} is absent (../shared is not laid beside the project)")
    targets = TARGETS if profile == "generic" else ("generic",)
    for target in targets:
        report = compare([corpora], tmp_path, monkeypatch, f"corpora {profile} {target}",
                         "--profile", profile, "--target", target)
        if target == "generic":
            SUMMARY_LINES.append(f"differential corpora ({profile}): {share(report)}")
