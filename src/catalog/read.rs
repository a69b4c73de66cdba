//! The queries behind [`read`]: one per kind of object, each over the whole database (no
//! query per table), results placed into `BTreeMap`s so the order never depends on Postgres'.

use super::{
    Catalog, Column, Constraint, Enum, Grants, Index, Name, Policy, Scope, Sequence, Table,
};
use crate::db::{self, Db, Row};
use crate::render::postgres::sql::string_literal;

/// Reads the catalog of the database `db` is connected to, leaving out what `scope` says.
/// Runs in one read-only transaction (one snapshot), so call it outside a transaction; the
/// session is left as it was.
pub fn read(db: &mut Db, scope: &Scope) -> Result<Catalog, db::Error> {
    db.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SET LOCAL search_path = ''")?;
    let result = read_all(db, scope);
    db.execute(if result.is_ok() { "COMMIT" } else { "ROLLBACK" })?;
    result
}

fn read_all(db: &mut Db, scope: &Scope) -> Result<Catalog, db::Error> {
    let filter = Filter::new(scope);
    let mut catalog = Catalog::default();
    read_schemas(db, &filter, &mut catalog)?;
    read_extensions(db, &mut catalog)?;
    read_enums(db, &filter, &mut catalog)?;
    read_tables(db, &filter, &mut catalog)?;
    read_columns(db, &filter, &mut catalog)?;
    read_constraints(db, &filter, &mut catalog)?;
    read_indexes(db, &filter, &mut catalog)?;
    read_policies(db, &filter, &mut catalog)?;
    read_table_grants(db, &filter, &mut catalog)?;
    read_column_grants(db, &filter, &mut catalog)?;
    read_sequences(db, &filter, &mut catalog)?;
    Ok(catalog)
}

/// SQL conditions on `n` (pg_namespace) and `c` (pg_class) that keep the system's objects.
struct Filter {
    schemas: String,
    tables: String,
    skip_tables: String,
}

impl Filter {
    fn new(scope: &Scope) -> Filter {
        let list = |names: &[String]| {
            let items: Vec<String> = names.iter().map(|n| string_literal(n)).collect();
            format!("ARRAY[{}]::text[]", items.join(", "))
        };
        Filter {
            skip_tables: list(&scope.skip_tables),
            schemas: format!(
                "n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\\_%' \
                 AND n.nspname <> ALL ({})",
                list(&scope.skip_schemas)
            ),
            tables: format!(
                "c.relkind IN ('r', 'p') AND c.relname <> ALL ({}) AND NOT {}",
                list(&scope.skip_tables),
                from_extension("pg_class", "c.oid")
            ),
        }
    }

    /// `sql` with `$SCHEMAS` and `$TABLES` replaced by the conditions, `$SKIP_TABLES` by the
    /// array of skipped table names.
    fn apply(&self, sql: &str) -> String {
        sql.replace("$SCHEMAS", &self.schemas)
            .replace("$TABLES", &self.tables)
            .replace("$SKIP_TABLES", &self.skip_tables)
            .replace("$TYPE_FROM_EXTENSION", &from_extension("pg_type", "t.oid"))
            .replace("$FROM_EXTENSION", &from_extension("pg_class", "c.oid"))
    }
}

/// Whether the object `oid` (in `catalog`) belongs to an extension (PostGIS' tables, citext's
/// types…): `CREATE EXTENSION` makes it, on both sides, and it is not the system's.
fn from_extension(catalog: &str, oid: &str) -> String {
    format!(
        "EXISTS (SELECT FROM pg_catalog.pg_depend x WHERE x.classid = 'pg_catalog.{catalog}'::pg_catalog.regclass \
         AND x.objid = {oid} AND x.deptype = 'e')"
    )
}

/// The value at `i`, `""` for NULL.
fn text(row: &Row, i: usize) -> String {
    row[i].clone().unwrap_or_default()
}

fn optional(row: &Row, i: usize) -> Option<String> {
    row[i].clone().filter(|s| !s.is_empty())
}

fn flag(row: &Row, i: usize) -> bool {
    row[i].as_deref() == Some("t")
}

fn name(row: &Row) -> Name {
    Name::new(text(row, 0), text(row, 1))
}

/// A JSON array of strings (`json_agg`); NULL reads as empty.
fn json_list(row: &Row, i: usize) -> Vec<String> {
    row[i]
        .as_deref()
        .and_then(|s| serde_json::from_str(s).ok())
        .unwrap_or_default()
}

/// The grantee of an `aclexplode` row: `PUBLIC` for oid 0.
const GRANTEE: &str =
    "CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE pg_catalog.pg_get_userbyid(a.grantee) END";

