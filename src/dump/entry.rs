//! What plain dumps and archives have in common: pg_dump writes one entry per object (a header
//! comment in a plain dump, a table-of-contents entry in an archive), and the SQL it wrote for it.
//! Readers of both formats turn their input into [`DumpEntry`] values; everything after them
//! (objects, row counts) reads entries and never knows the format.

/// One object as pg_dump wrote it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DumpEntry {
    /// The entry's type as pg_dump names it: `TABLE`, `INDEX`, `FK CONSTRAINT`, `ACL`,
    /// `COMMENT`, `TABLE DATA`, `SEQUENCE SET`, `DEFAULT ACL`, ... (`Type:` of the header,
    /// `desc` of a TOC entry).
    pub desc: String,
    /// Its name as pg_dump tags it (`Name:` of the header, `tag` of a TOC entry), unquoted:
    /// `orders`, `orders orders_pkey` for a constraint, `FUNCTION add(a integer, b integer)`
    /// for an ACL.
    pub tag: String,
    /// Its schema (`Schema:`; `-` and empty become `None`).
    pub namespace: Option<String>,
    /// Its owner (`Owner:`; `-` and empty become `None`).
    pub owner: Option<String>,
    /// The SQL pg_dump wrote for it (the statements after the header; a TOC entry's `defn`),
    /// with the `COPY ... FROM stdin;` statement of a data entry but never its rows.
    pub sql: String,
    /// Where it is: the 1-based line of the header in a plain dump, the dump id in an archive.
    pub position: u64,
    /// Rows of a `TABLE DATA` entry, when they were counted.
    pub rows: Option<u64>,
}
