"""The SQL of PostgreSQL change tracking: the change table, the function that writes a
change row (``to_jsonb`` of the rows, ``pg_notify``), the row trigger, and the reads.

Names are composed with :mod:`psycopg.sql` (quoted identifiers, escaped literals); every
value is a bound parameter.

Example:
    >>> quoted("public", 'we"ird')
    '"public"."we""ird"'
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from workbench.sdk import require
from workbench.sdk.sql import quote_identifier

if TYPE_CHECKING:
    from psycopg import sql as pgsql

TRIGGER = "wb_changes"
FUNCTION = "wb_changes_record"
CHANNEL = "wb_changes"
DOLLAR_TAG = "$wb$"

RESOLVE = """
select n.nspname, c.relname, c.relkind, format('%%I.%%I', n.nspname, c.relname)
from pg_class c join pg_namespace n on n.oid = c.relnamespace
where c.oid = to_regclass(%(t)s)
"""
CANDIDATE = "select format('%%I.%%I', coalesce(%(s)s::text, current_schema()), %(n)s::text)"
TRACKED = (
    "select exists (select 1 from pg_trigger where tgname = %(trigger)s "
    "and tgrelid = to_regclass(%(t)s) and tgfoid = to_regprocedure(%(f)s))"
)
STILL_USED = "select exists (select 1 from pg_trigger where tgfoid = to_regprocedure(%(f)s))"
TABLE_INFO = """
select a.attname, coalesce(a.attnum = any(i.indkey::int2[]), false),
       'numeric'::regtype in (a.atttypid, t.typbasetype), array_position(i.indkey::int2[], a.attnum)
from pg_attribute a
join pg_type t on t.oid = a.atttypid
left join pg_index i on i.indrelid = a.attrelid and i.indisprimary
where a.attrelid = to_regclass(%(t)s) and a.attnum > 0 and not a.attisdropped
order by a.attnum
"""

CHANGE_TABLE_SQL = """
create table if not exists {changes} (
    id uuid primary key default gen_random_uuid(),
    position bigint generated always as identity,
    table_name text not null,
    operation text not null,
    old_row jsonb,
    new_row jsonb,
    changed text[] not null,
    changed_at timestamptz not null default clock_timestamp()
)
"""
INDEX_SQL = "create index if not exists wb_changes_by_table on {changes} (table_name, position)"
FUNCTION_SQL = """
create or replace function {function}() returns trigger
language plpgsql security definer set search_path = pg_catalog, pg_temp as $wb$
declare
    old_row jsonb;
    new_row jsonb;
    changed text[];
begin
    if TG_OP <> 'INSERT' then old_row := to_jsonb(OLD); end if;
    if TG_OP <> 'DELETE' then new_row := to_jsonb(NEW); end if;
    if TG_OP = 'UPDATE' then
        changed := array(select n.key from jsonb_each(new_row) n
                         where n.value is distinct from old_row -> n.key);
    else
        changed := array(select jsonb_object_keys(coalesce(new_row, old_row)));
    end if;
    insert into {changes} (table_name, operation, old_row, new_row, changed)
    values (TG_ARGV[0], lower(TG_OP), old_row, new_row, changed);
    perform pg_notify('wb_changes', TG_ARGV[0]);
    return null;
end
$wb$
"""
TRIGGER_SQL = (
    "create trigger {trigger} after insert or update or delete on {table} "
    "for each row execute function {function}({name})"
)
DROP_TRIGGER_SQL = "drop trigger if exists {trigger} on {table}"
FETCH_SQL = """
select id::text, operation, old_row::text, new_row::text, changed, changed_at
from {changes}
where table_name = %(table)s and operation = any(%(operations)s)
order by position
limit %(limit)s
for update skip locked
"""
DELETE_SQL = "delete from {changes} where id = any(%(ids)s::uuid[])"


class Tracked:
    """A table as the catalog names it; ``canonical`` is ``schema.name`` as %I quotes it."""

    def __init__(self, schema: str, name: str, canonical: str) -> None:
        self.schema, self.name, self.canonical = schema, name, canonical
        self.quoted = quoted(schema, name)

    @property
    def sql(self) -> dict[str, Any]:
        """The names the install statements use."""
        psycopg = require("psycopg", "postgres")
        return {
            "trigger": psycopg.sql.Identifier(TRIGGER),
            "table": psycopg.sql.Identifier(self.schema, self.name),
            "name": psycopg.sql.Literal(self.canonical),
        }


def quoted(schema: str, name: str) -> str:
    """``"schema"."name"``, as ``to_regclass`` takes it."""
    return quote_identifier(schema, qualified=False) + "." + quote_identifier(name, qualified=False)


def name_sql(schema: str, name: str) -> pgsql.Identifier:
    """A schema-qualified name to compose into a statement."""
    psycopg = require("psycopg", "postgres")
    identifier: pgsql.Identifier = psycopg.sql.Identifier(schema, name)
    return identifier


def statement(template: str, **names: Any) -> pgsql.Composed:
    """``template`` with its ``{names}`` filled in, quoted."""
    psycopg = require("psycopg", "postgres")
    composed: pgsql.Composed = psycopg.sql.SQL(template).format(**names)
    return composed
