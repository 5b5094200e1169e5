"""Benchmark the pipeline against the naive baseline script on a generated corpus.

Usage: python bench/run_bench.py [--n N] [--rounds R] [--workers W] [--out FILE]
                                 [--corpus-dir DIR] [--seed S] [--pipeline-only | --rss-scale]

The corpus (`pipeline.samples`, seed-shaped documents) is generated once into
`<corpus-dir>/corpus-N/` and reused while its marker file still matches. Each round runs every
contender once, alternating, each as a fresh subprocess writing jsonl, csv and markdown; wall
time, CPU time and peak memory are measured from outside the child. Figures are printed as a
table and written to a JSON file.

Beside the naive script and the pipeline runs the I/O floor (bench/floor.py): every input read
and every output file created, nothing parsed, on the same number of processes. Its ratio over
the naive script is the ceiling for any tool on this machine and file system.

Memory is reported two ways because the pipeline runs a process pool:
- `peak_rss_mib`: ru_maxrss from os.wait4, exact, of the largest single process in the child's
  tree (the kernel keeps the maximum, not the sum);
- `tree_peak_mib`: the largest sum over the whole process tree, sampled every 50 ms from /proc
  (PSS where the kernel offers smaps_rollup, so pages shared after fork count once; else RSS).
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import importlib.metadata
import inspect
import json
import multiprocessing
import os
import platform
import shutil
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from pipeline import samples

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
DEFAULT_OUT = BENCH_DIR / "out" / "results.json"
FORMATS = "jsonl,csv,markdown"
MARKER = ".bench-corpus.json"  # hidden, so neither tool reads it as a document
SAMPLE_INTERVAL = 0.05
MIB = 1024 * 1024
# ru_maxrss is KiB on Linux but bytes on macOS.
MAXRSS_UNIT = 1 if sys.platform == "darwin" else 1024


# ------------------------------------------------------------------------------------------
# Corpus.
# ------------------------------------------------------------------------------------------


def _generator_digest() -> str:
    """Digest of the generator's source: a changed generator must not reuse an old corpus."""
    source = inspect.getsourcefile(samples)
    assert source is not None
    return hashlib.sha256(Path(source).read_bytes()).hexdigest()


def _corpus_digest(entries: list[tuple[str, str]]) -> str:
    """One digest over (file name, file sha256) pairs, independent of listing order."""
    total = hashlib.sha256()
    for name, sha in sorted(entries):
        total.update(f"{name}\0{sha}\n".encode())
    return total.hexdigest()


def _scan_corpus(corpus: Path) -> tuple[int, int, str]:
    """(files, bytes, digest) of the documents on disk; also warms the page cache for both."""
    entries: list[tuple[str, str]] = []
    size = 0
    for path in corpus.iterdir():
        if path.is_file() and not path.name.startswith("."):
            data = path.read_bytes()
            size += len(data)
            entries.append((path.name, hashlib.sha256(data).hexdigest()))
    return len(entries), size, _corpus_digest(entries)


