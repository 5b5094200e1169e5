"""Partitioned runs (the engines' shared path) write what a local run writes, in parts.

These run the partitioned path in this process (the local engine, as it does for URLs), a
LocalCluster for the Dask engine, and the command line; the real S3 server and Dask cluster
are in test_s3.py.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import fsspec
import pytest

from pipeline.cli import main
from pipeline.engines import get_engine, partitioned
from pipeline.engines.tasks import Job
from pipeline.errors import ConfigError
from pipeline.run import Options
from tests.conftest import FIXTURES, INPUT_DIR, SEED, input_files
from tests.core.messy import messy
from tests.engines.compare import assert_same_outputs, joined_parts, report_of

TARGETS = ("generic", "hugo", "jekyll", "astro")


def _plant(folder: Path) -> None:
    """Files that test the corpus-wide rules across partitions: an id, a URL, a slug and a
    page name (in another case) that earlier files hold."""
    seed = SEED.read_text(encoding="utf-8")
    (folder / "zz-same-id.txt").write_text(seed, encoding="utf-8")
    (folder / "zz-same-url.txt").write_text(seed.replace("165645", "965645"), encoding="utf-8")
    (folder / "zz-same-slug.txt").write_text(
        seed.replace("165645", "965646").replace("/learn/computer-science/questions/explain",
                                                  "/elsewhere/explain"), encoding="utf-8")
    upper = seed.replace("165645", "965647").replace(
        "file_name: explain-the-difference", "file_name: EXPLAIN-the-difference")
    (folder / "zz-upper-slug.txt").write_text(upper, encoding="utf-8")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Messy documents, the sample inputs, hostile files and planted collisions."""
    folder = tmp_path_factory.mktemp("corpus")
    for name, data in messy(300, seed=5):
        (folder / name).write_bytes(data)
    for path in INPUT_DIR.iterdir():
        if path.is_file():
            shutil.copy(path, folder / path.name)
    shutil.copytree(FIXTURES / "hostile", folder / "hostile")
    _plant(folder)
    return folder


def _local(inputs: list[Path], out: Path, **options: Any) -> dict[str, Any]:
    """A local run (the reference)."""
    get_engine("local").migrate(inputs, Options(out_dir=out, quiet=True, **options),
                                echo=lambda _: None)
    data: dict[str, Any] = json.loads((out / "report.json").read_text(encoding="utf-8"))
    return data


