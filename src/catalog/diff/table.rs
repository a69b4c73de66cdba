//! The comparison of one table: columns, constraints, indexes, RLS flags, policies, grants
//! and comment; and a missing table created again from the expected catalog.

use super::*;

pub(super) fn missing_table(name: &Name, table: &Table, out: &mut Drifts) {
    let kind = if table.partition_of.is_some() {
        "partition"
    } else {
        "table"
    };
    let sql = create_table(name, table);
    let phase = if table.partition_of.is_some() {
        Phase::CreatePartitions
    } else {
        Phase::CreateTables
    };
    out.add('-', format!("{kind} {name}"), "missing")
        .sql(phase, sql);
    let mut parts = Drifts::default();
    // The columns come with CREATE TABLE; their comments do not.
    let columns = table.columns.iter().map(|c| Column {
        comment: None,
        grants: Grants::default(),
        ..c.clone()
    });
    let empty = Table {
        columns: columns.collect(),
        ..Table::default()
    };
    same_table(name, &empty, table, &mut parts);
    for mut drift in parts.0 {
        drift.shown = false;
        out.0.push(drift);
    }
}

fn create_table(name: &Name, table: &Table) -> String {
    if let Some((parent, bound)) = &table.partition_of {
        return format!(
            "CREATE TABLE {} PARTITION OF {} {bound}",
            name.sql(),
            parent.sql()
        );
    }
    let columns: Vec<String> = table
        .columns
        .iter()
        .map(|c| format!("  {}", column_definition(c)))
        .collect();
    let partition = table
        .partition_key
        .as_ref()
        .map(|k| format!(" PARTITION BY {k}"))
        .unwrap_or_default();
    format!(
        "CREATE TABLE {} (\n{}\n){partition}",
        name.sql(),
        columns.join(",\n")
    )
}

fn column_definition(column: &Column) -> String {
    let mut sql = format!("{} {}", quote_ident(&column.name), column.data_type);
    if let Some(collation) = &column.collation {
        sql.push_str(&format!(" COLLATE {collation}"));
    }
    if let Some(expression) = &column.generated {
        sql.push_str(&format!(" GENERATED ALWAYS AS ({expression}) STORED"));
    }
    if let Some(default) = &column.default {
        sql.push_str(&format!(" DEFAULT {default}"));
    }
    if column.not_null {
        sql.push_str(" NOT NULL");
    }
    if let Some(identity) = &column.identity {
        sql.push_str(&format!(" GENERATED {identity} AS IDENTITY"));
    }
    sql
}

pub(super) fn same_table(name: &Name, live: &Table, expected: &Table, out: &mut Drifts) {
    columns(name, live, expected, out);
    constraints(name, live, expected, out);
    indexes(name, live, expected, out);
    rls(name, live, expected, out);
    policies(name, live, expected, out);
    grants(
        &format!("table {name}"),
        &name.sql(),
        None,
        &live.grants,
        &expected.grants,
        out,
    );
    if live.comment != expected.comment {
        let sql = format!(
            "COMMENT ON TABLE {} IS {}",
            name.sql(),
            comment_literal(&expected.comment)
        );
        out.add(
            '~',
            format!("table {name}"),
            comment_detail(&live.comment, &expected.comment),
        )
        .sql(Phase::Comments, sql);
    }
    if live.partition_key != expected.partition_key || live.partition_of != expected.partition_of {
        let detail = format!(
            "partitioning {:?} {:?}, expected {:?} {:?}",
            live.partition_key, live.partition_of, expected.partition_key, expected.partition_of
        );
        let sql = format!("-- manual: {name} must be rebuilt to change its partitioning");
        out.add('~', format!("table {name}"), detail)
            .sql(Phase::Comments, sql);
    }
}

fn columns(table: &Name, live: &Table, expected: &Table, out: &mut Drifts) {
    for column in expected.columns.iter().filter(|c| !c.inherited) {
        let object = format!("column {table}.{}", column.name);
        match live.column(&column.name) {
            None => {
                let sql = format!(
                    "ALTER TABLE {} ADD COLUMN {}",
                    table.sql(),
                    column_definition(column)
                );
                out.add('-', object, "missing").sql(Phase::Columns, sql);
            }
            Some(have) => changed_column(table, have, column, object, out),
        }
    }
    for column in live.columns.iter().filter(|c| !c.inherited) {
        if expected.column(&column.name).is_none() {
            let sql = format!(
                "ALTER TABLE {} DROP COLUMN {}",
                table.sql(),
                quote_ident(&column.name)
            );
            out.add(
                '+',
                format!("column {table}.{}", column.name),
                "not in the migrations",
            )
            .destructive(Phase::DropColumns, sql);
        }
    }
}

