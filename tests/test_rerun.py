"""Reruns at the speed of `stat` (pipeline.rerun, pipeline.scan, pipeline.splice): after any
sequence of edits, touches, renames, deletions and additions, a rerun into the same folder
gives the bytes of a clean run, having read and processed only what changed."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from pipeline import samples, scan
from pipeline.cli import main
from tests.conftest import ROOT
from tests.test_resume import assert_complete, outputs

#: Keys of report.json that describe how a run went rather than what it produced.
#: (`parsers` names the parser that read each file: the compiled core, or the Python
#: implementation, which a rerun uses for the few files it processes.)
RUN_KEYS = ("seconds", "cached", "implementations", "rerun", "parsers")
PAST = time.time_ns() - 3600 * 10**9  # inputs written "an hour ago", as an export would be


def report_of(out: Path) -> dict[str, Any]:
    """report.json less what describes the run rather than its outputs."""
    data = json.loads((out / "report.json").read_text(encoding="utf-8"))
    for key in RUN_KEYS:
        data.pop(key)
    return data


def run(src: Path, out: Path, *extra: str) -> dict[str, Any]:
    """Migrate in this process; return the run's `rerun` counts."""
    assert main(["migrate", str(src), "--out", str(out), "-q", *extra]) in (0, 1)
    rerun: dict[str, Any] = json.loads((out / "report.json").read_text())["rerun"]
    return rerun


def same_as_clean(src: Path, out: Path, clean: Path) -> None:
    """The outputs in `out` are those of a clean run over `src`."""
    shutil.rmtree(clean, ignore_errors=True)
    run(src, clean)
    assert outputs(out) == outputs(clean)
    assert report_of(out) == report_of(clean)


def write_past(path: Path, data: bytes, ns: int) -> None:
    """Write a file and give it an mtime in the past (not racy)."""
    path.write_bytes(data)
    os.utime(path, ns=(ns, ns))


