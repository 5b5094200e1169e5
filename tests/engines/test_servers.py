"""The test servers themselves: S3 refuses what it must, lists past a page, Dask survives a killed worker."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
import urllib.error
import urllib.request
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.conftest import SUMMARY_LINES
from tests.servers import PROJECT_ROOT, DaskCluster, SeaweedS3

N_OBJECTS = 10_000


def _error_code(error: ClientError) -> tuple[str, int]:
    """(S3 error code, HTTP status) of a botocore ClientError."""
    return error.response["Error"].get("Code", ""), error.response["ResponseMetadata"]["HTTPStatusCode"]


def test_startup_times_recorded(s3_server: SeaweedS3, dask_cluster: DaskCluster) -> None:
    """Both servers report how long they took to become usable."""
    assert s3_server.startup_seconds is not None and dask_cluster.startup_seconds is not None
    SUMMARY_LINES.append(f"servers: weed mini S3 ready in {s3_server.startup_seconds:.2f} s")
    SUMMARY_LINES.append(
        f"servers: dask scheduler + {dask_cluster.n_workers} workers ready in {dask_cluster.startup_seconds:.2f} s"
    )


def test_anonymous_list_buckets_refused(s3_server: SeaweedS3) -> None:
    """An unsigned ListBuckets is denied: the only identity needs a signature."""
    with pytest.raises(ClientError) as caught:
        s3_server.client(signed=False).list_buckets()
    code, status = _error_code(caught.value)
    assert status == 403 and code == "AccessDenied", (code, status)


def test_anonymous_get_object_refused(s3_server: SeaweedS3, bucket: str) -> None:
    """An existing object cannot be read without a signature, through botocore or plain HTTP."""
    s3_server.client().put_object(Bucket=bucket, Key="secret.md", Body=b"not for anyone")
    with pytest.raises(ClientError) as caught:
        s3_server.client(signed=False).get_object(Bucket=bucket, Key="secret.md")
    code, status = _error_code(caught.value)
    assert status == 403 and code == "AccessDenied", (code, status)
    with pytest.raises(urllib.error.HTTPError) as http:
        urllib.request.urlopen(f"{s3_server.endpoint}/{bucket}/secret.md", timeout=10)
    assert http.value.code == 403
    assert b"not for anyone" not in http.value.read()


def test_wrong_secret_refused(s3_server: SeaweedS3) -> None:
    """The right access key with a wrong secret, or an unknown key, is refused."""
    for client in (
        s3_server.client(secret_key=s3_server.secret_key + "x"),
        s3_server.client(access_key="AKUNKNOWN0000000", secret_key=s3_server.secret_key),
    ):
        with pytest.raises(ClientError) as caught:
            client.list_buckets()
        code, status = _error_code(caught.value)
        assert status == 403, (code, status)
        assert code in {"SignatureDoesNotMatch", "InvalidAccessKeyId", "AccessDenied"}, code


def test_signed_put_and_get(s3_server: SeaweedS3, bucket: str) -> None:
    """The signed identity writes and reads back, through botocore and through s3fs."""
    body = "---\ntitle: Héllo\n---\nbody\n".encode()
    s3_server.client().put_object(Bucket=bucket, Key="in/a.md", Body=body)
    assert s3_server.client().get_object(Bucket=bucket, Key="in/a.md")["Body"].read() == body
    fs = s3_server.filesystem()
    fs.pipe(f"{bucket}/in/b.md", body[::-1])
    assert fs.cat(f"{bucket}/in/b.md") == body[::-1]
    assert fs.find(f"{bucket}/in") == [f"{bucket}/in/a.md", f"{bucket}/in/b.md"]


def _listeners() -> list[tuple[str, int, set[int]]]:
    """(local host, port, pids) of every listening TCP/UDP socket, from `ss -ltunpH`."""
    out = subprocess.run(["ss", "-ltunpH"], capture_output=True, text=True, check=True).stdout
    rows = []
    for line in out.splitlines():
        fields = line.split()
        if len(fields) < 6:
            continue
        host, _, port = fields[4].rpartition(":")
        pids = {int(p) for p in re.findall(r"pid=(\d+)", line)}
        rows.append((host.strip("[]"), int(port) if port.isdigit() else -1, pids))
    return rows


def test_nothing_listens_beyond_loopback(s3_server: SeaweedS3, dask_cluster: DaskCluster) -> None:
    """Every socket weed and the dask processes listen on is on 127.0.0.1, at a port they were given."""
    if shutil.which("ss") is None:
        pytest.skip("`ss` (iproute2) not installed")
    rows = _listeners()
    if not any(pids for _, _, pids in rows):
        pytest.skip("`ss` shows no process ids here (not permitted)")
    for name, server_pids, given in (
        ("weed", set(s3_server.pids()), set(s3_server.ports.values())),
        ("dask", set(dask_cluster.pids()), set(dask_cluster.ports.values())),
    ):
        assert server_pids, name
        ours = [(host, port) for host, port, pids in rows if pids & server_pids]
        assert ours, f"{name}: no listening socket found for pids {sorted(server_pids)}"
        assert {host for host, _ in ours} == {"127.0.0.1"}, (name, ours)
        assert {port for _, port in ours} <= given, (name, sorted(ours), sorted(given))
    s3_ports = {port for _, port, pids in rows if pids & set(s3_server.pids())}
    assert s3_server.ports["s3"] in s3_ports
    dask_ports = {port for _, port, pids in rows if pids & set(dask_cluster.pids())}
    assert {dask_cluster.scheduler_port, *dask_cluster.worker_ports} <= dask_ports


def test_ten_thousand_objects_listed_across_pages(s3_server: SeaweedS3, bucket: str) -> None:
    """10,000 objects uploaded concurrently are all listed, sorted, across ten 1,000-key pages."""
    prefix = f"{bucket}/input"
    objects = {f"{prefix}/{i:05d}.md": b"---\ntitle: item %d\n---\nbody\n" % i for i in range(N_OBJECTS)}
    fs = s3_server.filesystem()
    started = time.monotonic()
    fs.pipe(objects)  # s3fs runs the puts concurrently, in batches
    upload = time.monotonic() - started
    fs.invalidate_cache()
    started = time.monotonic()
    keys = fs.find(prefix)
    listing = time.monotonic() - started
    SUMMARY_LINES.append(f"servers: {N_OBJECTS:,} objects uploaded in {upload:.1f} s, listed in {listing:.2f} s")
    assert len(keys) == N_OBJECTS
    assert keys == sorted(objects)
    # The same listing page by page: the server really pages at 1,000 keys and continues correctly.
    pages = list(
        s3_server.client()
        .get_paginator("list_objects_v2")
        .paginate(Bucket=bucket, Prefix="input/", PaginationConfig={"PageSize": 1000})
    )
    assert [len(page.get("Contents", [])) for page in pages] == [1000] * (N_OBJECTS // 1000)
    assert [page["IsTruncated"] for page in pages] == [True] * (len(pages) - 1) + [False]
    paged = [item["Key"] for page in pages for item in page["Contents"]]
    assert paged == [key.split("/", 1)[1] for key in sorted(objects)]


def test_workers_are_separate_processes_with_project_and_s3(
    dask_cluster: DaskCluster, s3_server: SeaweedS3, bucket: str
) -> None:
    """Two workers, two pids of ours, each importing this tree's `pipeline` and reaching S3 from env only."""
    client = dask_cluster.client
    pids = dask_cluster.worker_pids()
    assert sorted(pids) == sorted(dask_cluster.worker_addresses)
    assert len(set(pids.values())) == 2
    assert os.getpid() not in pids.values()
    assert set(pids.values()) <= set(dask_cluster.pids())
    files = client.run(lambda: __import__("pipeline").__file__)
    assert set(files.values()) == {str(PROJECT_ROOT / "pipeline" / "__init__.py")}

    s3_server.client().put_object(Bucket=bucket, Key="from-worker.md", Body=b"seen by workers")

    def read(path: str) -> tuple[bytes, int]:
        import os

        import s3fs

        # No key, secret or endpoint given: the AWS_* environment of the worker process must be enough.
        return s3fs.S3FileSystem(skip_instance_cache=True).cat(path), os.getpid()

    results = client.run(read, f"{bucket}/from-worker.md")
    assert {addr: body for addr, (body, _) in results.items()} == {
        addr: b"seen by workers" for addr in dask_cluster.worker_addresses
    }
    assert {addr: pid for addr, (_, pid) in results.items()} == pids