fn grant(grants: &mut Grants, row: &Row, at: usize) {
    grants
        .entry(text(row, at))
        .or_default()
        .insert(text(row, at + 1), flag(row, at + 2));
}

fn read_schemas(db: &mut Db, filter: &Filter, catalog: &mut Catalog) -> Result<(), db::Error> {
    let sql = filter.apply(
        "SELECT n.nspname, pg_catalog.obj_description(n.oid, 'pg_namespace')
         FROM pg_catalog.pg_namespace n WHERE $SCHEMAS",
    );
    for row in db.rows(&sql)? {
        catalog.schemas.entry(text(&row, 0)).or_default().comment = optional(&row, 1);
    }
    let sql = filter.apply(&format!(
        "SELECT n.nspname, {GRANTEE}, a.privilege_type, a.is_grantable
         FROM pg_catalog.pg_namespace n, pg_catalog.aclexplode(n.nspacl) a
         WHERE $SCHEMAS AND a.grantee <> n.nspowner"
    ));
    for row in db.rows(&sql)? {
        let schema = catalog.schemas.entry(text(&row, 0)).or_default();
        grant(&mut schema.grants, &row, 1);
    }
    Ok(())
}

fn read_extensions(db: &mut Db, catalog: &mut Catalog) -> Result<(), db::Error> {
    let sql = "SELECT e.extname, n.nspname FROM pg_catalog.pg_extension e
               JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace
               WHERE e.extname <> 'plpgsql'";
    for row in db.rows(sql)? {
        catalog.extensions.insert(text(&row, 0), text(&row, 1));
    }
    Ok(())
}

fn read_enums(db: &mut Db, filter: &Filter, catalog: &mut Catalog) -> Result<(), db::Error> {
    let sql = filter.apply(
        "SELECT n.nspname, t.typname,
                (SELECT pg_catalog.json_agg(e.enumlabel ORDER BY e.enumsortorder)
                 FROM pg_catalog.pg_enum e WHERE e.enumtypid = t.oid),
                pg_catalog.obj_description(t.oid, 'pg_type'), pg_catalog.format_type(t.oid, NULL)
         FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
         WHERE t.typtype = 'e' AND $SCHEMAS AND NOT $TYPE_FROM_EXTENSION",
    );
    for row in db.rows(&sql)? {
        let value = Enum {
            spelled: text(&row, 4),
            labels: json_list(&row, 2),
            comment: optional(&row, 3),
        };
        catalog.enums.insert(name(&row), value);
    }
    Ok(())
}

fn read_tables(db: &mut Db, filter: &Filter, catalog: &mut Catalog) -> Result<(), db::Error> {
    let sql = filter.apply(
        "SELECT n.nspname, c.relname,
                CASE WHEN c.relkind = 'p' THEN pg_catalog.pg_get_partkeydef(c.oid) END,
                pn.nspname, p.relname, pg_catalog.pg_get_expr(c.relpartbound, c.oid),
                c.relrowsecurity, c.relforcerowsecurity,
                pg_catalog.obj_description(c.oid, 'pg_class'), pg_catalog.pg_get_userbyid(c.relowner)
         FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
         LEFT JOIN pg_catalog.pg_inherits h ON h.inhrelid = c.oid AND c.relispartition
         LEFT JOIN pg_catalog.pg_class p ON p.oid = h.inhparent
         LEFT JOIN pg_catalog.pg_namespace pn ON pn.oid = p.relnamespace
         WHERE $TABLES AND $SCHEMAS",
    );
    for row in db.rows(&sql)? {
        let parent = optional(&row, 4).map(|_| Name::new(text(&row, 3), text(&row, 4)));
        let table = Table {
            partition_key: optional(&row, 2),
            partition_of: parent.map(|p| (p, text(&row, 5))),
            rls_enabled: flag(&row, 6),
            rls_forced: flag(&row, 7),
            comment: optional(&row, 8),
            owner: text(&row, 9),
            ..Table::default()
        };
        catalog.tables.insert(name(&row), table);
    }
    Ok(())
}

