"""The migrations build the schema from empty, and the models agree with them."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from webapp.extensions import db


def test_models_and_migrations_agree(app_ctx):
    """Autogenerate against the migrated database finds no difference."""
    with db.engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True, "render_as_batch": True})
        diff = compare_metadata(ctx, db.metadata)
    assert diff == [], f"models and migrations differ: {diff}"


def test_migrations_form_one_line(app_ctx):
    """Exactly one head, so `flask db upgrade` needs no merge."""
    config = app_ctx.extensions["migrate"].migrate.get_config()
    heads = ScriptDirectory.from_config(config).get_heads()
    assert len(heads) == 1, f"several migration heads: {heads}"


def test_database_is_at_head(app_ctx):
    config = app_ctx.extensions["migrate"].migrate.get_config()
    head = ScriptDirectory.from_config(config).get_current_head()
    with db.engine.connect() as conn:
        assert MigrationContext.configure(conn).get_current_revision() == head


def test_naming_convention_on_constraints(app_ctx):
    names = {c.name for t in db.metadata.sorted_tables for c in t.constraints}
    assert "ck_response_complete_iff_submitted" in names
    assert "uq_answer_response_id_item_code" in names
