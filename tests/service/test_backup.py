"""The backup and restore of docs/deployment.md, run for real: pg_dump, pg_restore, same data."""

from __future__ import annotations

import shutil
import subprocess
import uuid

import pytest
import sqlalchemy as sa

from tests.console.conftest import add_person, make_wave
from webapp.extensions import db


@pytest.mark.postgres
def test_pg_dump_and_pg_restore_give_back_every_row(app_ctx, instrument, users, tmp_path):
    url = sa.make_url(app_ctx.config["SQLALCHEMY_DATABASE_URI"])
    if not url.drivername.startswith("postgresql"):
        pytest.skip("PostgreSQL only (set TEST_DATABASE_URL)")
    if not shutil.which("pg_dump") or not shutil.which("pg_restore"):
        pytest.skip("pg_dump/pg_restore not installed (apt-get install postgresql-client)")
    for i in range(12):
        add_person(i)
    db.session.commit()
    make_wave(instrument, status="open")
    tables = [t.name for t in db.metadata.sorted_tables] + ["alembic_version"]

    def counts(engine) -> dict[str, int]:
        with engine.connect() as conn:
            return {
                t: conn.execute(sa.text(f'SELECT count(*) FROM "{t}"')).scalar() for t in tables
            }

    before = counts(db.engine)
    conninfo = [
        "-h",
        url.host or "127.0.0.1",
        "-p",
        str(url.port or 5432),
        "-U",
        url.username or "postgres",
    ]
    dump = tmp_path / "dekom.dump"
    subprocess.run(
        ["pg_dump", *conninfo, "--format=custom", f"--file={dump}", url.database], check=True
    )
    restored = f"{url.database}_restored_{uuid.uuid4().hex[:6]}"
    admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{restored}"'))
    try:
        subprocess.run(
            ["pg_restore", *conninfo, "--no-owner", "--exit-on-error", "-d", restored, str(dump)],
            check=True,
        )
        engine = sa.create_engine(url.set(database=restored))
        after = counts(engine)
        with engine.connect() as conn:
            version = conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
        engine.dispose()
        assert after == before and before["invitation"] == 12 and before["user_account"] == 3
        with db.engine.connect() as conn:
            assert (
                version == conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
            )
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{restored}"'))
        admin.dispose()