def ensure_corpus(corpus: Path, n: int, seed: int) -> dict[str, Any]:
    """Generate n documents into corpus, or reuse it when its marker and contents match."""
    generator = _generator_digest()
    marker_path = corpus / MARKER
    if marker_path.is_file():
        try:
            marker = json.loads(marker_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            marker = {}
        wanted = {"n": n, "seed": seed, "generator_sha256": generator}
        if all(marker.get(key) == value for key, value in wanted.items()):
            files, size, digest = _scan_corpus(corpus)
            if files == n and digest == marker.get("digest"):
                return {**marker, "dir": str(corpus), "bytes": size, "reused": True}
    if corpus.exists():
        shutil.rmtree(corpus)
    corpus.mkdir(parents=True)
    entries: list[tuple[str, str]] = []
    size = 0
    started = time.perf_counter()
    for name, data in samples.generate(n, seed):
        (corpus / name).write_bytes(data)
        size += len(data)
        entries.append((name, hashlib.sha256(data).hexdigest()))
    marker = {"n": n, "seed": seed, "generator_sha256": generator,
              "digest": _corpus_digest(entries)}
    # Written last: an interrupted generation leaves no marker and is redone next time.
    marker_path.write_text(json.dumps(marker, indent=2) + "\n", encoding="utf-8")
    print(f"generated {n} documents ({size / 1e6:.1f} MB) into {corpus} "
          f"in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return {**marker, "dir": str(corpus), "bytes": size, "reused": False}


# ------------------------------------------------------------------------------------------
# Measuring one child process.
# ------------------------------------------------------------------------------------------


def _descendants(root: int) -> list[int]:
    """root and every process below it, from the parent ids in /proc/*/stat."""
    parents: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as handle:
                stat = handle.read()
        except OSError:
            continue  # exited while we looked
        # The command name may contain spaces and parentheses; fields resume after the last ")".
        ppid = int(stat[stat.rindex(b")") + 2:].split()[1])
        parents.setdefault(ppid, []).append(int(entry))
    found, queue = [], [root]
    while queue:
        pid = queue.pop()
        found.append(pid)
        queue.extend(parents.get(pid, ()))
    return found


def _memory_bytes(pid: int, metric: str) -> int:
    """PSS or RSS of one process in bytes (0 if it has gone)."""
    try:
        if metric == "pss":
            with open(f"/proc/{pid}/smaps_rollup", "rb") as handle:
                for line in handle:
                    if line.startswith(b"Pss:"):
                        return int(line.split()[1]) * 1024
            return 0
        with open(f"/proc/{pid}/statm", "rb") as handle:
            return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def tree_metric() -> str | None:
    """Which per-process figure the tree sampler sums: pss, rss, or None without /proc."""
    if not Path("/proc/self/stat").exists():
        return None
    return "pss" if Path("/proc/self/smaps_rollup").exists() else "rss"


class TreeSampler(threading.Thread):
    """Samples the summed memory of a process tree until stopped; keeps the peak."""

    def __init__(self, pid: int, metric: str) -> None:
        """Watch the tree rooted at pid."""
        super().__init__(daemon=True)
        self.pid, self.metric = pid, metric
        self.peak = 0
        self.stop = threading.Event()

    def run(self) -> None:
        """Sample until told to stop (wait doubles as the sampling interval)."""
        while not self.stop.is_set():
            total = sum(_memory_bytes(pid, self.metric) for pid in _descendants(self.pid))
            self.peak = max(self.peak, total)
            self.stop.wait(SAMPLE_INTERVAL)


@dataclass
class Run:
    """One measured run of one contender."""

    label: str
    tool: str
    n: int
    round: int
    seconds: float
    files_per_s: float
    cpu_seconds: float
    peak_rss_mib: float
    tree_peak_mib: float | None
    records: int
    load_before: float | None


def measure(cmd: Sequence[str], log: Path) -> tuple[float, float, float, float | None, int]:
    """Run cmd to completion: (wall s, CPU s, max-process RSS MiB, tree peak MiB, exit code)."""
    metric = tree_metric()
    with open(log, "wb") as out:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=REPO, stdout=out, stderr=subprocess.STDOUT)
        sampler = TreeSampler(proc.pid, metric) if metric else None
        if sampler:
            sampler.start()
        # wait4 gives this child's own rusage (with its waited-for descendants), which
        # RUSAGE_CHILDREN deltas cannot: its ru_maxrss is a running maximum over all children.
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)  # so Popen never waits on it again
    if sampler:
        sampler.stop.set()
        sampler.join()
    # A child that ends before the first sample leaves no tree figure rather than a zero.
    tree = sampler.peak / MIB if sampler and sampler.peak else None
    return (seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss * MAXRSS_UNIT / MIB,
            tree, proc.returncode)


def _count_lines(path: Path) -> int:
    """Lines in a file (records in a JSONL file), 0 if it is missing."""
    if not path.is_file():
        return 0
    with open(path, "rb") as handle:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b""))


