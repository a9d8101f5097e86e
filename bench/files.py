"""Files (issue 13): upload and download throughput, and the worker's memory during a
large upload, on one `amity serve` worker with the local blob store.

    .venv/bin/python bench/files.py [--size-mib 100] [--big-mib 1024] [--runs 5]

Starts `amity serve` (one worker) on 127.0.0.1 with a fresh SQLite database, an admin
token and the blob store beside the database, all in a temporary directory (--dir picks
its parent, default the system's; removed at the end with the generated files). Then:

1. Throughput. A file of --size-mib random bytes is written once; --runs times it is
   uploaded (POST /files/upload, streamed from disk by httpx), attached to a new Note and
   downloaded (GET /files/download/Note/{id}, streamed, bytes discarded, SHA-256 checked).
   Prints each run and the median MB/s (MB = 10^6 bytes) of upload and of download
   against the 200 MB/s target, with the server's CPU time per run.
2. Memory. A file of --big-mib random bytes is uploaded once (streamed) while the
   server's VmRSS (/proc/<pid>/status) is sampled every 50 ms; prints the RSS before, the
   peak and the growth in MiB against the 30 MiB target. The upload is then attached and
   its SHA-256 checked through GET /files/info.

With --py-spy DIR the server is profiled with py-spy (.venv/bin/py-spy) during the
uploads and the downloads of part 1; raw profiles go to DIR.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
MB = 10**6  # throughput is in MB/s of 10^6 bytes
MIB = 2**20
TARGET_MB_S = 200.0
RSS_TARGET_MIB = 30.0
RSS_INTERVAL = 0.05  # seconds between RSS samples
WRITE_CHUNK = MIB  # how the random files are written
READ_CHUNK = MIB  # how the client reads a download
CLIENT_TIMEOUT = httpx.Timeout(600.0)


@dataclass
class Server:
    base: str
    token: str
    pid: int


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def amity(directory: Path, env: dict[str, str], *args: str) -> str:
    """Run an `amity` command in `directory`; its standard output."""
    done = subprocess.run(
        [sys.executable, "-m", "amity", *args],
        env=env,
        cwd=directory,
        check=True,
        capture_output=True,
        text=True,
    )
    return done.stdout


@contextmanager
def server(directory: Path, max_upload_bytes: int) -> Iterator[Server]:
    """`amity serve` (one worker: the process itself) on a fresh SQLite database."""
    database = f"sqlite:///{directory / 'amity.db'}"
    with served(directory, database, AMITY_MAX_UPLOAD_BYTES=str(max_upload_bytes)) as running:
        yield running


@contextmanager
def served(directory: Path, database_url: str, **settings: str) -> Iterator[Server]:
    """`amity init` and `amity serve --workers 1` on `database_url` (no rate limit, and
    `settings` as AMITY_* variables), run in `directory`; its URL and an admin token.
    bench/tally.py serves through this too."""
    env = {
        **os.environ,
        "AMITY_DATABASE_URL": database_url,
        "AMITY_RATE_LIMIT": "",
        "AMITY_LOG_LEVEL": "WARNING",
        **settings,
    }
    amity(directory, env, "init", "--admin-password", "bench-pw-12345")
    token = amity(directory, env, "token", "create", "admin").split()[0]
    port = free_port()
    base = f"http://127.0.0.1:{port}/api.php"
    log = directory / "serve.log"
    with open(log, "wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "amity", "serve", "--port", str(port), "--workers", "1"],
            env=env,
            cwd=directory,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        for _ in range(300):
            try:
                httpx.get(base + "/version")
                break
            except httpx.TransportError:
                if process.poll() is not None:
                    raise SystemExit(f"amity serve exited at start:\n{log.read_text()}") from None
                time.sleep(0.1)
        yield Server(base, token, process.pid)
    finally:
        process.terminate()
        process.wait()


def random_file(path: Path, mib: int) -> str:
    """Write `mib` MiB of random bytes to `path`; their SHA-256 in hex."""
    digest = hashlib.sha256()
    with open(path, "wb") as out:
        for _ in range(mib):
            chunk = os.urandom(WRITE_CHUNK)
            digest.update(chunk)
            out.write(chunk)
    return digest.hexdigest()


def upload(client: httpx.Client, path: Path) -> tuple[str, float]:
    """POST the file, streamed from disk (httpx reads an open file in chunks and sends its
    length); the INCOMING~ id and the seconds it took."""
    with open(path, "rb") as body:
        began = time.perf_counter()
        response = client.post(
            "/files/upload",
            content=body,
            headers={"Content-Type": "application/octet-stream", "X-OneCRM-Filename": path.name},
        )
        took = time.perf_counter() - began
    response.raise_for_status()
    file_id = str(response.json()["id"])
    assert file_id.startswith("INCOMING~"), file_id
    return file_id, took


def attach(client: httpx.Client, file_id: str) -> str:
    """A new Note holding the upload; its id."""
    response = client.post("/data/Note", json={"data": {"name": "bench", "filename": file_id}})
    response.raise_for_status()
    return str(response.json()["id"])


def download(client: httpx.Client, note: str) -> tuple[str, int, float]:
    """GET the Note's file, streamed and discarded; its SHA-256, size and seconds."""
    digest = hashlib.sha256()
    size = 0
    began = time.perf_counter()
    with client.stream("GET", f"/files/download/Note/{note}") as response:
        response.raise_for_status()
        for chunk in response.iter_raw(READ_CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size, time.perf_counter() - began


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for process {pid}")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (all its threads)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class RssSampler:
    """Peak VmRSS of a process, sampled every RSS_INTERVAL seconds during a block."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.before_kib = self.peak_kib = 0
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> RssSampler:
        self.before_kib = self.peak_kib = rss_kib(self.pid)
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.wait(RSS_INTERVAL):
            self.peak_kib = max(self.peak_kib, rss_kib(self.pid))
            self.samples += 1

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak_kib = max(self.peak_kib, rss_kib(self.pid))


@contextmanager
def py_spy(pid: int, out: Path | None) -> Iterator[None]:
    """Record the server with py-spy during the block when `out` is given."""
    if out is None:
        yield
        return
    spy = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/py-spy"),
            "record",
            "--pid",
            str(pid),
            "--rate",
            "200",
            "--threads",
            "--format",
            "raw",
            "--output",
            str(out),
        ],
        stdout=subprocess.DEVNULL,
    )
    time.sleep(0.5)  # let py-spy attach
    try:
        yield
    finally:
        spy.send_signal(2)  # SIGINT: py-spy writes its profile and exits
        spy.wait()
        print(f"  py-spy profile: {out}", file=sys.stderr)


def mb_s(size: int, seconds: float) -> float:
    return size / MB / seconds


def verdict(value: float, target: float, below: bool = False) -> str:
    met = value < target if below else value >= target
    return "met" if met else "MISSED"


@dataclass
class Timed:
    """One transfer: its rate, wall time and the CPU the server and this client used."""

    mb_s: float
    seconds: float
    server_cpu: float
    client_cpu: float

    def line(self, what: str, n: int) -> str:
        return (
            f"  {what:8} {n}: {self.mb_s:7.1f} MB/s  ({self.seconds:.3f} s; CPU server "
            f"{self.server_cpu:.2f} s, client {self.client_cpu:.2f} s)"
        )


@contextmanager
def timed(pid: int) -> Iterator[list[float]]:
    """CPU seconds the server and this process used during the block: [server, client]."""
    server0, client0 = cpu_seconds(pid), time.process_time()
    used: list[float] = []
    yield used
    used += [cpu_seconds(pid) - server0, time.process_time() - client0]


def summary(what: str, runs: list[Timed], size: int) -> str:
    median = statistics.median(r.mb_s for r in runs)
    per_cpu = statistics.median(size / MB / r.server_cpu for r in runs if r.server_cpu > 0)
    return (
        f"{what:8} median {median:7.1f} MB/s = {median / TARGET_MB_S:.2f}x the "
        f"{TARGET_MB_S:.0f} MB/s target: {verdict(median, TARGET_MB_S)} "
        f"(min {min(r.mb_s for r in runs):.1f}, max {max(r.mb_s for r in runs):.1f}; "
        f"{per_cpu:.0f} MB per server CPU-second)"
    )


def throughput(
    srv: Server, client: httpx.Client, path: Path, sha: str, runs: int, spy_dir: Path | None
) -> None:
    size = path.stat().st_size
    ups: list[Timed] = []
    downs: list[Timed] = []
    notes: list[str] = []
    print(f"{runs} runs of a {size / MIB:.0f} MiB file ({size / MB:.1f} MB); MB = 10^6 bytes")
    with py_spy(srv.pid, spy_dir / "upload.txt" if spy_dir else None):
        for n in range(runs):
            with timed(srv.pid) as cpu:
                file_id, took = upload(client, path)
            ups.append(Timed(mb_s(size, took), took, *cpu))
            print(ups[-1].line("upload", n + 1))
            notes.append(attach(client, file_id))
    with py_spy(srv.pid, spy_dir / "download.txt" if spy_dir else None):
        for n, note in enumerate(notes):
            with timed(srv.pid) as cpu:
                got, got_size, took = download(client, note)
            assert got_size == size and got == sha, f"download {n + 1}: wrong bytes"
            downs.append(Timed(mb_s(size, took), took, *cpu))
            print(downs[-1].line("download", n + 1) + ", SHA-256 ok")
    print(summary("upload", ups, size))
    print(summary("download", downs, size))


def memory(srv: Server, client: httpx.Client, path: Path, sha: str) -> None:
    size = path.stat().st_size
    with RssSampler(srv.pid) as rss:
        file_id, took = upload(client, path)
    growth = (rss.peak_kib - rss.before_kib) / 1024
    info = client.get(f"/files/info/Note/{attach(client, file_id)}").json()
    assert info["sha256"] == sha and info["size"] == size, "big upload: wrong bytes stored"
    print(
        f"{size / MIB:.0f} MiB upload: {mb_s(size, took):.1f} MB/s; server RSS before "
        f"{rss.before_kib / 1024:.1f} MiB, peak {rss.peak_kib / 1024:.1f} MiB "
        f"({rss.samples} samples, every {RSS_INTERVAL * 1000:.0f} ms), growth {growth:.1f} MiB "
        f"against < {RSS_TARGET_MIB:.0f} MiB: {verdict(growth, RSS_TARGET_MIB, below=True)}; "
        f"SHA-256 ok"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size-mib", type=int, default=100, help="throughput file (MiB)")
    parser.add_argument("--big-mib", type=int, default=1024, help="memory file (MiB; 0: skip)")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--dir", help="where the temporary directory goes (default: the system's)")
    parser.add_argument("--py-spy", metavar="DIR", help="profile the server in part 1")
    args = parser.parse_args()
    spy_dir = Path(args.py_spy).resolve() if args.py_spy else None
    if spy_dir:
        spy_dir.mkdir(parents=True, exist_ok=True)
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    with tempfile.TemporaryDirectory(prefix="amity-bench-files-", dir=args.dir) as name:
        directory = Path(name)
        limit = max(args.size_mib, args.big_mib) * MIB
        with server(directory, limit) as srv:
            headers = {"Authorization": f"Bearer {srv.token}"}
            with httpx.Client(base_url=srv.base, headers=headers, timeout=CLIENT_TIMEOUT) as client:
                if args.runs > 0:
                    small = directory / "bench-small.bin"
                    sha = random_file(small, args.size_mib)
                    throughput(srv, client, small, sha, args.runs, spy_dir)
                    small.unlink()
                if args.big_mib > 0:
                    big = directory / "bench-big.bin"
                    sha = random_file(big, args.big_mib)
                    memory(srv, client, big, sha)
                    big.unlink()
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