class Reruns(RuleBasedStateMachine):
    """Edits between runs; after each run, the outputs equal a clean run's."""

    def __init__(self) -> None:
        super().__init__()
        self.root = Path(tempfile.mkdtemp(prefix="rerun-"))
        self.src = self.root / "src"
        self.out = self.root / "out"
        self.clock = PAST
        self.modes: list[str] = []

    def tick(self) -> int:
        """A new time in the past, later than the last one."""
        self.clock += 10**9 + 1234
        return self.clock

    @initialize(n=st.integers(4, 10), seed=st.integers(0, 50))
    def start(self, n: int, seed: int) -> None:
        self.src.mkdir()
        (self.src / "sub").mkdir()
        for i, (name, data) in enumerate(samples.generate(n, seed=seed)):
            folder = self.src / "sub" if i % 3 == 2 else self.src
            write_past(folder / name, data, self.tick())
        run(self.src, self.out)

    def files(self) -> list[Path]:
        return sorted(p for p in self.src.rglob("*") if p.is_file())

    def pick(self, index: int) -> Path | None:
        files = self.files()
        return files[index % len(files)] if files else None

    @rule(index=st.integers(0, 99), text=st.sampled_from(["NEW ", "changed ", "ß "]))
    def edit(self, index: int, text: str) -> None:
        path = self.pick(index)
        if path is not None:
            data = path.read_bytes().replace(b"answer: >-\n    ", f"answer: >-\n    {text}"
                                             .encode(), 1)
            write_past(path, data, self.tick())

    @rule(index=st.integers(0, 99))
    def same_size_same_mtime(self, index: int) -> None:
        """An edit that keeps size and mtime: only the ctime tells."""
        path = self.pick(index)
        if path is not None:
            st_ = path.stat()
            data = bytearray(path.read_bytes())
            at = data.find(b"answer: >-\n    ") + 16
            if at > 16:
                data[at] = ord("Z") if data[at] != ord("Z") else ord("Y")
            write_past(path, bytes(data), st_.st_mtime_ns)

    @rule(index=st.integers(0, 99))
    def touch(self, index: int) -> None:
        path = self.pick(index)
        if path is not None:
            at = self.tick()
            os.utime(path, ns=(at, at))

    @rule(index=st.integers(0, 99), name=st.sampled_from(["a0.txt", "zz.md", "sub/m.txt"]))
    def rename(self, index: int, name: str) -> None:
        path = self.pick(index)
        if path is not None and not (self.src / name).exists():
            path.rename(self.src / name)

    @rule(index=st.integers(0, 99))
    def delete(self, index: int) -> None:
        path = self.pick(index)
        if path is not None and len(self.files()) > 1:
            path.unlink()

    @rule(seed=st.integers(100, 150), name=st.sampled_from(["new1.txt", "sub/new2.md"]))
    def add(self, seed: int, name: str) -> None:
        _, data = next(iter(samples.generate(1, seed=seed, first_id=300000 + seed)))
        write_past(self.src / name, data, self.tick())

    @rule(a=st.integers(0, 99), b=st.integers(0, 99))
    def same_id(self, a: int, b: int) -> None:
        """Give one file the id of another (the first by input order keeps it)."""
        first, second = self.pick(a), self.pick(b)
        if first is None or second is None or first == second:
            return
        found = re.search(rb"\nid: (\d+)", first.read_bytes())
        if found:
            data = re.sub(rb"\nid: \d+", b"\nid: " + found.group(1), second.read_bytes(), 1)
            write_past(second, data, self.tick())

    @rule(a=st.integers(0, 99), b=st.integers(0, 99))
    def same_title(self, a: int, b: int) -> None:
        """Give one file the title of another: the same slug, URL and page name."""
        first, second = self.pick(a), self.pick(b)
        if first is None or second is None or first == second:
            return
        found = re.search(rb"\ntitle: >-\n    ([^\n]*)", first.read_bytes())
        if found:
            data = re.sub(rb"\ntitle: >-\n    [^\n]*", b"\ntitle: >-\n    " + found.group(1)
                          .replace(b"\\", b"\\\\"), second.read_bytes(), 1)
            write_past(second, data, self.tick())

    @rule(index=st.integers(0, 99))
    def break_yaml(self, index: int) -> None:
        path = self.pick(index)
        if path is not None:
            write_past(path, path.read_bytes().replace(b"\nid:", b"\nid: [", 1), self.tick())

    @rule()
    def rerun(self) -> None:
        self.modes.append(run(self.src, self.out)["mode"])

    @invariant()
    def like_a_clean_run(self) -> None:
        if not self.out.exists():
            return
        run(self.src, self.out)
        same_as_clean(self.src, self.out, self.root / "clean")
        assert_complete(self.out)

    def teardown(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


Reruns.TestCase.settings = settings(max_examples=int(os.environ.get("RERUN_EXAMPLES", "12")), stateful_step_count=6, deadline=None,
                                    suppress_health_check=[HealthCheck.too_slow])
test_reruns_equal_clean_runs = Reruns.TestCase


@pytest.fixture()
def corpus(tmp_path: Path) -> Path:
    """300 generated documents, written "an hour ago"."""
    src = tmp_path / "src"
    src.mkdir()
    for i, (name, data) in enumerate(samples.generate(300, seed=11)):
        write_past(src / name, data, PAST + i)
    return src


def test_modes_and_counts(corpus: Path, tmp_path: Path) -> None:
    out, clean = tmp_path / "out", tmp_path / "clean"
    first = run(corpus, out)
    assert first == {"mode": "full", "unchanged_by_metadata": 0, "hashed": 300,
                     "processed": 300}
    pages = sorted((out / "markdown").rglob("*.md"))
    stamps = {p: p.stat().st_mtime_ns for p in pages}
    tables = {p: p.stat().st_mtime_ns for p in out.glob("*.*sv*")}
    # Nothing changed: nothing read, nothing written but report.json.
    assert run(corpus, out) == {"mode": "none", "unchanged_by_metadata": 300, "hashed": 0,
                                "processed": 0}
    assert {p: p.stat().st_mtime_ns for p in out.glob("*.*sv*")} == tables
    # A touched file is hashed, not processed; nothing is rewritten.
    victim = sorted(corpus.iterdir())[7]
    os.utime(victim, ns=(PAST + 10**9, PAST + 10**9))
    assert run(corpus, out) == {"mode": "splice", "unchanged_by_metadata": 299, "hashed": 1,
                                "processed": 0}
    # One edit: one file processed, one page rewritten, the tables spliced.
    write_past(victim, victim.read_bytes().replace(b"answer: >-\n    ", b"answer: >-\n    NEW ",
                                                   1), PAST + 2 * 10**9)
    assert run(corpus, out) == {"mode": "splice", "unchanged_by_metadata": 299, "hashed": 1,
                                "processed": 1}
    rewritten = [p for p in pages if p.stat().st_mtime_ns != stamps[p]]
    assert len(rewritten) == 1 and "NEW " in rewritten[0].read_text()
    same_as_clean(corpus, out, clean)
    # --verify hashes every input, and processes none that did not change.
    assert run(corpus, out, "--verify") == {"mode": "splice", "unchanged_by_metadata": 0,
                                            "hashed": 300, "processed": 0}
    # A deleted input: its rows and page go, as in a clean run.
    victim.unlink()
    assert run(corpus, out)["mode"] == "splice"
    assert len(list((out / "markdown").rglob("*.md"))) == 299
    same_as_clean(corpus, out, clean)
    # An edit in the same clock tick as the run: the file is racy, hashed although its
    # size and mtime are as recorded.
    other = sorted(corpus.iterdir())[3]
    other.write_bytes(other.read_bytes())
    run(corpus, out)
    data = bytearray(other.read_bytes())
    stat = other.stat()
    data[data.find(b"answer: >-\n    ") + 16] ^= 0x20
    other.write_bytes(bytes(data))
    os.utime(other, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert run(corpus, out)["processed"] == 1
    same_as_clean(corpus, out, clean)
    # --full processes every input.
    assert run(corpus, out, "--full")["mode"] == "full"


def test_an_output_changed_by_hand_is_rewritten(corpus: Path, tmp_path: Path) -> None:
    out, clean = tmp_path / "out", tmp_path / "clean"
    run(corpus, out)
    page = sorted((out / "markdown").rglob("*.md"))[5]
    page.write_text("edited by hand\n")
    assert run(corpus, out)["mode"] == "full"
    same_as_clean(corpus, out, clean)
    (out / "articles.jsonl").write_bytes(b"")
    assert run(corpus, out)["mode"] == "full"
    same_as_clean(corpus, out, clean)


def test_a_changed_id_that_collides_processes_everything(corpus: Path, tmp_path: Path) -> None:
    out, clean = tmp_path / "out", tmp_path / "clean"
    run(corpus, out)
    files = sorted(corpus.iterdir())
    first_id = re.search(rb"\nid: (\d+)", files[0].read_bytes())
    assert first_id is not None
    data = re.sub(rb"\nid: \d+", b"\nid: " + first_id.group(1), files[9].read_bytes(), 1)
    write_past(files[9], data, PAST + 10**9)
    assert run(corpus, out)["mode"] == "full"
    assert "duplicate id" in (out / "report.json").read_text()
    same_as_clean(corpus, out, clean)


def test_python_scan_and_core_scan_agree(corpus: Path, tmp_path: Path) -> None:
    core = scan._compiled("compare_inputs")
    if core is None:
        pytest.skip("the compiled core is not in use (PIPELINE_CORE=0 or not built)")
    (corpus / "sub").mkdir()
    (corpus / "sub" / "x.md").write_text("---\nid: 1\n---\n")
    (corpus / ".hidden").write_text("x")
    roots = scan.roots_of([corpus, corpus / "sub" / "x.md"])
    first = scan.compare_python(roots, None, tmp_path / "p1", None)
    fast = core(roots, None, str(tmp_path / "c1"), None, False, None)
    assert (tmp_path / "p1").read_bytes() == (tmp_path / "c1").read_bytes()
    assert fast[3] == first.count == 302
    os.utime(corpus / "sub" / "x.md", ns=(1, 1))
    (corpus / sorted(os.listdir(corpus))[0]).unlink()
    again = scan.compare_python(roots, tmp_path / "p1", tmp_path / "p2", PAST + 10**12)
    fast = core(roots, str(tmp_path / "c1"), str(tmp_path / "c2"), PAST + 10**12, False, None)
    assert (again.unchanged, again.candidates, again.deleted, again.first_touched,
            again.rels_digest) == (fast[0], fast[1], fast[2], fast[4], fast[5])
    assert (tmp_path / "p2").read_bytes() == (tmp_path / "c2").read_bytes()


def test_kill_9_during_a_rerun(corpus: Path, tmp_path: Path) -> None:
    """A rerun killed at any moment leaves complete files, and the run after it gives the
    bytes of a clean run."""
    big = tmp_path / "big"
    shutil.copytree(corpus, big)
    for i, (name, data) in enumerate(samples.generate(1500, seed=12, first_id=500000)):
        write_past(big / f"b-{name}", data, PAST + i)
    out, clean = tmp_path / "out", tmp_path / "clean"
    run(big, out)
    cli = [sys.executable, "-m", "pipeline", "migrate", str(big), "--out", str(out), "-q"]
    for step, fraction in enumerate((0.2, 0.5, 0.8)):
        # Enough edits that the rerun processes everything, and a few that it splices.
        files = sorted(big.iterdir())
        for path in files[step::7 if step == 0 else 300]:
            write_past(path, path.read_bytes().replace(b"answer: >-\n    ",
                                                        b"answer: >-\n    K ", 1),
                       PAST + (step + 1) * 10**10)
        started = time.monotonic()
        subprocess.run(cli, cwd=ROOT, check=False)
        duration = time.monotonic() - started
        files = sorted(big.iterdir())
        for path in files[step + 1::7 if step == 0 else 300]:
            write_past(path, path.read_bytes().replace(b"answer: >-\n    ",
                                                        b"answer: >-\n    L ", 1),
                       PAST + (step + 1) * 10**10 + 1)
        proc = subprocess.Popen(cli, cwd=ROOT)
        time.sleep(duration * fraction)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        assert_complete(out)
        subprocess.run(cli, cwd=ROOT, check=False)
        same_as_clean(big, out, clean)


def test_several_roots_a_file_and_a_name_that_is_not_utf8(tmp_path: Path) -> None:
    """Inputs from two folders and a single file, one named in Latin-1 (the compiled core's
    scan declines such a tree; the reference walks it): reruns stay equal to clean runs."""
    one, two = tmp_path / "one", tmp_path / "two"
    one.mkdir()
    (two / "deep").mkdir(parents=True)
    docs = list(samples.generate(9, seed=21))
    for i, (name, data) in enumerate(docs[:4]):
        write_past(one / name, data, PAST + i)
    for i, (name, data) in enumerate(docs[4:8]):
        write_past((two / "deep" if i % 2 else two) / name, data, PAST + 10 + i)
    single = tmp_path / docs[8][0]
    write_past(single, docs[8][1], PAST + 20)
    odd = os.fsdecode(b"caf\xe9.txt")
    write_past(two / odd, docs[0][1].replace(b"\nid: ", b"\nid: 9"), PAST + 30)
    out, clean = tmp_path / "out", tmp_path / "clean"
    args = [str(one), str(two), str(single)]

    def again(target: Path) -> dict[str, Any]:
        assert main(["migrate", *args, "--out", str(target), "-q"]) in (0, 1)
        rerun: dict[str, Any] = json.loads((target / "report.json").read_text())["rerun"]
        return rerun

    def like_clean() -> None:
        shutil.rmtree(clean, ignore_errors=True)
        again(clean)
        assert outputs(out) == outputs(clean)
        assert report_of(out) == report_of(clean)

    assert again(out)["mode"] == "full"
    report = json.loads((out / "report.json").read_text())
    assert [(r["path"], r["kind"]) for r in report["rejected"]] == \
        [("two/caf\\xe9.txt", "encoding")]
    assert again(out)["mode"] == "none"
    victim = two / "deep" / docs[5][0]
    write_past(victim, victim.read_bytes().replace(b"answer: >-\n    ", b"answer: >-\n    R ", 1),
               PAST + 40)
    # (The report names the odd file as no input is named: a splice declines.)
    assert again(out)["mode"] == "full"
    like_clean()
    (two / odd).unlink()
    assert again(out)["mode"] == "full"  # (the last report still names it)
    like_clean()
    write_past(victim, victim.read_bytes().replace(b"answer: >-\n    ", b"answer: >-\n    S ", 1),
               PAST + 50)
    assert again(out) == {"mode": "splice", "unchanged_by_metadata": 8, "hashed": 1,
                          "processed": 1}
    like_clean()