# ------------------------------------------------------------------------------------------
# Contenders and rounds.
# ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Contender:
    """A tool run over one corpus."""

    label: str
    tool: str
    n: int
    corpus: Path
    command: Callable[[Path, Path], list[str]]
    #: How many records an output folder holds (the run is checked against the corpus size).
    count: Callable[[Path], int] = lambda out: _count_lines(out / "articles.jsonl")
    #: A rerun: the output folder it runs into every round (None: a new folder each round),
    #: and what changes in the corpus before each round's run (untimed).
    out: Path | None = None
    before: Callable[[int], None] | None = None


def naive_command(corpus: Path, out: Path) -> list[str]:
    """The baseline script's command line."""
    return [sys.executable, str(BENCH_DIR / "naive.py"), str(corpus), str(out)]


def floor_command(workers: int) -> Callable[[Path, Path], list[str]]:
    """The I/O floor's command line (bench/floor.py): reads and writes only, no parsing."""
    def command(corpus: Path, out: Path) -> list[str]:
        """Build the floor command for corpus into out."""
        return [sys.executable, str(BENCH_DIR / "floor.py"), str(corpus), str(out), str(workers)]
    return command


def _count_pages(out: Path) -> int:
    """Files in the floor's markdown folder: one per record."""
    folder = out / "markdown"
    return sum(1 for _ in os.scandir(folder)) if folder.is_dir() else 0


def pipeline_command(workers: int) -> Callable[[Path, Path], list[str]]:
    """The pipeline's command line with `workers` processes."""
    def command(corpus: Path, out: Path) -> list[str]:
        """Build the migrate command for corpus into out."""
        return [sys.executable, "-m", "pipeline", "migrate", str(corpus), "--out", str(out),
                "--format", FORMATS, "-q", "--workers", str(workers)]
    return command


def run_once(contender: Contender, round_no: int, work_dir: Path, stamp: str = "") -> Run:
    """Run one contender once on a new output folder and check it wrote every record.

    Each round writes into a folder of its own, and old folders are deleted only when the
    benchmark ends (see main): right after tens of thousands of files are deleted, ext4 skips
    the freed inodes when it allocates new ones (its `recently_deleted` check, about 30 s),
    which made creating each file several times slower, for both contenders alike, and
    measured the file system's recovery instead of the tools.
    """
    out = contender.out or work_dir / f"{contender.label.replace('@', '-')}-{stamp}r{round_no}"
    if contender.out is None and out.exists():
        shutil.rmtree(out)
    if contender.before is not None:
        contender.before(round_no)
    # Flush earlier runs' dirty pages now, so their write-back is not billed to this run.
    os.sync()
    # Other work on the machine skews a round; the 1-minute load average makes that visible.
    load = round(os.getloadavg()[0], 2) if hasattr(os, "getloadavg") else None
    log = work_dir / f"{contender.label.replace('@', '-')}.log"
    seconds, cpu, rss, tree, code = measure(contender.command(contender.corpus, out), log)
    if code != 0:
        tail = log.read_text(encoding="utf-8", errors="replace")[-2000:]
        raise SystemExit(f"{contender.label} exited with {code}; last output:\n{tail}")
    records = contender.count(out)
    if records != contender.n:
        raise SystemExit(f"{contender.label} wrote {records} records for {contender.n} inputs "
                         f"(see {out})")
    run = Run(label=contender.label, tool=contender.tool, n=contender.n, round=round_no,
              seconds=round(seconds, 4), files_per_s=round(contender.n / seconds, 2),
              cpu_seconds=round(cpu, 3), peak_rss_mib=round(rss, 2),
              tree_peak_mib=None if tree is None else round(tree, 2), records=records,
              load_before=load)
    tree_text = "" if tree is None else f", tree {tree:.0f} MiB"
    load_text = "" if load is None else f"  (load {load:.1f})"
    print(f"round {round_no} {contender.label:<18} {seconds:7.2f} s {run.files_per_s:9.0f} "
          f"files/s  CPU {cpu:6.1f} s  peak RSS {rss:.0f} MiB{tree_text}{load_text}", file=sys.stderr)
    return run


