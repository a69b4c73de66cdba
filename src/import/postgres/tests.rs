use super::*;

#[test]
fn index_definitions_split_into_columns_expressions_and_predicates() {
    let gin = parse_index(r#"CREATE INDEX "Post_tags_idx" ON public."Post" USING gin (tags jsonb_path_ops, "Title" DESC)"#).unwrap();
    assert_eq!(
        (gin.method.as_str(), gin.unique, gin.predicate.is_none()),
        ("gin", false, true)
    );
    let IndexPart::Column(c) = &gin.parts[1] else {
        panic!()
    };
    assert_eq!(
        (c.name.as_str(), c.desc, c.prisma("title")),
        ("Title", true, "title(sort: Desc)".into())
    );
    let IndexPart::Column(c) = &gin.parts[0] else {
        panic!()
    };
    assert_eq!(c.prisma("tags"), r#"tags(ops: raw("jsonb_path_ops"))"#);
    let partial = parse_index("CREATE UNIQUE INDEX a ON public.t USING btree (lower(email), (a || ',')) WHERE (deleted_at IS NULL)").unwrap();
    assert!(matches!(&partial.parts[0], IndexPart::Expression(e) if e == "lower(email)"));
    assert!(matches!(&partial.parts[1], IndexPart::Expression(e) if e == "(a || ',')"));
    assert_eq!(partial.predicate.as_deref(), Some("(deleted_at IS NULL)"));
    assert!(parse_index("CREATE INDEX a ON public.t USING btree (a NULLS FIRST)").is_none());
    assert!(parse_index("CREATE INDEX a ON public.t USING btree (a) INCLUDE (b)").is_none());
}

#[test]
fn foreign_keys_read_their_columns_target_and_actions() {
    let c = Constraint {
        kind: 'f',
        definition: r#"FOREIGN KEY ("authorId", b) REFERENCES "my schema"."User"(id, "B") ON UPDATE CASCADE ON DELETE SET NULL"#.into(),
        validated: true,
        inherited: false,
    };
    let fk = parse_foreign_key(&c).unwrap();
    assert_eq!(fk.columns, ["authorId", "b"]);
    assert_eq!(fk.table, Name::new("my schema", "User"));
    assert_eq!(fk.references, ["id", "B"]);
    assert_eq!((fk.on_delete, fk.on_update), ("SetNull", "Cascade"));
    let plain = Constraint {
        definition: "FOREIGN KEY (a) REFERENCES public.t(id)".into(),
        ..c.clone()
    };
    let fk = parse_foreign_key(&plain).unwrap();
    assert_eq!((fk.on_delete, fk.on_update), ("NoAction", "NoAction"));
    let deferred = Constraint {
        definition: "FOREIGN KEY (a) REFERENCES public.t(id) DEFERRABLE".into(),
        ..c
    };
    assert!(parse_foreign_key(&deferred).is_none());
}

#[test]
fn types_map_to_prisma_with_their_native_attribute() {
    let names = Names {
        models: BTreeMap::new(),
        enums: BTreeMap::new(),
        enum_by_spelling: BTreeMap::from([("public.\"Role\"".to_string(), "Role".to_string())]),
    };
    let ty = |t: &str| prisma_type(t, &names);
    assert_eq!(
        ty("character varying(30)"),
        Some(("String".into(), Some("VarChar(30)".into())))
    );
    assert_eq!(
        ty("numeric(12,2)"),
        Some(("Decimal".into(), Some("Decimal(12, 2)".into())))
    );
    assert_eq!(ty("numeric(65,30)"), Some(("Decimal".into(), None)));
    assert_eq!(
        ty("timestamp(3) without time zone"),
        Some(("DateTime".into(), None))
    );
    assert_eq!(
        ty("timestamp(6) with time zone"),
        Some(("DateTime".into(), Some("Timestamptz(6)".into())))
    );
    assert_eq!(
        ty("timestamp with time zone"),
        Some(("DateTime".into(), Some("Timestamptz".into())))
    );
    assert_eq!(ty("public.\"Role\""), Some(("Role".into(), None)));
    assert_eq!(ty("point"), None);
}

#[test]
fn partitions_map_to_the_partition_key_only_in_the_shapes_it_makes() {
    let names = |list: &[&str]| {
        list.iter()
            .map(|n| Name::new("public", *n))
            .collect::<Vec<_>>()
    };
    let monthly = names(&["log_2025_11", "log_2025_12", "log_2026_01", "log_default"]);
    let refs: Vec<&Name> = monthly.iter().collect();
    let (by, columns, rest) = partition_shape("log", "RANGE (created_at)", &refs).unwrap();
    assert_eq!(
        (by, columns, rest.as_str()),
        (
            "range",
            vec!["created_at".to_string()],
            ", monthly: { from: 2025-11, months: 3 }"
        )
    );
    let gap = names(&["log_2025_11", "log_2026_01", "log_default"]);
    assert!(
        partition_shape("log", "RANGE (created_at)", &gap.iter().collect::<Vec<_>>()).is_none()
    );
    let hash = names(&["t_p0", "t_p1", "t_p2"]);
    let (by, _, rest) =
        partition_shape("t", "HASH (id)", &hash.iter().collect::<Vec<_>>()).unwrap();
    assert_eq!((by, rest.as_str()), ("hash", ", count: 3"));
    let list = names(&["t_default", "t_eu"]);
    assert!(partition_shape("t", "LIST (region)", &list.iter().collect::<Vec<_>>()).is_none());
    assert_eq!(month_of("2025_13"), None);
}

#[test]
fn database_names_become_prisma_identifiers() {
    assert_eq!(identifier("so-so", 'V'), "so_so");
    assert_eq!(identifier("_PostToTag", 'M'), "M_PostToTag");
    assert_eq!(identifier("2fa codes", 'M'), "M2fa_codes");
    assert_eq!(prisma_string("a \"b\" \\ c"), r#""a \"b\" \\ c""#);
}