def _parted(inputs: list[Path], out: str | Path, partition: int, **options: Any) -> Any:
    """A partitioned run in this process."""
    return partitioned.migrate(get_engine("local"), [str(i) for i in inputs],
                               Options(out_dir=out, quiet=True, **options),  # type: ignore[arg-type]
                               echo=lambda _: None, partition=partition, threads=2)


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("partition", [7, 250])
def test_partitioned_run_writes_the_local_runs_outputs(corpus: Path, tmp_path: Path,
                                                       target: str, partition: int) -> None:
    local = _local([corpus], tmp_path / "local", target=target)
    assert local["rejected"] and local["warnings"], "the corpus exercises the rules"
    kinds = {r["kind"] for r in local["rejected"]}
    assert "duplicate-id" in kinds
    assert any("same URL" in w["message"] for w in local["warnings"])
    report = _parted([corpus], tmp_path / "parted", partition, target=target)
    assert_same_outputs(tmp_path / "local", tmp_path / "parted")
    parts = sorted(p.name for p in (tmp_path / "parted" / "articles").glob("*.jsonl"))
    assert len(parts) == -(-local["inputs"] // partition)
    assert parts[0] == "part-00000.jsonl"
    assert report.exit_code == 1


def test_several_inputs_and_generic_profile(tmp_path: Path) -> None:
    inputs = [INPUT_DIR, FIXTURES / "othercms"]
    _local(inputs, tmp_path / "local", profile="generic", target="hugo")
    _parted(inputs, tmp_path / "parted", 5, profile="generic", target="hugo")
    assert_same_outputs(tmp_path / "local", tmp_path / "parted")


def test_parts_validate_in_frictionless_and_load_typed_in_duckdb(corpus: Path,
                                                                tmp_path: Path) -> None:
    frictionless = pytest.importorskip("frictionless")
    duckdb = pytest.importorskip("duckdb")
    from pipeline.load.csv import read_csv
    from pipeline.load.sql import load_duckdb

    _local([INPUT_DIR], tmp_path / "local")
    _parted([INPUT_DIR], tmp_path / "parted", 9)
    package = json.loads((tmp_path / "parted" / "datapackage.json").read_text())
    articles = package["resources"][0]
    n = len(input_files())
    assert articles["path"] == [f"articles/part-{i:05d}.csv" for i in range(-(-n // 9))]
    report = frictionless.validate(tmp_path / "parted" / "datapackage.json")
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])[:5]
    rows = frictionless.Package(tmp_path / "parted" / "datapackage.json") \
        .get_resource("articles").read_rows()
    assert len(rows) == n and rows[0]["id"] == 165645
    con = duckdb.connect()
    load_duckdb(con, tmp_path / "parted")
    assert con.execute("SELECT count(*) FROM articles").fetchone() == (n,)
    assert con.execute("SELECT typeof(date) FROM articles LIMIT 1").fetchone() == ("DATE",)
    local = duckdb.connect()
    load_duckdb(local, tmp_path / "local")
    for query in ("SELECT * FROM articles ORDER BY id",
                  "SELECT * FROM related ORDER BY article_id, position"):
        assert con.execute(query).fetchall() == local.execute(query).fetchall()
    # The reader of the pipeline itself reads the parts back to the local run's records.
    assert [r.data for r in read_csv(tmp_path / "parted")] == \
        [r.data for r in read_csv(tmp_path / "local")]


def test_memory_url_output_holds_the_same_files(tmp_path: Path) -> None:
    _local([INPUT_DIR], tmp_path / "local", target="jekyll")
    report = _parted([INPUT_DIR], "memory://migrated/site", 16, target="jekyll")
    assert report.exit_code == 0
    fs = fsspec.filesystem("memory")
    fs.get("/migrated/site", str(tmp_path / "copied"), recursive=True)
    fs.rm("/migrated", recursive=True)
    assert_same_outputs(tmp_path / "local", tmp_path / "copied")


def test_a_rerun_with_fewer_inputs_leaves_only_its_own_outputs(tmp_path: Path) -> None:
    few = tmp_path / "few"
    few.mkdir()
    for path in input_files()[:10]:
        shutil.copy(path, few / path.name)
    out = tmp_path / "out"
    _local([INPUT_DIR], out)  # a local run's single-file tables and rerun state
    _parted([INPUT_DIR], out, 5)
    assert not (out / "articles.jsonl").exists()
    _parted([few], out, 5)
    assert sorted(p.name for p in (out / "articles").iterdir()) == \
        ["part-00000.csv", "part-00000.jsonl", "part-00001.csv", "part-00001.jsonl"]
    _local([few], tmp_path / "reference")
    assert joined_parts(out, "articles.jsonl") == \
        (tmp_path / "reference" / "articles.jsonl").read_bytes()
    pages = sorted(p.name for p in (out / "markdown" / "generic").iterdir())
    assert pages == sorted(p.name for p in (tmp_path / "reference" / "markdown" / "generic")
                           .iterdir())


def test_on_error_fail_writes_nothing_but_the_report(corpus: Path, tmp_path: Path) -> None:
    report = _parted([corpus], tmp_path / "out", 50, on_error="fail")
    assert report.stopped and len(report.rejected) == 1
    local = _local([corpus], tmp_path / "local", on_error="fail")
    assert report.inputs == local["inputs"] == sum(1 for p in corpus.rglob("*") if p.is_file())
    assert not (tmp_path / "out" / "articles").exists()
    assert not (tmp_path / "out" / "markdown").exists()
    # (Less the files each implementation handled: a partition is mapped whole before the
    # ordered pass meets the rejected file, a local run stops right there.)
    parted, local_report = report_of(tmp_path / "out"), report_of(tmp_path / "local")
    assert parted.pop("implementations") != local_report.pop("implementations")
    assert parted == local_report


def test_a_partition_that_cannot_be_written_is_listed_not_claimed(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from pipeline.engines import tasks

    real = tasks.write_partition

    def failing(job: Job, part: Any, decisions: Any) -> Any:
        if part.index == 1:
            raise OSError("disk full")
        return real(job, part, decisions)

    monkeypatch.setattr(partitioned, "write_partition", failing)
    report = _parted([INPUT_DIR], tmp_path / "out", 10)
    n = len(input_files())
    lost = [r for r in report.rejected if r.kind == "engine"]
    assert len(lost) == 10 and all("not written: OSError: disk full" in r.reason for r in lost)
    assert report.migrated == n - 10 and report.exit_code == 1
    parts = sorted(p.name for p in (tmp_path / "out" / "articles").glob("*.jsonl"))
    assert "part-00001.jsonl" not in parts and len(parts) == -(-n // 10) - 1
    written = report_of(tmp_path / "out")
    assert written["migrated"] == n - 10
    package = json.loads((tmp_path / "out" / "datapackage.json").read_text())
    assert "articles/part-00001.csv" not in package["resources"][0]["path"]


def test_formats_a_partitioned_run_does_not_write_are_refused(tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]
                                                             ) -> None:
    with pytest.raises(ConfigError, match="parquet"):
        _parted([INPUT_DIR], tmp_path / "out", 10, formats=("jsonl", "parquet"))
    code = main(["migrate", str(INPUT_DIR), "--out", "memory://x/out", "--format", "parquet"])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and err.startswith("Error: ")
    assert not fsspec.filesystem("memory").exists("/x/out/report.json")


def test_cli_usage_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["migrate", str(INPUT_DIR), "--out", str(tmp_path), "--scheduler",
                 "tcp://127.0.0.1:1"]) == 2
    assert "--scheduler needs --engine dask" in capsys.readouterr().err
    assert main(["migrate", "no/such/folder", "--out", str(tmp_path),
                 "--engine", "dask"]) == 2
    assert main(["migrate", str(INPUT_DIR), "--out", str(tmp_path), "--engine", "dask",
                 "--scheduler", "tcp://127.0.0.1:9"]) == 2
    err = capsys.readouterr().err
    assert "Error: LocalCluster" not in err and "cannot reach the Dask scheduler" in err
    assert not (tmp_path / "report.json").exists()


def test_dask_local_cluster_from_the_command_line(tmp_path: Path) -> None:
    pytest.importorskip("distributed")
    _local([INPUT_DIR], tmp_path / "local", target="hugo")
    code = main(["migrate", str(INPUT_DIR), "--out", str(tmp_path / "dask"), "--target", "hugo",
                 "--engine", "dask", "--workers", "2", "--partition-files", "10", "-q"])
    assert code == 0
    assert_same_outputs(tmp_path / "local", tmp_path / "dask")


@pytest.mark.parametrize("target", ["hugo", "jekyll", "astro"])
def test_links_are_checked_and_site_pages_rewritten_as_a_local_run_does(
        tmp_path: Path, target: str) -> None:
    from pipeline.samples import write_samples

    corpus = tmp_path / "site"
    write_samples(corpus, 60, seed=2, site=120)
    local = _local([corpus], tmp_path / "local", target=target)
    assert local["broken_links"] and local["links"]["records"] > 50
    _parted([corpus], tmp_path / "parted", 25, target=target)
    assert_same_outputs(tmp_path / "local", tmp_path / "parted")


def test_assets_need_a_local_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["migrate", str(INPUT_DIR), "--out", "memory://y/out", "--assets",
                 str(INPUT_DIR / ".assets")])
    err = capsys.readouterr().err
    assert code == 2 and "--assets is not read by a partitioned run" in err
