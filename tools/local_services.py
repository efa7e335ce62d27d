"""Private PostgreSQL, Redis and nginx instances on loopback, for tests and benchmarks.

Debian's packages (postgresql, redis-server, nginx) are installed by `ensure_installed`, which
the Makefile's tiers and `make bench` call before they start (`apt-get update` once, then
`apt-get install -y`; root or sudo; their system services are not started): a test never
installs anything, it is told what is missing. Each instance listens on 127.0.0.1 only, on a
free port, keeps its data in its own temporary directory, and is stopped (and that directory
deleted) when the LocalServices that started it is closed, also when the caller fails.

    from tools.local_services import LocalServices

    with LocalServices() as services:
        postgres = services.postgres()          # started, with a database and a password
        redis = services.redis()                # started, with a password
        env = {**postgres.env(), **redis.env()} # the variables endpoints.production.yml reads
        ...                                     # start Rasa servers on ports 5005 and 5006
        nginx = services.nginx([5005, 5006])    # round robin over them: nginx.url
        postgres.stop(); postgres.start()       # faults: stop, start again (same data)
        postgres.pause(); postgres.resume()     # a hung PostgreSQL (SIGSTOP / SIGCONT, every process)
        redis.pause(); redis.resume()           # a hung Redis (SIGSTOP / SIGCONT)
    # everything is stopped and deleted here

`python tools/local_services.py` starts PostgreSQL and Redis, prints the variables to run the
assistant in production mode against them (docs/production.md), and stops them on Ctrl-C.
"""

from __future__ import annotations

import glob
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence

import psutil

from scripts.model_servers import free_port
from scripts.process_group import start_in_own_group, stop_group

LOOPBACK = "127.0.0.1"

# what each service needs: how to tell it is installed, and its Debian package
PACKAGES = {"postgresql": "postgresql", "redis": "redis-server", "nginx": "nginx"}
_apt_updated = False


def port_open(port: int) -> bool:
    try:
        with socket.create_connection((LOOPBACK, port), timeout=0.5):
            return True
    except OSError:
        return False


