"""Object storage in and out, on a real S3 server (SeaweedFS) and a real Dask cluster.

The servers are started by tests/engines/conftest.py on 127.0.0.1 and stopped by process id.
Each check compares with a local run of the same files: the same records (the table parts
concatenated), the same pages, the same report.
"""

from __future__ import annotations

import os
import shutil
import threading
import time
from pathlib import Path
from typing import Any, Iterator

import pytest

from pipeline.cli import main
from pipeline.engines import get_engine
from pipeline.run import Options
from pipeline.samples import write_samples
from tests.conftest import INPUT_DIR, SUMMARY_LINES
from tests.core.messy import messy
from tests.engines.compare import assert_same_outputs, report_of
from tests.servers import DaskCluster, SeaweedS3

s3fs = pytest.importorskip("s3fs")


@pytest.fixture
def aws(s3_server: SeaweedS3, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    """The driver's environment reaches the test server (as a user's would, through the AWS
    variables); s3fs's cached clients are dropped so that each test uses its own."""
    for name, value in s3_server.env().items():
        monkeypatch.setenv(name, value)
    # No AWS config file of this machine may lend credentials to a test.
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent/aws-config")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/aws-credentials")
    s3fs.S3FileSystem.clear_instance_cache()
    yield s3_server.env()
    s3fs.S3FileSystem.clear_instance_cache()


def _upload(s3_server: SeaweedS3, folder: Path, prefix: str) -> None:
    """Every file under a folder, as objects under a prefix (concurrent puts)."""
    objects = {f"{prefix}/{p.relative_to(folder).as_posix()}": p.read_bytes()
               for p in sorted(folder.rglob("*")) if p.is_file()}
    s3_server.filesystem().pipe(objects)


def _download(s3_server: SeaweedS3, prefix: str, folder: Path) -> Path:
    """Every object under a prefix, as files under a folder."""
    fs = s3_server.filesystem()
    for key in fs.find(prefix):
        target = folder / key[len(prefix) + 1:]
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(fs.cat_file(key))
    return folder


def _local(folder: Path, out: Path, **options: Any) -> None:
    """The reference: a local run of the same files."""
    get_engine("local").migrate([folder], Options(out_dir=out, quiet=True, **options),
                                echo=lambda _: None)


