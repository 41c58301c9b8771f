//! What verification reads from each side's catalogs before it counts: the tables with their
//! size and statistics, the sequences, and the state a restore can leave objects in (invalid
//! indexes, `NOT VALID` constraints, disabled triggers, extension versions, large objects).
//! A fixed number of set-based queries, in the caller's transaction.

use crate::catalog::{quote_ident, InstalledExtension};
use crate::introspect::contents::{
    read_extensions, read_large_objects, NOT_EXTENSION_MEMBER, USER_SCHEMA,
};
use std::collections::BTreeMap;
use tokio_postgres::Client;

/// A schema-qualified name, unquoted.
pub type QualifiedName = (String, String);

/// Shows a qualified name as SQL would need it: `app."Order Items"`.
pub fn qualified((schema, name): &QualifiedName) -> String {
    format!("{}.{}", quote_ident(schema), quote_ident(name))
}

/// What kind of relation holds rows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TableKind {
    /// A table (including a partition and an inheritance parent or child).
    Table,
    /// A partitioned table: no rows of its own, the sum of its partitions'.
    Partitioned,
    /// A materialized view.
    MaterializedView,
}

impl TableKind {
    /// The name used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            TableKind::Table => "table",
            TableKind::Partitioned => "partitioned table",
            TableKind::MaterializedView => "materialized view",
        }
    }
}

/// One relation that holds rows.
#[derive(Clone, Debug)]
pub struct TableInfo {
    /// Kind.
    pub kind: TableKind,
    /// The partitioned table it is a partition of.
    pub parent: Option<QualifiedName>,
    /// Bytes on disk (main fork), to count the largest first.
    pub bytes: i64,
    /// The planner's estimate of its rows; `None` when the server has none (never analyzed or
    /// vacuumed, PostgreSQL 14 and later).
    pub estimate: Option<f64>,
    /// ANALYZE (manual or automatic) ran on it, or statistics were restored.
    pub analyzed: bool,
    /// A materialized view holds data (always true for tables).
    pub populated: bool,
}

/// One sequence.
#[derive(Clone, Debug)]
pub struct SequenceInfo {
    /// `last_value`, `None` when the sequence was never used (or cannot be read).
    pub last_value: Option<i64>,
    /// `increment_by`: a negative one counts down.
    pub increment: i64,
    /// The connecting role may read it.
    pub readable: bool,
}

/// One trigger's state.
#[derive(Clone, Debug)]
pub struct TriggerInfo {
    /// `tgenabled`: `O` origin, `D` disabled, `R` replica, `A` always.
    pub enabled: char,
}

/// Everything verification reads from one side's catalogs.
#[derive(Clone, Debug, Default)]
pub struct SideCatalog {
    /// `server_version_num / 10000`.
    pub major: u32,
    /// `server_version`.
    pub version: String,
    /// Relations that hold rows.
    pub tables: BTreeMap<QualifiedName, TableInfo>,
    /// Sequences.
    pub sequences: BTreeMap<QualifiedName, SequenceInfo>,
    /// Invalid indexes: (schema, index) and the table they index.
    pub invalid_indexes: BTreeMap<QualifiedName, String>,
    /// `NOT VALID` constraints: (schema, table) and the constraint names.
    pub unvalidated_constraints: BTreeMap<QualifiedName, Vec<String>>,
    /// User triggers: ((schema, table), trigger).
    pub triggers: BTreeMap<(QualifiedName, String), TriggerInfo>,
    /// Installed extensions.
    pub extensions: BTreeMap<String, InstalledExtension>,
    /// Large objects.
    pub large_objects: u64,
}

/// Reads one side's catalogs, in the caller's transaction.
pub async fn read_side(client: &Client) -> Result<SideCatalog, tokio_postgres::Error> {
    let row = client
        .query_one(
            "SELECT current_setting('server_version_num')::int, current_setting('server_version')",
            &[],
        )
        .await?;
    let major = (row.get::<_, i32>(0) / 10000) as u32;
    let version = row.get(1);
    Ok(SideCatalog {
        major,
        version,
        tables: read_tables(client, major).await?,
        sequences: read_sequences(client).await?,
        invalid_indexes: read_invalid_indexes(client).await?,
        unvalidated_constraints: read_unvalidated_constraints(client).await?,
        triggers: read_triggers(client).await?,
        extensions: read_extensions(client).await?,
        large_objects: read_large_objects(client).await?,
    })
}

