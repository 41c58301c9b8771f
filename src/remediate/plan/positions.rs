//! Where the sequences of a live database stand. Snapshots of live servers leave sequence
//! values out (they are data, and reading them opens every sequence), but the `setval`s of
//! the schema phase need them for the two compared databases: one read-only query each.

use crate::catalog::{qualified, Snapshot};
use crate::introspect::session::connect;
use crate::introspect::{ConnSpec, IntrospectError};
use std::collections::BTreeMap;

/// `last_value` of every sequence the connecting role may read that has been used, by
/// qualified name, in the database `spec` names.
pub fn read_positions(spec: &ConnSpec) -> Result<BTreeMap<String, i64>, IntrospectError> {
    crate::introspect::target::block_on(spec, async {
        let session = connect(spec).await?;
        let rows = session
            .client()
            .query(
                "SELECT n.nspname::text, c.relname::text, \
                        CASE WHEN pg_catalog.has_sequence_privilege(c.oid, 'SELECT,USAGE') \
                             THEN pg_catalog.pg_sequence_last_value(c.oid) END \
                 FROM pg_catalog.pg_sequence s \
                 JOIN pg_catalog.pg_class c ON c.oid = s.seqrelid \
                 JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
                 WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')",
                &[],
            )
            .await
            .map_err(IntrospectError::query(
                session.server(),
                "sequence positions",
            ))?;
        session.close().await;
        Ok(rows
            .into_iter()
            .filter_map(|row| {
                let value: Option<i64> = row.get(2);
                value.map(|v| (qualified(row.get(0), row.get(1)), v))
            })
            .collect())
    })
}

/// Records `positions` as the `last_value`s of the sequences of `database` in `snapshot`.
pub fn fill_positions(snapshot: &mut Snapshot, database: &str, positions: &BTreeMap<String, i64>) {
    let Some(objects) = snapshot
        .databases
        .get_mut(database)
        .and_then(|db| db.contents.as_mut())
        .and_then(|c| c.objects.as_mut())
    else {
        return;
    };
    for (name, sequence) in &mut objects.sequences {
        if let Some(value) = positions.get(name) {
            sequence.last_value = Some(*value);
        }
    }
}