def rerun_contenders(corpus: Path, n: int, work_dir: Path,
                     command: Callable[[Path, Path], list[str]]) -> list[Contender]:
    """The two reruns: into a folder where the pipeline ran before over the same files, once
    with nothing changed and once with one file edited (the middle one in input order: a
    different edit each round).

    They run over a copy of the corpus made of hard links (made in no time, and an edit
    replaces the link with a file of its own, so the generated corpus stays as it is); the
    folder's first run is not timed.
    """
    farm = work_dir / "rerun-corpus"
    shutil.rmtree(farm, ignore_errors=True)
    farm.mkdir(parents=True)
    names = sorted(entry.name for entry in os.scandir(corpus) if not entry.name.startswith("."))
    for name in names:
        os.link(corpus / name, farm / name)
    out = work_dir / "rerun-out"
    shutil.rmtree(out, ignore_errors=True)
    print("rerun: first run into the folder (not timed)", file=sys.stderr)
    subprocess.run(command(farm, out), cwd=REPO, check=True, stdout=subprocess.DEVNULL)
    victim = farm / names[len(names) // 2]
    original = victim.read_bytes()

    def edit(round_no: int) -> None:
        """Edit the middle file (its answer gains a sentence)."""
        marker = b"answer: >-\n    "
        data = original.replace(marker, marker + f"Edited in round {round_no}. ".encode(), 1)
        temp = farm / f".edit-{round_no}"
        temp.write_bytes(data if data != original else original + b"\n")
        os.replace(temp, victim)

    return [Contender("rerun (no change)", "pipeline", n, farm, command, out=out),
            Contender("rerun (1 changed)", "pipeline", n, farm, command, out=out, before=edit)]


def summarise(runs: list[Run]) -> dict[str, Any]:
    """Median/min/max of one contender's runs."""
    rates = [r.files_per_s for r in runs]
    trees = [r.tree_peak_mib for r in runs if r.tree_peak_mib is not None]
    return {
        "tool": runs[0].tool, "n": runs[0].n, "rounds": len(runs),
        "files_per_s_median": round(statistics.median(rates), 2),
        "files_per_s_min": min(rates), "files_per_s_max": max(rates),
        "seconds_median": round(statistics.median(r.seconds for r in runs), 4),
        "cpu_seconds_median": round(statistics.median(r.cpu_seconds for r in runs), 3),
        "peak_rss_mib_median": round(statistics.median(r.peak_rss_mib for r in runs), 2),
        "tree_peak_mib_median": round(statistics.median(trees), 2) if trees else None,
    }


def _ratio(a: float | None, b: float | None) -> float | None:
    """a / b rounded, or None when either is missing."""
    return round(a / b, 3) if a and b else None


# ------------------------------------------------------------------------------------------
# Report.
# ------------------------------------------------------------------------------------------


def _version(dist: str) -> str | None:
    """Installed version of a distribution, None when absent."""
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return None


def _git_state() -> dict[str, Any] | None:
    """Commit and dirtiness of the repository, so figures can be tied to code."""
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=REPO, capture_output=True,
                                text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain"], cwd=REPO, capture_output=True,
                               text=True, check=True).stdout.strip() != ""
    except (OSError, subprocess.CalledProcessError):
        return None
    return {"commit": commit, "dirty": dirty}


def machine_info() -> dict[str, Any]:
    """What the figures were measured on."""
    import yaml  # the pipeline's own dependency; only its libyaml flag matters here

    cpu_model = None
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu_model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    affinity = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    return {
        "cpu_count": os.cpu_count(), "cpus_usable": affinity, "cpu_model": cpu_model,
        "python": platform.python_version(), "implementation": platform.python_implementation(),
        "platform": platform.platform(), "libyaml": bool(yaml.__with_libyaml__),
        "versions": {name: _version(name) for name in
                     ("pipeline", "pandas", "python-frontmatter", "PyYAML", "numpy")},
        "git": _git_state(),
    }


