//! Placeholder until the per-database readers land: installed extensions only.

use crate::catalog::{DatabaseContents, InstalledExtension};

/// Reads what a migration must know about the objects of the connected database.
pub async fn read_contents(
    client: &tokio_postgres::Client,
    _major: u32,
) -> Result<DatabaseContents, tokio_postgres::Error> {
    let mut contents = DatabaseContents::default();
    for row in client
        .query(
            "SELECT e.extname::text, e.extversion, n.nspname::text FROM pg_extension e \
             JOIN pg_namespace n ON n.oid = e.extnamespace",
            &[],
        )
        .await?
    {
        contents.extensions.insert(
            row.get(0),
            InstalledExtension {
                version: row.get(1),
                schema: row.get(2),
            },
        );
    }
    Ok(contents)
}