async fn read_tables(
    client: &Client,
    major: u32,
) -> Result<BTreeMap<QualifiedName, TableInfo>, tokio_postgres::Error> {
    // From 14 on, reltuples is -1 until the first VACUUM or ANALYZE; before, 0 means either
    // "empty" or "never looked at", so only the statistics views can tell.
    let estimate_known = if major >= 14 {
        "c.reltuples >= 0"
    } else {
        "s.last_analyze IS NOT NULL OR s.last_autoanalyze IS NOT NULL OR c.reltuples > 0"
    };
    // CREATE INDEX sets reltuples too, so only a recorded ANALYZE or column statistics (which
    // pg_restore 18 restores without recording an ANALYZE) count as statistics.
    let analyzed = "s.last_analyze IS NOT NULL OR s.last_autoanalyze IS NOT NULL \
                    OR st.tablename IS NOT NULL";
    let sql = format!(
        "SELECT n.nspname::text, c.relname::text, c.relkind::text, \
                pn.nspname::text, pc.relname::text, \
                pg_catalog.pg_relation_size(c.oid), \
                CASE WHEN {estimate_known} THEN c.reltuples::float8 END, \
                COALESCE({analyzed}, false), c.relispopulated \
         FROM pg_catalog.pg_class c \
         JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
         LEFT JOIN pg_catalog.pg_stat_all_tables s ON s.relid = c.oid \
         LEFT JOIN (SELECT DISTINCT schemaname, tablename FROM pg_catalog.pg_stats) st \
                ON st.schemaname = n.nspname AND st.tablename = c.relname \
         LEFT JOIN pg_catalog.pg_inherits i ON i.inhrelid = c.oid AND c.relispartition \
         LEFT JOIN pg_catalog.pg_class pc ON pc.oid = i.inhparent \
         LEFT JOIN pg_catalog.pg_namespace pn ON pn.oid = pc.relnamespace \
         WHERE c.relkind IN ('r', 'p', 'm') AND {USER_SCHEMA} AND {NOT_EXTENSION_MEMBER}"
    );
    let rows = client.query(&sql, &[]).await?;
    Ok(rows
        .iter()
        .map(|row| {
            let kind = match row.get::<_, &str>(2) {
                "p" => TableKind::Partitioned,
                "m" => TableKind::MaterializedView,
                _ => TableKind::Table,
            };
            let parent = match (row.get::<_, Option<String>>(3), row.get(4)) {
                (Some(schema), Some(name)) => Some((schema, name)),
                _ => None,
            };
            let info = TableInfo {
                kind,
                parent,
                bytes: row.get(5),
                estimate: row.get(6),
                analyzed: row.get(7),
                populated: row.get(8),
            };
            ((row.get(0), row.get(1)), info)
        })
        .collect())
}

async fn read_sequences(
    client: &Client,
) -> Result<BTreeMap<QualifiedName, SequenceInfo>, tokio_postgres::Error> {
    let sql = format!(
        "SELECT n.nspname::text, c.relname::text, s.last_value, s.increment_by, \
                pg_catalog.has_sequence_privilege(c.oid, 'SELECT') \
                OR pg_catalog.has_sequence_privilege(c.oid, 'USAGE') \
         FROM pg_catalog.pg_sequences s \
         JOIN pg_catalog.pg_namespace n ON n.nspname = s.schemaname \
         JOIN pg_catalog.pg_class c ON c.relnamespace = n.oid AND c.relname = s.sequencename \
         WHERE {USER_SCHEMA} AND {NOT_EXTENSION_MEMBER}"
    );
    let rows = client.query(&sql, &[]).await?;
    Ok(rows
        .iter()
        .map(|row| {
            let info = SequenceInfo {
                last_value: row.get(2),
                increment: row.get(3),
                readable: row.get(4),
            };
            ((row.get(0), row.get(1)), info)
        })
        .collect())
}

async fn read_invalid_indexes(
    client: &Client,
) -> Result<BTreeMap<QualifiedName, String>, tokio_postgres::Error> {
    let sql = format!(
        "SELECT n.nspname::text, c.relname::text, t.relname::text \
         FROM pg_catalog.pg_index x \
         JOIN pg_catalog.pg_class c ON c.oid = x.indexrelid \
         JOIN pg_catalog.pg_class t ON t.oid = x.indrelid \
         JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
         WHERE NOT x.indisvalid AND {USER_SCHEMA}"
    );
    let rows = client.query(&sql, &[]).await?;
    Ok(rows
        .iter()
        .map(|row| ((row.get(0), row.get(1)), row.get(2)))
        .collect())
}

async fn read_unvalidated_constraints(
    client: &Client,
) -> Result<BTreeMap<QualifiedName, Vec<String>>, tokio_postgres::Error> {
    let sql = format!(
        "SELECT n.nspname::text, c.relname::text, k.conname::text \
         FROM pg_catalog.pg_constraint k \
         JOIN pg_catalog.pg_class c ON c.oid = k.conrelid \
         JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
         WHERE NOT k.convalidated AND {USER_SCHEMA} \
         ORDER BY 1, 2, 3"
    );
    let rows = client.query(&sql, &[]).await?;
    let mut constraints: BTreeMap<QualifiedName, Vec<String>> = BTreeMap::new();
    for row in rows {
        constraints
            .entry((row.get(0), row.get(1)))
            .or_default()
            .push(row.get(2));
    }
    Ok(constraints)
}

async fn read_triggers(
    client: &Client,
) -> Result<BTreeMap<(QualifiedName, String), TriggerInfo>, tokio_postgres::Error> {
    let sql = format!(
        "SELECT n.nspname::text, c.relname::text, t.tgname::text, t.tgenabled::text \
         FROM pg_catalog.pg_trigger t \
         JOIN pg_catalog.pg_class c ON c.oid = t.tgrelid \
         JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
         WHERE NOT t.tgisinternal AND {USER_SCHEMA}"
    );
    let rows = client.query(&sql, &[]).await?;
    Ok(rows
        .iter()
        .map(|row| {
            let enabled = row.get::<_, &str>(3).chars().next().unwrap_or('O');
            (
                ((row.get(0), row.get(1)), row.get(2)),
                TriggerInfo { enabled },
            )
        })
        .collect())
}