def print_table(summary: dict[str, dict[str, Any]], derived: dict[str, Any]) -> None:
    """The human summary on stdout."""
    head = (f"{'contender':<18} {'files/s med':>11} {'min':>9} {'max':>9} {'s med':>8} "
            f"{'CPU s':>7} {'RSS MiB':>8} {'tree MiB':>9}")
    print(head)
    print("-" * len(head))
    for label, s in summary.items():
        tree = "-" if s["tree_peak_mib_median"] is None else f"{s['tree_peak_mib_median']:.0f}"
        print(f"{label:<18} {s['files_per_s_median']:>11.0f} {s['files_per_s_min']:>9.0f} "
              f"{s['files_per_s_max']:>9.0f} {s['seconds_median']:>8.2f} "
              f"{s['cpu_seconds_median']:>7.1f} {s['peak_rss_mib_median']:>8.0f} {tree:>9}")
    for key, value in derived.items():
        print(f"{key}: {'-' if value is None else value}")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(prog="python bench/run_bench.py",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=20_000,
                        help="documents in the corpus (default 20000)")
    parser.add_argument("--rounds", type=int, default=3,
                        help="rounds; each runs every contender once (default 3)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                        help="pipeline --workers (default: CPU count)")
    parser.add_argument("--seed", type=int, default=0, help="generator seed (default 0)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT,
                        help="results JSON (default bench/out/results.json); tool outputs and "
                             "logs go to a runs/ folder beside it")
    parser.add_argument("--corpus-dir", type=Path, default=None,
                        help="folder holding the generated corpora, as corpus-N/ "
                             "(default: bench/out)")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--pipeline-only", action="store_true",
                      help="skip the naive script and the floor (quick runs)")
    mode.add_argument("--floor-only", action="store_true",
                      help="the pipeline against the I/O floor only (large N, where the naive "
                           "script would need tens of GB of memory)")
    mode.add_argument("--rss-scale", action="store_true",
                      help="run the pipeline alone at N and 10*N and report the RSS ratio")
    args = parser.parse_args(argv)
    if args.n < 2 or args.rounds < 1 or args.workers < 1:
        parser.error("--n must be >= 2, --rounds and --workers >= 1")
    return args


