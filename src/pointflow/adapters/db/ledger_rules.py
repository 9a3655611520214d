"""The ledger's rules, enforced by the database too: balanced postings and immutable posted entries.

SQLite has no deferred triggers, so legs are written before their posting header and the header's
insert trigger checks the sum; PostgreSQL checks the same sum in deferred constraint triggers at commit.
"""

from __future__ import annotations

from sqlalchemy import Connection, text

IMMUTABLE = ("postings", "legs", "audit_log", "lot_allocations", "points_debts")

_BALANCE_CONDITION = (
    "(SELECT COUNT(*) < 2 OR COALESCE(SUM(points), 0) <> 0 FROM legs WHERE posting_id = {id})"
)

_SQLITE_BALANCED = f"""
CREATE TRIGGER postings_balanced AFTER INSERT ON postings
WHEN {_BALANCE_CONDITION.format(id="NEW.id")}
BEGIN SELECT RAISE(ABORT, 'unbalanced posting: legs must number two or more and sum to zero'); END
"""

_SQLITE_LEGS_FIRST = """
CREATE TRIGGER legs_before_header AFTER INSERT ON legs
WHEN EXISTS (SELECT 1 FROM postings WHERE id = NEW.posting_id)
BEGIN SELECT RAISE(ABORT, 'legs cannot be added to a posted entry'); END
"""

_PG_BALANCED = f"""
CREATE OR REPLACE FUNCTION pointflow_posting_balanced() RETURNS trigger AS $$
DECLARE pid text;
BEGIN
  IF TG_TABLE_NAME = 'legs' THEN pid := NEW.posting_id; ELSE pid := NEW.id; END IF;
  IF {_BALANCE_CONDITION.format(id="pid")} THEN
    RAISE EXCEPTION 'unbalanced posting %: legs must number two or more and sum to zero', pid;
  END IF;
  RETURN NULL;
END $$ LANGUAGE plpgsql
"""

_PG_IMMUTABLE = """
CREATE OR REPLACE FUNCTION pointflow_immutable() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION '% rows are append-only: % refused', TG_TABLE_NAME, TG_OP;
END $$ LANGUAGE plpgsql
"""


def install_ledger_rules(conn: Connection) -> None:
    if conn.dialect.name == "sqlite":
        _install_sqlite(conn)
    else:
        _install_postgresql(conn)


def _install_sqlite(conn: Connection) -> None:
    conn.exec_driver_sql(_SQLITE_BALANCED)
    conn.exec_driver_sql(_SQLITE_LEGS_FIRST)
    for table in IMMUTABLE:
        for op in ("UPDATE", "DELETE"):
            conn.exec_driver_sql(
                f"CREATE TRIGGER {table}_no_{op.lower()} BEFORE {op} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table} rows are append-only: {op} refused'); END"
            )


def _install_postgresql(conn: Connection) -> None:
    conn.execute(text(_PG_BALANCED))
    conn.execute(text(_PG_IMMUTABLE))
    for table in ("postings", "legs"):
        conn.exec_driver_sql(
            f"CREATE CONSTRAINT TRIGGER {table}_balanced AFTER INSERT ON {table} "
            "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION pointflow_posting_balanced()"
        )
    for table in IMMUTABLE:
        conn.exec_driver_sql(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION pointflow_immutable()"
        )


def drop_ledger_rules(conn: Connection) -> None:
    if conn.dialect.name == "sqlite":
        names = ["postings_balanced", "legs_before_header"]
        names += [f"{t}_no_{op}" for t in IMMUTABLE for op in ("update", "delete")]
        for name in names:
            conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")
        return
    conn.exec_driver_sql("DROP FUNCTION IF EXISTS pointflow_posting_balanced() CASCADE")
    conn.exec_driver_sql("DROP FUNCTION IF EXISTS pointflow_immutable() CASCADE")