fn changed_column(table: &Name, have: &Column, want: &Column, object: String, out: &mut Drifts) {
    let alter = format!(
        "ALTER TABLE {} ALTER COLUMN {}",
        table.sql(),
        quote_ident(&want.name)
    );
    let spelled = |c: &Column| match &c.collation {
        Some(collation) => format!("{} COLLATE {collation}", c.data_type),
        None => c.data_type.clone(),
    };
    if spelled(have) != spelled(want) {
        let detail = format!("type {}, expected {}", spelled(have), spelled(want));
        out.add('~', object.clone(), detail)
            .sql(Phase::Columns, format!("{alter} TYPE {}", spelled(want)));
    }
    if have.not_null != want.not_null {
        let null = |n: bool| if n { "NOT NULL" } else { "nullable" };
        let sql = format!(
            "{alter} {} NOT NULL",
            if want.not_null { "SET" } else { "DROP" }
        );
        out.add(
            '~',
            object.clone(),
            format!("{}, expected {}", null(have.not_null), null(want.not_null)),
        )
        .sql(Phase::Columns, sql);
    }
    if have.default != want.default {
        let sql = match &want.default {
            Some(default) => format!("{alter} SET DEFAULT {default}"),
            None => format!("{alter} DROP DEFAULT"),
        };
        let detail = format!(
            "default {}, expected {}",
            show(&have.default),
            show(&want.default)
        );
        out.add('~', object.clone(), detail)
            .sql(Phase::Columns, sql);
    }
    if have.identity != want.identity {
        let sql = match (&have.identity, &want.identity) {
            (None, Some(kind)) => format!("{alter} ADD GENERATED {kind} AS IDENTITY"),
            (Some(_), Some(kind)) => format!("{alter} SET GENERATED {kind}"),
            _ => format!("{alter} DROP IDENTITY"),
        };
        let detail = format!(
            "identity {}, expected {}",
            show(&have.identity),
            show(&want.identity)
        );
        out.add('~', object.clone(), detail)
            .sql(Phase::Columns, sql);
    }
    if have.generated != want.generated {
        let sql = match &want.generated {
            None => format!("{alter} DROP EXPRESSION"),
            Some(_) => {
                format!("-- manual: {object} must be dropped and added again with its expression")
            }
        };
        let detail = format!(
            "generated as {}, expected {}",
            show(&have.generated),
            show(&want.generated)
        );
        out.add('~', object.clone(), detail)
            .sql(Phase::Columns, sql);
    }
    if have.comment != want.comment {
        let sql = format!(
            "COMMENT ON COLUMN {}.{} IS {}",
            table.sql(),
            quote_ident(&want.name),
            comment_literal(&want.comment)
        );
        out.add(
            '~',
            object.clone(),
            comment_detail(&have.comment, &want.comment),
        )
        .sql(Phase::Comments, sql);
    }
    grants(
        &object,
        &table.sql(),
        Some(&want.name),
        &have.grants,
        &want.grants,
        out,
    );
}

fn constraints(table: &Name, live: &Table, expected: &Table, out: &mut Drifts) {
    let own = |t: &Table, name: &str| t.constraints.get(name).filter(|c| !c.inherited).cloned();
    let alter = format!("ALTER TABLE {}", table.sql());
    for (name, want) in expected.constraints.iter().filter(|(_, c)| !c.inherited) {
        let object = format!("constraint {table}.{name}");
        let drop = |phase_of: &Constraint| {
            let phase = if phase_of.kind == 'f' {
                Phase::DropForeignKeys
            } else {
                Phase::DropConstraints
            };
            (
                phase,
                format!("{alter} DROP CONSTRAINT {}", quote_ident(name)),
            )
        };
        match own(live, name) {
            None => {
                out.add('-', object, "missing")
                    .sql(add_phase(want), add_constraint(&alter, name, want));
            }
            Some(have) if have.definition != want.definition || have.kind != want.kind => {
                let detail = format!("{}, expected {}", have.definition, want.definition);
                let (phase, sql) = drop(&have);
                out.add('~', object, detail)
                    .sql(phase, sql)
                    .sql(add_phase(want), add_constraint(&alter, name, want));
            }
            Some(have) if want.validated && !have.validated => {
                let sql = format!("{alter} VALIDATE CONSTRAINT {}", quote_ident(name));
                out.add('~', object, "NOT VALID, expected validated")
                    .sql(Phase::Validate, sql);
            }
            Some(_) => {}
        }
    }
    for (name, have) in live.constraints.iter().filter(|(_, c)| !c.inherited) {
        if own(expected, name).is_none() {
            let phase = if have.kind == 'f' {
                Phase::DropForeignKeys
            } else {
                Phase::DropConstraints
            };
            let sql = format!("{alter} DROP CONSTRAINT {}", quote_ident(name));
            out.add(
                '+',
                format!("constraint {table}.{name}"),
                format!("{} not in the migrations", have.definition),
            )
            .sql(phase, sql);
        }
    }
}

fn add_phase(constraint: &Constraint) -> Phase {
    if constraint.kind == 'f' {
        Phase::AddForeignKeys
    } else {
        Phase::AddConstraints
    }
}