def _wait(condition, timeout: float, what: str, log: Optional[Path] = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    tail = f":\n{log.read_text(errors='replace')[-2000:]}" if log and log.exists() else ""
    raise RuntimeError(f"{what} did not come up in {timeout:.0f} s{tail}")


def postgres_bin_dir() -> Optional[Path]:
    """Debian's newest installed PostgreSQL server binaries (/usr/lib/postgresql/N/bin)."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parent.parent.name))
    return Path(found[-1]).parent if found else None


def _installed(service: str) -> bool:
    if service == "postgresql":
        return postgres_bin_dir() is not None
    if service == "redis":
        return shutil.which("redis-server") is not None
    if service == "nginx":
        return _nginx_binary() is not None
    raise ValueError(f"unknown service {service!r}; one of {sorted(PACKAGES)}")


def _nginx_binary() -> Optional[str]:
    return shutil.which("nginx") or (os.access("/usr/sbin/nginx", os.X_OK) and "/usr/sbin/nginx") or None


def ensure_installed(services: Iterable[str] = tuple(PACKAGES)) -> None:
    """Installs Debian's packages for the named services ("postgresql", "redis", "nginx") that
    are missing. Their system services are not started (a temporary /usr/sbin/policy-rc.d):
    only the private instances of this module run."""
    global _apt_updated
    missing = [PACKAGES[s] for s in services if not _installed(s)]
    if not missing:
        return
    if os.geteuid() != 0:
        raise RuntimeError(f"missing: {' '.join(missing)}; install them: sudo apt-get install -y {' '.join(missing)}")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    policy = Path("/usr/sbin/policy-rc.d")
    own_policy = not policy.exists()
    if own_policy:
        policy.write_text("#!/bin/sh\n# written by tools/local_services.py during apt-get install\nexit 101\n")
        policy.chmod(0o755)
    try:
        print(f"installing {' '.join(missing)} with apt-get", flush=True)
        if not _apt_updated:
            subprocess.run(
                ["apt-get", "update", "-q"], check=True, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
            )
            _apt_updated = True
        installed = subprocess.run(
            ["apt-get", "install", "-y", "-q", "--no-install-recommends", *missing],
            env=env,
            capture_output=True,
            text=True,
        )
        if installed.returncode != 0:
            raise RuntimeError(
                f"apt-get install {' '.join(missing)} failed:\n{installed.stdout[-2000:]}"
                f"\n{installed.stderr[-2000:]}"
            )
    finally:
        if own_policy:
            policy.unlink(missing_ok=True)
    still = [s for s in services if not _installed(s)]
    if still:
        raise RuntimeError(f"apt-get install did not provide {still}")


def _private_dir(prefix: str) -> Path:
    return Path(tempfile.mkdtemp(prefix=f"neutropenia-{prefix}-"))


class Service:
    """One private server process. start() / stop() may be called again (faults)."""

    name = "service"

    def __init__(self, directory: Path, port: int):
        self.directory = directory
        self.port = port
        self.host = LOOPBACK
        self.log = directory / f"{self.name}.log"

    def start(self) -> None:
        raise NotImplementedError

    def stop(self) -> None:
        raise NotImplementedError

    def close(self) -> None:
        """Stops the server and deletes its directory."""
        try:
            self.stop()
        finally:
            shutil.rmtree(self.directory, ignore_errors=True)


class _ProcessService(Service):
    """A server that runs in the foreground as our child process."""

    def __init__(self, directory: Path, port: int):
        super().__init__(directory, port)
        self.process: Optional[subprocess.Popen] = None

    def command(self) -> List[str]:
        raise NotImplementedError

    def ready(self) -> bool:
        return port_open(self.port)

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def start(self, timeout: float = 30) -> None:
        if self.running:
            return
        with open(self.log, "a") as output:
            self.process = start_in_own_group(
                self.command(), stdout=output, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
            )

        def up():
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited at start:\n{self.log.read_text(errors='replace')[-2000:]}")
            return self.ready()

        _wait(up, timeout, f"{self.name} on port {self.port}", self.log)

    def stop(self, timeout: float = 15) -> None:
        """Stops the server and its workers (SIGTERM, then SIGKILL after `timeout` s); resumes it
        first if paused."""
        if not self.running:
            return
        stop_group(self.process, grace=timeout)

    def pause(self) -> None:
        """A hung server: SIGSTOP. It keeps its port; connections hang until resume()."""
        self._started().send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        self._started().send_signal(signal.SIGCONT)

    def _started(self) -> subprocess.Popen:
        if self.process is None:
            raise RuntimeError(f"{self.name} was never started: call start() first")
        return self.process


class Postgres(Service):
    """A PostgreSQL cluster (initdb) with a superuser and a database, password authentication on
    127.0.0.1. As root, the server runs as the `postgres` user, as PostgreSQL requires."""

    name = "postgres"

    def __init__(
        self, directory: Path, port: int, user: str = "rasa", database: str = "rasa", password: Optional[str] = None
    ):
        super().__init__(directory, port)
        self.user, self.database = user, database
        self.password = password or secrets.token_hex(16)
        bin_dir = postgres_bin_dir()
        if bin_dir is None:
            raise RuntimeError("PostgreSQL is not installed: ensure_installed(['postgresql'])")
        self.bin: Path = bin_dir
        self.data = directory / "data"
        # the Unix socket (trust authentication) is in `directory`, which only its owner can enter
        self._account = pwd.getpwnam("postgres") if os.geteuid() == 0 else None
        self._as_postgres = self._account is not None
        if self._account is not None:
            os.chown(directory, self._account.pw_uid, self._account.pw_gid)
        self._initdb()

    def _run(self, *command: str, **kwargs) -> subprocess.CompletedProcess:
        prefix = ["runuser", "-u", "postgres", "--"] if self._as_postgres else []
        kwargs.setdefault("check", True)
        return subprocess.run([*prefix, *command], capture_output=True, text=True, cwd=self.directory, **kwargs)

    def _initdb(self) -> None:
        pwfile = self.directory / "pwfile"
        pwfile.write_text(self.password + "\n")
        if self._account is not None:
            os.chown(pwfile, self._account.pw_uid, self._account.pw_gid)
        pwfile.chmod(0o600)
        try:
            self._run(
                str(self.bin / "initdb"),
                "-D",
                str(self.data),
                "-U",
                self.user,
                f"--pwfile={pwfile}",
                "--auth-host=scram-sha-256",
                "--auth-local=trust",
                "-E",
                "UTF8",
                "--locale=C",
                "--no-sync",
            )
        except subprocess.CalledProcessError as error:
            raise RuntimeError(f"initdb failed:\n{error.stdout}\n{error.stderr}") from None
        finally:
            pwfile.unlink(missing_ok=True)
        # loopback only, on our port; the Unix socket in our own directory
        with open(self.data / "postgresql.conf", "a") as conf:
            conf.write(
                f"\nlisten_addresses = '{LOOPBACK}'\nport = {self.port}\n"
                f"unix_socket_directories = '{self.directory}'\nmax_connections = 300\n"
            )
        self.start()
        self.psql(f"CREATE DATABASE {self.database}", database="postgres")

    def start(self, timeout: float = 60) -> None:
        try:
            self._run(
                str(self.bin / "pg_ctl"),
                "start",
                "-D",
                str(self.data),
                "-l",
                str(self.log),
                "-w",
                "-t",
                str(int(timeout)),
            )
        except subprocess.CalledProcessError as error:
            log = self.log.read_text(errors="replace")[-2000:] if self.log.exists() else ""
            raise RuntimeError(f"PostgreSQL did not start: {error.stderr}\n{log}") from None

    def _postmaster_pid(self) -> Optional[int]:
        try:
            return int((self.data / "postmaster.pid").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return None

    def stop(self) -> None:
        """Stops the server (pg_ctl's "fast" mode: a clean shutdown); resumes it first if paused."""
        pid = self._postmaster_pid()
        if pid is None:
            return
        self.resume()
        stopped = self._run(
            str(self.bin / "pg_ctl"), "stop", "-D", str(self.data), "-m", "fast", "-w", "-t", "30", check=False
        )
        if stopped.returncode != 0:
            try:  # SIGQUIT: PostgreSQL's immediate shutdown
                os.kill(pid, signal.SIGQUIT)
            except ProcessLookupError:
                pass

    def _processes(self) -> List[int]:
        """The postmaster and every process it started (backends, checkpointer, ...)."""
        postmaster = self._postmaster_pid()
        if postmaster is None:
            return []
        try:
            return [postmaster, *(child.pid for child in psutil.Process(postmaster).children())]
        except psutil.NoSuchProcess:  # stopped meanwhile
            return []

    def pause(self) -> None:
        """A hung server: SIGSTOP to the postmaster and all its processes. Connections stay open
        (the kernel still accepts and acknowledges data) but nothing answers until resume()."""
        for pid in self._processes():
            try:
                os.kill(pid, signal.SIGSTOP)
            except ProcessLookupError:
                pass

    def resume(self) -> None:
        for pid in self._processes():
            try:
                os.kill(pid, signal.SIGCONT)
            except ProcessLookupError:
                pass

    def psql(self, sql: str, database: Optional[str] = None) -> str:
        """Runs SQL with psql over the private Unix socket; returns unaligned, tuples-only output."""
        result = self._run(
            str(self.bin / "psql"),
            "-h",
            str(self.directory),
            "-p",
            str(self.port),
            "-U",
            self.user,
            "-d",
            database or self.database,
            "-X",
            "-A",
            "-t",
            "-v",
            "ON_ERROR_STOP=1",
            "-c",
            sql,
            env=dict(os.environ, PGPASSWORD=self.password),
        )
        return result.stdout

    def connect(self):
        """A psycopg2 connection (autocommit) to the database."""
        import psycopg2

        connection = psycopg2.connect(
            host=self.host,
            port=self.port,
            user=self.user,
            password=self.password,
            dbname=self.database,
            connect_timeout=5,
        )
        connection.autocommit = True
        return connection

    def env(self) -> Dict[str, str]:
        """The variables endpoints.production.yml reads for the tracker store."""
        return {
            "POSTGRES_HOST": self.host,
            "POSTGRES_PORT": str(self.port),
            "POSTGRES_DB": self.database,
            "POSTGRES_USER": self.user,
            "POSTGRES_PASSWORD": self.password,
        }


class Redis(_ProcessService):
    """redis-server with a password, no persistence (--save '', no AOF): only locks live there."""

    name = "redis"

    def __init__(self, directory: Path, port: int, password: Optional[str] = None):
        super().__init__(directory, port)
        self.password = password or secrets.token_hex(16)
        self.start()

    def command(self) -> List[str]:
        return [
            "redis-server",
            "--port",
            str(self.port),
            "--bind",
            LOOPBACK,
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(self.directory),
            "--requirepass",
            self.password,
            "--daemonize",
            "no",
        ]

    def ready(self) -> bool:
        import redis

        client = redis.Redis(host=LOOPBACK, port=self.port, password=self.password, socket_timeout=0.5)
        try:
            return client.ping()
        except (redis.RedisError, OSError):
            return False
        finally:
            client.close()

    def env(self) -> Dict[str, str]:
        """The variables endpoints.production.yml reads for the lock store."""
        return {"REDIS_HOST": self.host, "REDIS_PORT": str(self.port), "REDIS_PASSWORD": self.password}


class Nginx(_ProcessService):
    """nginx as a round-robin reverse proxy over `upstreams` (ports on 127.0.0.1).

    A replica that refuses connections is skipped (the request goes to the next one) and left
    out for `fail_timeout` seconds. A POST that already reached a replica is never sent to a
    second one (nginx's default for non-idempotent requests): a message is not processed twice.
    Each response carries `X-Upstream: <replica address(es) tried>`."""

    name = "nginx"

    def __init__(
        self, directory: Path, port: int, upstreams: Sequence[int], read_timeout: float = 120, fail_timeout: float = 10
    ):
        super().__init__(directory, port)
        self.upstreams = list(upstreams)
        self.read_timeout, self.fail_timeout = read_timeout, fail_timeout
        binary = _nginx_binary()
        if binary is None:
            raise RuntimeError("nginx is not installed: ensure_installed(['nginx'])")
        self.binary: str = binary
        self.conf = directory / "nginx.conf"
        self.conf.write_text(self.config())
        # as root, nginx's workers run as `nobody`: they must reach their temp directories
        directory.chmod(0o755)
        self.start()

    @property
    def url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    def config(self) -> str:
        d = self.directory
        servers = "\n".join(
            f"        server {LOOPBACK}:{p} max_fails=1 fail_timeout={self.fail_timeout:g}s;" for p in self.upstreams
        )
        return f"""# generated by tools/local_services.py
worker_processes 1;
pid {d}/nginx.pid;
error_log {d}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log {d}/access.log;
    client_body_temp_path {d}/client_body;
    proxy_temp_path {d}/proxy;
    fastcgi_temp_path {d}/fastcgi;
    uwsgi_temp_path {d}/uwsgi;
    scgi_temp_path {d}/scgi;
    map $http_upgrade $connection_upgrade {{ default upgrade; '' close; }}
    upstream rasa {{
{servers}
    }}
    server {{
        listen {LOOPBACK}:{self.port};
        client_max_body_size 2m;
        location / {{
            proxy_pass http://rasa;
            proxy_http_version 1.1;
            # the web chat's Socket.IO (WebSocket transport)
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection $connection_upgrade;
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            # to the next replica on a refused connection or connect timeout only; without
            # `non_idempotent`, a POST that reached a replica is never sent again
            proxy_next_upstream error timeout;
            proxy_connect_timeout 2s;
            proxy_read_timeout {self.read_timeout:g}s;
            add_header X-Upstream $upstream_addr always;
        }}
    }}
}}
"""

    def command(self) -> List[str]:
        return [
            self.binary,
            "-p",
            str(self.directory),
            "-c",
            str(self.conf),
            "-e",
            str(self.directory / "error.log"),
            "-g",
            "daemon off;",
        ]


class LocalServices:
    """Starts private services and stops all of them on close() (or leaving `with`)."""

    def __init__(self) -> None:
        self.services: List[Service] = []

    def __enter__(self) -> "LocalServices":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _add(self, kind: str, factory):
        if not _installed(kind):
            raise RuntimeError(
                f"{PACKAGES[kind]} is not installed: the Makefile target installs it before its tests "
                f"(make test-replica, make bench), or: sudo apt-get install -y {PACKAGES[kind]}"
            )
        directory = _private_dir(kind)
        try:
            service = factory(directory)
        except BaseException:
            shutil.rmtree(directory, ignore_errors=True)
            raise
        self.services.append(service)
        return service

    def postgres(self, port: Optional[int] = None, **kwargs) -> Postgres:
        """A started PostgreSQL with database `rasa`, superuser `rasa` and a random password."""
        return self._add("postgresql", lambda d: Postgres(d, port or free_port(), **kwargs))

    def redis(self, port: Optional[int] = None, **kwargs) -> Redis:
        """A started Redis with a random password and no persistence."""
        return self._add("redis", lambda d: Redis(d, port or free_port(), **kwargs))

    def nginx(self, upstreams: Sequence[int], port: Optional[int] = None, **kwargs) -> Nginx:
        """A started nginx on `port` (default: a free one), round robin over the `upstreams` ports."""
        return self._add("nginx", lambda d: Nginx(d, port or free_port(), upstreams, **kwargs))

    def close(self) -> None:
        for service in reversed(self.services):
            try:
                service.close()
            except Exception as error:  # keep stopping the others
                print(f"could not stop {service.name}: {error}")
        self.services.clear()


def main() -> int:
    def stop(signum, frame):
        raise KeyboardInterrupt

    # also when started in the background (where SIGINT is ignored) or stopped with kill
    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    ensure_installed(["postgresql", "redis"])
    try:
        with LocalServices() as services:
            env = {**services.postgres().env(), **services.redis().env()}
            print("PostgreSQL and Redis are running on 127.0.0.1. In another shell:\n")
            for key, value in env.items():
                print(f"  export {key}={value}")
            print(
                "  RASA_ENDPOINTS=endpoints.production.yml make run\n\n"
                "Ctrl-C (or kill) stops them and deletes their data.",
                flush=True,
            )
            while True:
                signal.pause()
    except KeyboardInterrupt:
        print("stopped")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