def test_computation_survives_killed_worker(dask_cluster: DaskCluster) -> None:
    """SIGKILL of a worker mid-computation: the result is still complete, and the nanny restarts it."""
    client = dask_cluster.client
    before = dask_cluster.worker_pids()
    target = dask_cluster.worker_addresses[0]

    def slow_square(x: int) -> tuple[int, int]:
        import os
        import time

        time.sleep(0.1)
        return x * x, os.getpid()

    futures = client.map(slow_square, range(40), pure=False)
    # Kill only once the target worker is busy, so work in flight is lost and has to be redone.
    deadline = time.monotonic() + 30
    while not client.processing().get(target) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert client.processing().get(target), "the target worker never received a task"
    killed = dask_cluster.kill_worker(0)
    assert killed == before[target]
    results: list[Any] = client.gather(futures)
    assert [value for value, _ in results] == [x * x for x in range(40)]
    assert killed not in {pid for _, pid in results[-5:]}  # the last tasks ran after the kill

    # The nanny brings a new worker process up at the same address (fixed port), so the session goes on.
    deadline = time.monotonic() + 30
    after = dask_cluster.worker_pids()
    while (len(after) < 2 or after.get(target) in (None, killed)) and time.monotonic() < deadline:
        time.sleep(0.1)
        after = dask_cluster.worker_pids()
    assert sorted(after) == sorted(dask_cluster.worker_addresses)
    assert after[target] != killed and after[target] in dask_cluster.pids()
    assert after[dask_cluster.worker_addresses[1]] == before[dask_cluster.worker_addresses[1]]
    assert killed not in dask_cluster.pids()  # gone (or a zombie), not merely restarted in place
