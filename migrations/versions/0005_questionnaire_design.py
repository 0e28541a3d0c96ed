"""questionnaire design: uploaded drafts, comparability notes on waves, immutable versions in the database

Revision ID: 0005_questionnaire_design
Revises: 0004_privacy
Create Date: 2026-11-29 13:30:00

A questionnaire version can never be changed (UPDATE is refused) and, once a response answers
it, never deleted: triggers on PostgreSQL and SQLite, beside the foreign keys.
"""
from alembic import op
import sqlalchemy as sa

import webapp.models.types  # noqa: F401 - custom column types used below


# revision identifiers, used by Alembic.
revision = '0005_questionnaire_design'
down_revision = '0004_privacy'
branch_labels = None
depends_on = None

IMMUTABLE = "questionnaire versions are immutable: store a new version instead"
ANSWERED = "this questionnaire version has answers and cannot be deleted"


def upgrade():
    op.create_table(
        'questionnaire_draft',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(length=64), nullable=False),
        sa.Column('role', sa.String(length=32), nullable=False),
        sa.Column('definition', sa.JSON(), nullable=False),
        sa.Column('source', sa.String(length=255), nullable=False),
        sa.Column('warnings', sa.JSON(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', webapp.models.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('wave_questionnaire', schema=None) as batch_op:
        batch_op.add_column(sa.Column('comparability_note', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('comparability', sa.JSON(), nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"""
            CREATE FUNCTION questionnaire_version_guard() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF TG_OP = 'UPDATE' THEN
                    RAISE EXCEPTION '{IMMUTABLE}' USING ERRCODE = 'insufficient_privilege';
                END IF;
                IF EXISTS (SELECT 1 FROM response WHERE questionnaire_version_id = OLD.id) THEN
                    RAISE EXCEPTION '{ANSWERED}' USING ERRCODE = 'insufficient_privilege';
                END IF;
                RETURN OLD;
            END
            $$""")
        op.execute("CREATE TRIGGER questionnaire_version_guard BEFORE UPDATE OR DELETE ON questionnaire_version "
                   "FOR EACH ROW EXECUTE FUNCTION questionnaire_version_guard()")
    else:
        op.execute("CREATE TRIGGER questionnaire_version_no_update BEFORE UPDATE ON questionnaire_version "
                   f"BEGIN SELECT RAISE(ABORT, '{IMMUTABLE}'); END")
        op.execute("CREATE TRIGGER questionnaire_version_no_delete_answered BEFORE DELETE ON questionnaire_version "
                   "WHEN EXISTS (SELECT 1 FROM response WHERE questionnaire_version_id = OLD.id) "
                   f"BEGIN SELECT RAISE(ABORT, '{ANSWERED}'); END")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS questionnaire_version_guard ON questionnaire_version")
        op.execute("DROP FUNCTION IF EXISTS questionnaire_version_guard()")
    else:
        op.execute("DROP TRIGGER IF EXISTS questionnaire_version_no_update")
        op.execute("DROP TRIGGER IF EXISTS questionnaire_version_no_delete_answered")
    with op.batch_alter_table('wave_questionnaire', schema=None) as batch_op:
        batch_op.drop_column('comparability')
        batch_op.drop_column('comparability_note')
    op.drop_table('questionnaire_draft')
