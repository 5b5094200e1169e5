"""Smoke test of the benchmark harness: a tiny corpus, one round, figures for both tools."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
RUN_BENCH = REPO / "bench" / "run_bench.py"

pytest.importorskip("pandas", reason="the naive baseline needs the test extra (pandas)")
pytest.importorskip("frontmatter", reason="the naive baseline needs python-frontmatter")


def test_run_bench_smoke(tmp_path: Path) -> None:
    """Naive, floor and pipeline run on 30 documents and the JSON holds positive rates and memory figures."""
    out = tmp_path / "results.json"
    corpora = tmp_path / "corpora"
    cmd = [sys.executable, str(RUN_BENCH), "--n", "30", "--rounds", "1", "--workers", "2",
           "--out", str(out), "--corpus-dir", str(corpora)]
    done = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr

    result = json.loads(out.read_text(encoding="utf-8"))
    assert result["mode"] == "compare" and result["n"] == 30
    reruns = {"rerun (no change)", "rerun (1 changed)"}
    assert set(result["summary"]) == {"naive", "floor", "pipeline"} | reruns
    for summary in result["summary"].values():
        assert summary["files_per_s_median"] > 0
        assert summary["peak_rss_mib_median"] > 0
    assert {run["label"] for run in result["runs"]} == {"naive", "floor", "pipeline"} | reruns
    assert 0 < result["derived"]["seconds_ratio_rerun_no_change_over_full"] < 10
    assert all(run["records"] == 30 for run in result["runs"])
    assert result["derived"]["files_per_s_ratio_pipeline_over_naive"] > 0
    assert result["derived"]["files_per_s_ratio_floor_over_naive"] > 0
    assert result["machine"]["cpu_count"] >= 1 and result["machine"]["python"]

    # The corpus is reused on a second run, and --pipeline-only skips the baseline.
    again = subprocess.run(cmd + ["--pipeline-only"], cwd=REPO, capture_output=True, text=True,
                           timeout=60)
    assert again.returncode == 0, again.stderr
    result = json.loads(out.read_text(encoding="utf-8"))
    assert set(result["summary"]) == {"pipeline"} | reruns
    assert result["corpora"]["30"]["reused"] is True