def main(argv: list[str] | None = None) -> int:
    """Generate or reuse the corpus, run the rounds, print and write the figures."""
    args = parse_args(argv)
    out: Path = args.out.resolve()
    corpus_root: Path = (args.corpus_dir or BENCH_DIR / "out").resolve()
    work_dir = out.parent / "runs"
    work_dir.mkdir(parents=True, exist_ok=True)
    mode = ("rss-scale" if args.rss_scale else "pipeline-only" if args.pipeline_only
            else "floor-only" if args.floor_only else "compare")

    sizes = [args.n, 10 * args.n] if args.rss_scale else [args.n]
    # The corpora are generated and checked in a child process. ru_maxrss survives exec: a
    # contender spawned by this process inherits its peak resident size as its own starting
    # figure, and listing 200,000 files left this process larger than the pipeline itself.
    with ProcessPoolExecutor(max_workers=1,
                             mp_context=multiprocessing.get_context("spawn")) as helper:
        corpora = {n: helper.submit(ensure_corpus, corpus_root / f"corpus-{n}", n,
                                    args.seed).result() for n in sizes}
    pipeline_cmd = pipeline_command(args.workers)
    contenders: list[Contender] = []
    if mode == "compare":
        contenders.append(Contender("naive", "naive", args.n, Path(corpora[args.n]["dir"]),
                                    naive_command))
    if mode in ("compare", "floor-only"):
        contenders.append(Contender("floor", "floor", args.n, Path(corpora[args.n]["dir"]),
                                    floor_command(args.workers), _count_pages))
    for n in sizes:
        label = f"pipeline@{n}" if args.rss_scale else "pipeline"
        contenders.append(Contender(label, "pipeline", n, Path(corpora[n]["dir"]), pipeline_cmd))
    if mode in ("compare", "pipeline-only"):
        contenders += rerun_contenders(Path(corpora[args.n]["dir"]), args.n, work_dir,
                                       pipeline_cmd)

    runs: list[Run] = []
    stamp = time.strftime("%Y%m%dT%H%M%S-")
    for round_no in range(1, args.rounds + 1):
        # Alternating within each round spreads drift (thermal, noisy neighbours) over both.
        for contender in contenders:
            runs.append(run_once(contender, round_no, work_dir, stamp))
    # Only now, with every round measured, delete older outputs: those of earlier invocations
    # and of all rounds but the last (see run_once).
    keep = {f"{c.label.replace('@', '-')}-{stamp}r{args.rounds}" for c in contenders}
    keep |= {"rerun-corpus", "rerun-out"}
    for old in work_dir.iterdir():
        if old.is_dir() and old.name not in keep:
            shutil.rmtree(old, ignore_errors=True)

    summary = {c.label: summarise([r for r in runs if r.label == c.label]) for c in contenders}
    derived: dict[str, Any] = {}
    if mode == "compare":
        naive, ours = summary["naive"], summary["pipeline"]
        derived["files_per_s_ratio_pipeline_over_naive"] = _ratio(
            ours["files_per_s_median"], naive["files_per_s_median"])
        # The highest ratio any tool could reach here: reading every input and creating every
        # output file, with no parsing, on the same cores.
        derived["files_per_s_ratio_floor_over_naive"] = _ratio(
            summary["floor"]["files_per_s_median"], naive["files_per_s_median"])
        derived["peak_rss_ratio_pipeline_over_naive"] = _ratio(
            ours["peak_rss_mib_median"], naive["peak_rss_mib_median"])
        derived["tree_peak_ratio_pipeline_over_naive"] = _ratio(
            ours["tree_peak_mib_median"], naive["tree_peak_mib_median"])
    if mode in ("compare", "pipeline-only"):
        # A rerun's time over a full run's (the full run into a new folder, same round).
        for label, key in (("rerun (no change)", "rerun_no_change"),
                           ("rerun (1 changed)", "rerun_one_changed")):
            derived[f"seconds_ratio_{key}_over_full"] = _ratio(
                summary[label]["seconds_median"], summary["pipeline"]["seconds_median"])
    if mode in ("compare", "floor-only"):
        # The share of the floor the pipeline reaches (1.0 would be as fast as copying bytes).
        derived["files_per_s_ratio_pipeline_over_floor"] = _ratio(
            summary["pipeline"]["files_per_s_median"], summary["floor"]["files_per_s_median"])
    if mode == "rss-scale":
        small, large = summary[f"pipeline@{sizes[0]}"], summary[f"pipeline@{sizes[1]}"]
        derived["peak_rss_ratio_10n_over_n"] = _ratio(
            large["peak_rss_mib_median"], small["peak_rss_mib_median"])
        derived["tree_peak_ratio_10n_over_n"] = _ratio(
            large["tree_peak_mib_median"], small["tree_peak_mib_median"])
        derived["files_per_s_ratio_10n_over_n"] = _ratio(
            large["files_per_s_median"], small["files_per_s_median"])

    result = {
        "mode": mode, "n": args.n, "rounds": args.rounds, "workers": args.workers,
        "formats": FORMATS.split(","), "seed": args.seed,
        "started_utc": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "memory": {"peak_rss_mib": "ru_maxrss of the largest single process (os.wait4)",
                   "tree_peak_mib": f"peak of summed {tree_metric()} over the process tree, "
                                    f"sampled every {SAMPLE_INTERVAL} s"},
        "corpora": {str(n): info for n, info in corpora.items()},
        "machine": machine_info(),
        "summary": summary,
        "derived": derived,
        "runs": [asdict(r) for r in runs],
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    for n, info in corpora.items():
        print(f"corpus {n}: {info['bytes'] / 1e6:.1f} MB in {info['dir']}"
              f"{' (reused)' if info['reused'] else ''}")
    print_table(summary, derived)
    print(f"figures written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