fn read_columns(db: &mut Db, filter: &Filter, catalog: &mut Catalog) -> Result<(), db::Error> {
    let sql = filter.apply(
        "SELECT n.nspname, c.relname, a.attname,
                pg_catalog.format_type(a.atttypid, a.atttypmod), a.attnotnull,
                pg_catalog.pg_get_expr(d.adbin, d.adrelid), a.attidentity, a.attgenerated,
                CASE WHEN a.attcollation <> t.typcollation THEN
                  (SELECT pg_catalog.quote_ident(cn.nspname) || '.' || pg_catalog.quote_ident(co.collname)
                   FROM pg_catalog.pg_collation co
                   JOIN pg_catalog.pg_namespace cn ON cn.oid = co.collnamespace
                   WHERE co.oid = a.attcollation) END,
                a.attinhcount > 0, pg_catalog.col_description(c.oid, a.attnum)
         FROM pg_catalog.pg_attribute a
         JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
         JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
         JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
         LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
         WHERE a.attnum > 0 AND NOT a.attisdropped AND $TABLES AND $SCHEMAS
         ORDER BY n.nspname, c.relname, a.attnum",
    );
    for row in db.rows(&sql)? {
        let expression = optional(&row, 5);
        let generated = text(&row, 7) == "s";
        let column = Column {
            name: text(&row, 2),
            data_type: text(&row, 3),
            not_null: flag(&row, 4),
            default: expression.clone().filter(|_| !generated),
            identity: match text(&row, 6).as_str() {
                "a" => Some("ALWAYS".into()),
                "d" => Some("BY DEFAULT".into()),
                _ => None,
            },
            generated: expression.filter(|_| generated),
            collation: optional(&row, 8),
            inherited: flag(&row, 9),
            comment: optional(&row, 10),
            grants: Grants::default(),
        };
        if let Some(table) = catalog.tables.get_mut(&name(&row)) {
            table.columns.push(column);
        }
    }
    Ok(())
}

fn read_constraints(db: &mut Db, filter: &Filter, catalog: &mut Catalog) -> Result<(), db::Error> {
    // Not `n` (Postgres 18 records NOT NULL as constraints): the column already says it.
    let sql = filter.apply(
        "SELECT n.nspname, c.relname, k.conname, k.contype,
                pg_catalog.pg_get_constraintdef(k.oid), k.convalidated,
                k.conparentid <> 0 OR NOT k.conislocal
         FROM pg_catalog.pg_constraint k
         JOIN pg_catalog.pg_class c ON c.oid = k.conrelid
         JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
         WHERE k.contype IN ('p', 'f', 'u', 'c', 'x') AND $TABLES AND $SCHEMAS",
    );
    for row in db.rows(&sql)? {
        // `pg_get_constraintdef` ends with ` NOT VALID` for such a constraint: `validated` says it.
        let definition = text(&row, 4);
        let definition = definition.strip_suffix(" NOT VALID").unwrap_or(&definition);
        let constraint = Constraint {
            kind: text(&row, 3).chars().next().unwrap_or('c'),
            definition: definition.to_string(),
            validated: flag(&row, 5),
            inherited: flag(&row, 6),
        };
        if let Some(table) = catalog.tables.get_mut(&name(&row)) {
            table.constraints.insert(text(&row, 2), constraint);
        }
    }
    Ok(())
}

fn read_indexes(db: &mut Db, filter: &Filter, catalog: &mut Catalog) -> Result<(), db::Error> {
    let sql = filter.apply(
        "SELECT n.nspname, c.relname, i.relname, pg_catalog.pg_get_indexdef(x.indexrelid),
                x.indisvalid,
                (SELECT k.conname FROM pg_catalog.pg_constraint k
                 WHERE k.conindid = x.indexrelid AND k.conrelid = x.indrelid
                   AND k.contype IN ('p', 'u', 'x')),
                i.relispartition
         FROM pg_catalog.pg_index x
         JOIN pg_catalog.pg_class i ON i.oid = x.indexrelid
         JOIN pg_catalog.pg_class c ON c.oid = x.indrelid
         JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
         WHERE $TABLES AND $SCHEMAS",
    );
    for row in db.rows(&sql)? {
        let index = Index {
            definition: text(&row, 3),
            valid: flag(&row, 4),
            constraint: optional(&row, 5),
            inherited: flag(&row, 6),
        };
        if let Some(table) = catalog.tables.get_mut(&name(&row)) {
            table.indexes.insert(text(&row, 2), index);
        }
    }
    Ok(())
}

fn read_policies(db: &mut Db, filter: &Filter, catalog: &mut Catalog) -> Result<(), db::Error> {
    let sql = filter.apply(
        "SELECT n.nspname, c.relname, p.polname,
                CASE p.polcmd WHEN 'r' THEN 'SELECT' WHEN 'a' THEN 'INSERT' WHEN 'w' THEN 'UPDATE'
                              WHEN 'd' THEN 'DELETE' ELSE 'ALL' END,
                p.polpermissive,
                (SELECT pg_catalog.json_agg(CASE WHEN r = 0 THEN 'PUBLIC'
                                                 ELSE pg_catalog.pg_get_userbyid(r) END)
                 FROM pg_catalog.unnest(p.polroles) r),
                pg_catalog.pg_get_expr(p.polqual, p.polrelid),
                pg_catalog.pg_get_expr(p.polwithcheck, p.polrelid)
         FROM pg_catalog.pg_policy p
         JOIN pg_catalog.pg_class c ON c.oid = p.polrelid
         JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
         WHERE $TABLES AND $SCHEMAS",
    );
    for row in db.rows(&sql)? {
        let mut roles = json_list(&row, 5);
        roles.sort();
        let policy = Policy {
            command: text(&row, 3),
            permissive: flag(&row, 4),
            roles,
            using: optional(&row, 6),
            with_check: optional(&row, 7),
        };
        if let Some(table) = catalog.tables.get_mut(&name(&row)) {
            table.policies.insert(text(&row, 2), policy);
        }
    }
    Ok(())
}

