"""Engines benchmark: `--engine local` against `--engine dask` on this machine, and S3 runs.

    python bench/engines.py --n 20000 --rounds 3 [--s3]

Each run is a fresh `python -m pipeline migrate` process, timed wall-clock, rounds
alternating. Contenders on local folders (in and out): the local engine; the Dask engine on
a running scheduler with two workers (started here on 127.0.0.1, as a user's cluster would be
running already); the Dask engine starting its own LocalCluster of two workers (start-up
included). With --s3, a SeaweedFS server started here holds the corpus: S3 to S3 through the
scheduler and two workers, once as it is and once with a worker killed (SIGKILL) when the first
parts are written. Every partitioned run's outputs are checked against the local run's.
Figures go to bench/out/results-engines.json.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import shutil
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
sys.path.insert(0, str(ROOT))

from bench.run_bench import ensure_corpus  # noqa: E402
from tests.engines.compare import assert_same_outputs  # noqa: E402
from tests.servers import DaskCluster, SeaweedS3  # noqa: E402


def migrate(args: list[str], env: dict[str, str] | None = None) -> float:
    """Run the command line once in a fresh process; its wall-clock seconds."""
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "pipeline", "migrate", *args, "-q"],
                          env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"migrate {' '.join(args)} exited {done.returncode}:\n{done.stderr}")
    return seconds


def download(server: SeaweedS3, prefix: str, folder: Path) -> Path:
    """Every object under a prefix, as files (to compare with a local run)."""
    fs = server.filesystem()
    keys = fs.find(prefix)
    data = fs.cat(keys)
    for key in keys:
        target = folder / key[len(prefix) + 1:]
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data[key])
    return folder


def main(argv: list[str] | None = None) -> int:
    """Run the rounds and write the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=20000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--s3", action="store_true", help="also S3 in and out (SeaweedFS)")
    parser.add_argument("--out", type=Path, default=BENCH_DIR / "out" / "results-engines.json")
    args = parser.parse_args(argv)
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as helper:
        corpus = Path(helper.submit(ensure_corpus, BENCH_DIR / "out" / f"corpus-{args.n}",
                                    args.n, args.seed).result()["dir"])
    # A folder per invocation; older ones are deleted only once every figure is measured:
    # right after tens of thousands of files are deleted, ext4 (without a journal) creates
    # files several times slower for minutes, which would move every figure (see README).
    root = BENCH_DIR / "out" / "engines"
    work = root / time.strftime("%Y%m%dT%H%M%S")
    work.mkdir(parents=True)
    times: dict[str, list[float]] = {}
    figures: dict[str, Any] = {"n": args.n, "rounds": args.rounds, "cpus": os.cpu_count()}
    server = SeaweedS3().start() if args.s3 else None
    cluster = DaskCluster(n_workers=2, env=server.env() if server else None).start()
    try:
        figures["cluster_start_seconds"] = cluster.startup_seconds
        runs = {
            "local": ["--engine", "local", "--full"],
            "dask (running cluster, 2 workers)": ["--engine", "dask", "--scheduler",
                                                  cluster.address],
            "dask (LocalCluster started, 2 workers)": ["--engine", "dask", "--workers", "2"],
        }
        for round_no in range(1, args.rounds + 1):
            for label, extra in runs.items():
                out = work / f"{label.split()[0]}-{round_no}"
                if label.startswith("dask (Local"):
                    out = work / f"localcluster-{round_no}"
                seconds = migrate([str(corpus), "--out", str(out), *extra])
                times.setdefault(label, []).append(seconds)
                print(f"round {round_no} {label:<40} {seconds:6.2f} s", flush=True)
        for round_no in range(1, args.rounds + 1):
            assert_same_outputs(work / f"local-{round_no}", work / f"dask-{round_no}")
        if server is not None:
            figures["s3"] = s3_runs(server, cluster, corpus, work)
    finally:
        cluster.stop()
        if server is not None:
            server.stop()
    medians = {label: statistics.median(values) for label, values in times.items()}
    figures["seconds"] = {label: {"median": round(medians[label], 3),
                                  "all": [round(v, 3) for v in values]}
                          for label, values in times.items()}
    local = medians["local"]
    figures["ratio_over_local"] = {label: round(m / local, 3) for label, m in medians.items()}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(figures, indent=2))
    for old in root.iterdir():
        if old != work:
            shutil.rmtree(old, ignore_errors=True)
    return 0


def s3_runs(server: SeaweedS3, cluster: DaskCluster, corpus: Path, work: Path) -> dict[str, Any]:
    """S3 to S3 through the cluster, as it is and with a worker killed mid-run."""
    fs = server.filesystem()
    bucket = server.make_bucket("bench")
    objects = {f"{bucket}/in/{p.name}": p.read_bytes() for p in sorted(corpus.iterdir())
               if p.is_file() and not p.name.startswith(".")}
    started = time.perf_counter()
    fs.pipe(objects)
    upload = time.perf_counter() - started
    env = {**os.environ, **server.env()}
    args = [f"s3://{bucket}/in/", "--engine", "dask", "--scheduler", cluster.address]
    calm = migrate([*args, "--out", f"s3://{bucket}/calm/"], env)
    killed: list[float] = []

    def kill_when_writing() -> None:
        watcher = server.filesystem()
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            watcher.invalidate_cache()
            if watcher.exists(f"{bucket}/rough/articles"):
                cluster.kill_worker(0)
                killed.append(time.perf_counter())
                return
            time.sleep(0.1)

    killer = threading.Thread(target=kill_when_writing)
    killer.start()
    started = time.perf_counter()
    rough = migrate([*args, "--out", f"s3://{bucket}/rough/"], env)
    killer.join()
    cluster.wait_for_workers(2, timeout=120)
    local = work / "local-1"
    for name in ("calm", "rough"):
        assert_same_outputs(local, download(server, f"{bucket}/{name}", work / f"s3-{name}"))
    figures = {"upload_seconds": round(upload, 2), "s3_to_s3_seconds": round(calm, 2),
               "s3_to_s3_killed_worker_seconds": round(rough, 2),
               "killed_at_seconds": round(killed[0] - started, 2) if killed else None,
               "outputs_equal_local": True}
    print(json.dumps(figures), flush=True)
    return figures


if __name__ == "__main__":
    sys.exit(main())
