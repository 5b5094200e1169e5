"""Shared fixtures: project paths and profiles."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.record import Record, Rejection
from pipeline.transform import process_bytes
from pipeline.transform.profile import Profile, load_profile

ROOT = Path(__file__).resolve().parents[1]
INPUT_DIR = ROOT / "input"
FIXTURES = ROOT / "tests" / "fixtures"
SHARED = ROOT.parent / "shared"
SEED = INPUT_DIR / "000_d55175470d23ebb0.txt"


@pytest.fixture(scope="session")
def default_profile() -> Profile:
    """The seed CMS profile."""
    return load_profile("default")


@pytest.fixture(scope="session")
def generic_profile() -> Profile:
    """The generic profile."""
    return load_profile("generic")


def input_files() -> list[Path]:
    """Every sample legacy file in input/."""
    return sorted(p for p in INPUT_DIR.iterdir() if p.is_file() and not p.name.startswith("."))


def sample_records() -> list[Record]:
    """Every input/ file as its record (through the default profile)."""
    profile = load_profile("default")
    records = []
    for path in input_files():
        outcome = process_bytes(path.read_bytes(), path.name, profile)
        assert not isinstance(outcome, Rejection), outcome
        records.append(outcome)
    return records


#: Lines tests want shown in the summary of every run (e.g. the per-corpus shares).
SUMMARY_LINES: list[str] = []


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Print the lines tests collected in SUMMARY_LINES, also when output is captured."""
    if SUMMARY_LINES:
        terminalreporter.section("corpus figures")
        for line in SUMMARY_LINES:
            terminalreporter.write_line(line)
