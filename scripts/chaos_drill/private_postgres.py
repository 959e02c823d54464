"""The private PostgreSQL cluster of `make chaos`: initdb into var/chaos/pg, on loopback only,
as the `postgres` OS user when run as root; stopped and deleted at the end."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import psycopg2

from scripts.chaos_drill.common import OUT, PGDATA, PGSOCKET


def postgres_bin() -> Path:
    root = Path("/usr/lib/postgresql")
    versions = sorted(
        (p for p in root.glob("*") if p.name.isdigit() and (p / "bin" / "initdb").exists()),
        key=lambda p: int(p.name),
    )
    if not versions:
        sys.exit("Needs the PostgreSQL server binaries (/usr/lib/postgresql/<version>/bin).")
    return versions[-1] / "bin"


class PrivatePostgres:
    """A cluster of its own with the `rstplan` role and the `rstplan_chaos` database."""

    def __init__(self, port: int, superuser_password: str, app_password: str):
        self.bin = postgres_bin()
        self.root = os.geteuid() == 0
        self.port = port
        self.superuser_password = superuser_password
        self.app_password = app_password

    def as_postgres(self, *command) -> list[str]:
        command = [str(part) for part in command]
        return ["runuser", "-u", "postgres", "--", *command] if self.root else command

    def pg_ctl(self, *args, check=True) -> subprocess.CompletedProcess:
        return subprocess.run(
            self.as_postgres(self.bin / "pg_ctl", "-D", PGDATA, *args),
            capture_output=True,
            text=True,
            check=check,
        )

    def chown(self, path: Path) -> None:
        if self.root:
            shutil.chown(path, "postgres", "postgres")

    def start(self) -> str:
        """initdb, start, create the role and the database; returns the server's version."""
        self.remove()  # what an interrupted earlier run may have left
        self.init_cluster()
        self.start_again()
        self.create_database()
        return subprocess.run(
            [self.bin / "postgres", "--version"], capture_output=True, text=True
        ).stdout.strip()

    def init_cluster(self) -> None:
        PGDATA.mkdir(parents=True)
        PGSOCKET.mkdir(parents=True, exist_ok=True)
        password_file = OUT / "pg-password"
        password_file.write_text(self.superuser_password)
        log = OUT / "postgres.log"
        log.write_text("")
        for path in (PGDATA, PGSOCKET, password_file, log):
            self.chown(path)
        subprocess.run(
            self.as_postgres(
                self.bin / "initdb",
                "-D",
                PGDATA,
                "-U",
                "postgres",
                f"--pwfile={password_file}",
                "--auth-local=peer",
                "--auth-host=scram-sha-256",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
            ),
            capture_output=True,
            text=True,
            check=True,
        )
        password_file.unlink()
        with (PGDATA / "postgresql.conf").open("a") as conf:
            conf.write(
                f"\n# make chaos: a private cluster on loopback only\n"
                f"port = {self.port}\n"
                "listen_addresses = '127.0.0.1'\n"
                f"unix_socket_directories = '{PGSOCKET}'\n"
                "max_connections = 50\n"
                "shared_buffers = 256MB\n"
            )

    def create_database(self) -> None:
        connection = psycopg2.connect(
            host="127.0.0.1",
            port=self.port,
            user="postgres",
            password=self.superuser_password,
            dbname="postgres",
        )
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute("CREATE ROLE rstplan LOGIN PASSWORD %s CREATEDB", [self.app_password])
            cursor.execute("CREATE DATABASE rstplan_chaos OWNER rstplan")
        connection.close()

    def stop_fast(self) -> None:
        """`pg_ctl stop -m fast`, as an operator's restart does (scenario 2)."""
        self.pg_ctl("-m", "fast", "-w", "stop")

    def start_again(self) -> None:
        self.pg_ctl("-l", OUT / "postgres.log", "-w", "-t", "60", "start")

    def remove(self) -> None:
        if (PGDATA / "postmaster.pid").exists():
            self.pg_ctl("-m", "immediate", "-w", "stop", check=False)
        for path in (PGDATA, PGSOCKET):
            shutil.rmtree(path, ignore_errors=True)