fn read_table_grants(db: &mut Db, filter: &Filter, catalog: &mut Catalog) -> Result<(), db::Error> {
    let sql = filter.apply(&format!(
        "SELECT n.nspname, c.relname, {GRANTEE}, a.privilege_type, a.is_grantable
         FROM pg_catalog.pg_class c
         JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace,
         pg_catalog.aclexplode(c.relacl) a
         WHERE $TABLES AND $SCHEMAS AND a.grantee <> c.relowner"
    ));
    for row in db.rows(&sql)? {
        if let Some(table) = catalog.tables.get_mut(&name(&row)) {
            grant(&mut table.grants, &row, 2);
        }
    }
    Ok(())
}

fn read_column_grants(
    db: &mut Db,
    filter: &Filter,
    catalog: &mut Catalog,
) -> Result<(), db::Error> {
    let sql = filter.apply(&format!(
        "SELECT n.nspname, c.relname, {GRANTEE}, a.privilege_type, a.is_grantable, t.attname
         FROM pg_catalog.pg_attribute t
         JOIN pg_catalog.pg_class c ON c.oid = t.attrelid
         JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace,
         pg_catalog.aclexplode(t.attacl) a
         WHERE t.attnum > 0 AND NOT t.attisdropped AND $TABLES AND $SCHEMAS
           AND a.grantee <> c.relowner"
    ));
    for row in db.rows(&sql)? {
        let column = text(&row, 5);
        let found = catalog
            .tables
            .get_mut(&name(&row))
            .and_then(|t| t.columns.iter_mut().find(|c| c.name == column));
        if let Some(column) = found {
            grant(&mut column.grants, &row, 2);
        }
    }
    Ok(())
}

fn read_sequences(db: &mut Db, filter: &Filter, catalog: &mut Catalog) -> Result<(), db::Error> {
    // `a`: owned by a column (serial); `i`: an identity column's own, left out.
    let sql = filter.apply(
        "SELECT n.nspname, c.relname,
                'AS ' || pg_catalog.format_type(s.seqtypid, NULL) || ' INCREMENT BY ' || s.seqincrement
                || ' MINVALUE ' || s.seqmin || ' MAXVALUE ' || s.seqmax || ' START WITH ' || s.seqstart
                || ' CACHE ' || s.seqcache || CASE WHEN s.seqcycle THEN ' CYCLE' ELSE ' NO CYCLE' END,
                tn.nspname, t.relname, a.attname
         FROM pg_catalog.pg_class c
         JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
         JOIN pg_catalog.pg_sequence s ON s.seqrelid = c.oid
         LEFT JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass
              AND d.objid = c.oid AND d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass
              AND d.deptype IN ('a', 'i')
         LEFT JOIN pg_catalog.pg_class t ON t.oid = d.refobjid
         LEFT JOIN pg_catalog.pg_namespace tn ON tn.oid = t.relnamespace
         LEFT JOIN pg_catalog.pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
         WHERE c.relkind = 'S' AND $SCHEMAS AND d.deptype IS DISTINCT FROM 'i' AND NOT $FROM_EXTENSION
           AND coalesce(t.relname, '') <> ALL ($SKIP_TABLES)",
    );
    for row in db.rows(&sql)? {
        let owner =
            optional(&row, 4).map(|_| (Name::new(text(&row, 3), text(&row, 4)), text(&row, 5)));
        let sequence = Sequence {
            options: text(&row, 2),
            owned_by: owner,
            grants: Grants::default(),
        };
        catalog.sequences.insert(name(&row), sequence);
    }
    let sql = filter.apply(&format!(
        "SELECT n.nspname, c.relname, {GRANTEE}, a.privilege_type, a.is_grantable
         FROM pg_catalog.pg_class c
         JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace,
         pg_catalog.aclexplode(c.relacl) a
         WHERE c.relkind = 'S' AND $SCHEMAS AND a.grantee <> c.relowner"
    ));
    for row in db.rows(&sql)? {
        if let Some(sequence) = catalog.sequences.get_mut(&name(&row)) {
            grant(&mut sequence.grants, &row, 2);
        }
    }
    Ok(())
}