@pytest.fixture(scope="module")
def mixed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample inputs, messy documents (rejections, duplicates) and a sub-folder."""
    folder = tmp_path_factory.mktemp("mixed")
    for path in INPUT_DIR.iterdir():
        if path.is_file():
            shutil.copy(path, folder / path.name)
    (folder / "more").mkdir()
    for name, data in messy(150, seed=8):
        (folder / "more" / name).write_bytes(data)
    return folder


def test_s3_in_and_out_through_the_cluster_equals_a_local_run(
        s3_server: SeaweedS3, dask_cluster: DaskCluster, bucket: str, aws: dict[str, str],
        mixed: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _upload(s3_server, mixed, f"{bucket}/export")
    _local(mixed, tmp_path / "local", target="hugo")
    started = time.perf_counter()
    code = main(["migrate", f"s3://{bucket}/export/", "--out", f"s3://{bucket}/site/",
                 "--target", "hugo", "--engine", "dask", "--scheduler", dask_cluster.address,
                 "--partition-files", "40"])
    seconds = time.perf_counter() - started
    err = capsys.readouterr().err
    assert code == 1  # the messy documents include rejected ones
    assert f"-> s3://{bucket}/site/" in err
    assert aws["AWS_SECRET_ACCESS_KEY"] not in err
    out = _download(s3_server, f"{bucket}/site", tmp_path / "s3")
    assert_same_outputs(tmp_path / "local", out)
    assert sorted(p.name for p in (out / "articles").iterdir())[:2] == \
        ["part-00000.csv", "part-00000.jsonl"]
    SUMMARY_LINES.append(f"engines: {report_of(out)['inputs']} files s3 -> dask (2 workers) -> "
                         f"s3 in {seconds:.1f} s, outputs equal to a local run")


def test_a_worker_killed_mid_run_costs_only_time(
        s3_server: SeaweedS3, dask_cluster: DaskCluster, bucket: str, aws: dict[str, str],
        tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    write_samples(corpus, 3000, seed=4)
    _upload(s3_server, corpus, f"{bucket}/in")
    _local(corpus, tmp_path / "local")
    args = ["migrate", f"s3://{bucket}/in/", "--engine", "dask", "--scheduler",
            dask_cluster.address, "--partition-files", "100", "-q"]
    started = time.perf_counter()
    assert main([*args, "--out", f"s3://{bucket}/calm/"]) == 0
    calm = time.perf_counter() - started

    fs = s3_server.filesystem()
    killed: list[int] = []

    def kill_when_writing() -> None:
        # Once the first parts are written, partitions are mapped, held and written on both
        # workers: a SIGKILL then loses work in every state.
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            fs.invalidate_cache()
            if fs.exists(f"{bucket}/rough/articles") and \
                    len(fs.ls(f"{bucket}/rough/articles")) >= 4:
                killed.append(dask_cluster.kill_worker(0))
                return
            time.sleep(0.05)

    killer = threading.Thread(target=kill_when_writing)
    killer.start()
    started = time.perf_counter()
    code = main([*args, "--out", f"s3://{bucket}/rough/"])
    rough = time.perf_counter() - started
    killer.join()
    assert killed, "the run ended before a worker could be killed"
    assert code == 0
    dask_cluster.wait_for_workers(2, timeout=60)  # (the nanny restarts the worker)
    for name in ("calm", "rough"):
        out = _download(s3_server, f"{bucket}/{name}", tmp_path / name)
        assert_same_outputs(tmp_path / "local", out)
    SUMMARY_LINES.append(f"engines: 3000 files s3 -> dask -> s3: {calm:.1f} s; with a worker "
                         f"killed (SIGKILL) mid-run {rough:.1f} s, outputs identical")


@pytest.mark.parametrize("case", ["wrong secret", "no credentials"])
def test_refused_credentials_are_one_line_and_nothing_is_written(
        s3_server: SeaweedS3, bucket: str, aws: dict[str, str], case: str,
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    _upload(s3_server, INPUT_DIR, f"{bucket}/in")
    if case == "wrong secret":
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "not-the-secret-" + "x" * 20)
    else:
        monkeypatch.delenv("AWS_ACCESS_KEY_ID")
        monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    s3fs.S3FileSystem.clear_instance_cache()
    for source, out in ((f"s3://{bucket}/in/", str(Path("unused-local-out"))),
                        (str(INPUT_DIR), f"s3://{bucket}/out/")):
        code = main(["migrate", source, "--out", out, "-q"])
        err = capsys.readouterr().err
        assert code == 2, err
        assert err.count("\n") == 1 and err.startswith("Error: "), err
        assert "refused" in err and "AWS_ACCESS_KEY_ID" in err, err
        assert aws["AWS_SECRET_ACCESS_KEY"] not in err and "not-the-secret" not in err
        assert not Path("unused-local-out").exists()
    assert s3_server.filesystem().find(f"{bucket}/out") == []


def test_an_s3_prefix_of_single_files_and_a_missing_prefix(
        s3_server: SeaweedS3, bucket: str, aws: dict[str, str], tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    _upload(s3_server, INPUT_DIR, f"{bucket}/in")
    seed = "000_d55175470d23ebb0.txt"
    code = main(["migrate", f"s3://{bucket}/in/{seed}", "--out", str(tmp_path / "one"), "-q"])
    assert code == 0
    assert report_of(tmp_path / "one")["migrated"] == 1
    code = main(["migrate", f"s3://{bucket}/nothing-here/", "--out", str(tmp_path / "none")])
    err = capsys.readouterr().err
    assert code == 2 and "no such file or folder" in err and err.count("\n") == 1


def test_a_local_engine_reads_s3_as_the_cluster_does(
        s3_server: SeaweedS3, bucket: str, aws: dict[str, str], tmp_path: Path) -> None:
    # No cluster: the local engine runs the partitioned path itself for a URL.
    _upload(s3_server, INPUT_DIR, f"{bucket}/in")
    _local(INPUT_DIR, tmp_path / "local", target="jekyll")
    assert main(["migrate", f"s3://{bucket}/in/", "--out", str(tmp_path / "out"),
                 "--target", "jekyll", "-q"]) == 0
    assert_same_outputs(tmp_path / "local", tmp_path / "out")
    assert os.path.isdir(tmp_path / "out" / "articles")


def test_local_folders_given_relative_reach_the_cluster(
        dask_cluster: DaskCluster, mixed: Path, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    # The workers run in folders of their own: a path as the user typed it, relative to the
    # driver's folder, must reach them whole.
    _local(mixed, tmp_path / "local")
    monkeypatch.chdir(mixed.parent)
    code = main(["migrate", mixed.name, "--out", str(tmp_path / "out"), "--engine", "dask",
                 "--scheduler", dask_cluster.address, "--partition-files", "60", "-q"])
    assert code == 1  # (the messy documents include rejected ones)
    assert_same_outputs(tmp_path / "local", tmp_path / "out")