fn add_constraint(alter: &str, name: &str, constraint: &Constraint) -> String {
    let not_valid = if constraint.validated {
        ""
    } else {
        " NOT VALID"
    };
    format!(
        "{alter} ADD CONSTRAINT {} {}{not_valid}",
        quote_ident(name),
        constraint.definition
    )
}

fn own_indexes(table: &Table) -> impl Iterator<Item = (&String, &Index)> {
    table
        .indexes
        .iter()
        .filter(|(_, i)| i.constraint.is_none() && !i.inherited)
}

fn indexes(table: &Name, live: &Table, expected: &Table, out: &mut Drifts) {
    let live_own: std::collections::BTreeMap<_, _> = own_indexes(live).collect();
    let drop = |name: &str| format!("DROP INDEX {}", Name::new(table.schema.clone(), name).sql());
    for (name, want) in own_indexes(expected) {
        let object = format!("index {table}.{name}");
        // `ON ONLY` would leave a partitioned table's index without its partitions' copies.
        let create = want.definition.replacen(" ON ONLY ", " ON ", 1);
        match live_own.get(name) {
            None => {
                out.add('-', object, "missing")
                    .sql(Phase::CreateIndexes, create);
            }
            Some(have) if have.shape() != want.shape() || !have.valid => {
                let detail = match have.valid {
                    true => format!("{}, expected {}", have.shape(), want.shape()),
                    false => "invalid (a failed concurrent build), expected valid".to_string(),
                };
                out.add('~', object, detail)
                    .sql(Phase::DropIndexes, drop(name))
                    .sql(Phase::CreateIndexes, create);
            }
            Some(_) => {}
        }
    }
    let expected_own: BTreeSet<&String> = own_indexes(expected).map(|(n, _)| n).collect();
    for (name, have) in own_indexes(live) {
        if !expected_own.contains(name) {
            out.add(
                '+',
                format!("index {table}.{name}"),
                format!("{} not in the migrations", have.shape()),
            )
            .sql(Phase::DropIndexes, drop(name));
        }
    }
}

fn rls(table: &Name, live: &Table, expected: &Table, out: &mut Drifts) {
    let on_off = |b: bool| if b { "on" } else { "off" };
    let flags = [
        (
            "row level security",
            live.rls_enabled,
            expected.rls_enabled,
            ["ENABLE", "DISABLE"],
        ),
        (
            "FORCE row level security",
            live.rls_forced,
            expected.rls_forced,
            ["FORCE", "NO FORCE"],
        ),
    ];
    for (what, have, want, [on, off]) in flags {
        if have == want {
            continue;
        }
        let sql = format!(
            "ALTER TABLE {} {} ROW LEVEL SECURITY",
            table.sql(),
            if want { on } else { off }
        );
        let detail = format!("{what} {}, expected {}", on_off(have), on_off(want));
        out.add('~', format!("table {table}"), detail)
            .sql(Phase::Rls, sql);
    }
}

fn policies(table: &Name, live: &Table, expected: &Table, out: &mut Drifts) {
    let drop = |name: &str| format!("DROP POLICY {} ON {}", quote_ident(name), table.sql());
    for (name, want) in &expected.policies {
        let object = format!("policy {name} on {table}");
        match live.policies.get(name) {
            None => {
                out.add('-', object, "missing")
                    .sql(Phase::CreatePolicies, create_policy(table, name, want));
            }
            Some(have) if have != want => {
                let detail = format!("{}, expected {}", policy_text(have), policy_text(want));
                out.add('~', object, detail)
                    .sql(Phase::DropPolicies, drop(name))
                    .sql(Phase::CreatePolicies, create_policy(table, name, want));
            }
            Some(_) => {}
        }
    }
    for (name, have) in &live.policies {
        if !expected.policies.contains_key(name) {
            out.add(
                '+',
                format!("policy {name} on {table}"),
                format!("{} not in the migrations", policy_text(have)),
            )
            .sql(Phase::DropPolicies, drop(name));
        }
    }
}

/// `AS PERMISSIVE FOR SELECT TO app_user USING (…) WITH CHECK (…)`: a policy as `CREATE POLICY`
/// takes it after its name and table.
pub fn policy_text(policy: &Policy) -> String {
    let mut text = format!(
        "AS {} FOR {} TO {}",
        if policy.permissive {
            "PERMISSIVE"
        } else {
            "RESTRICTIVE"
        },
        policy.command,
        roles(&policy.roles)
    );
    if let Some(using) = &policy.using {
        text.push_str(&format!(" USING ({using})"));
    }
    if let Some(check) = &policy.with_check {
        text.push_str(&format!(" WITH CHECK ({check})"));
    }
    text
}

fn create_policy(table: &Name, name: &str, policy: &Policy) -> String {
    format!(
        "CREATE POLICY {} ON {} {}",
        quote_ident(name),
        table.sql(),
        policy_text(policy)
    )
}
