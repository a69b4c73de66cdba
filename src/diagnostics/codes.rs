//! The registry of diagnostic codes. Each code is documented in `docs/diagnostics.md`
//! and covered by at least one fixture under `tests/fixtures/err/` (a test checks both).
//! Codes are stable: never reuse or renumber one.

use super::Severity;

macro_rules! codes {
    ($($variant:ident = $code:literal, $severity:ident, $summary:literal;)*) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Code { $($variant,)* }

        impl Code {
            pub const ALL: &'static [Code] = &[$(Code::$variant,)*];
            pub fn as_str(self) -> &'static str {
                match self { $(Code::$variant => $code,)* }
            }
            pub fn severity(self) -> Severity {
                match self { $(Code::$variant => Severity::$severity,)* }
            }
            pub fn summary(self) -> &'static str {
                match self { $(Code::$variant => $summary,)* }
            }
        }
    };
}

codes! {
    // load: files and YAML
    Io = "E0001", Error, "a schema file could not be read";
    YamlSyntax = "E0002", Error, "the file is not valid YAML";
    UnknownFlavour = "E0003", Error, "the file's `flavor` is missing or unknown";
    UnexpectedShape = "E0004", Error, "a YAML node has the wrong shape (map, list or scalar)";
    UnknownKey = "E0005", Error, "a key that this flavour does not know";
    MissingKey = "E0006", Error, "a required key is missing";
    YamlMisparse = "E0007", Error, "YAML read a line differently than it reads (e.g. `a(b: c)` became a map)";
    YamlTooDeep = "E0008", Error, "YAML nested deeper than the limit";
    YamlTooManyNodes = "E0009", Error, "a file with more YAML nodes (keys, values, list items) than the limit";
    DuplicateKey = "E0010", Error, "a key written twice in one YAML map";
    MultipleDocuments = "E0011", Error, "a file holds more than one YAML document (`---`)";
    UnknownYamlTag = "E0012", Error, "a YAML tag (`!name`) schemagen does not know";
    YamlTooComplex = "E0013", Error, "a YAML file over a limit on aliases, anchors or text size";
    NotAFile = "E0020", Error, "a file named like an input (`*.yaml`, a template) that is not a regular file: a FIFO, socket, device or folder";
    FileTooLarge = "E0021", Error, "an input file larger than the limit (64 MiB for schemas, schemagen.yaml and templates)";
    NotUtf8 = "E0022", Error, "an input file that is not UTF-8 text";
    // flavours: lowering to the IR
    Unsupported = "E0130", Error, "a construct of the origin tool that schemagen does not reproduce (yet)";
    PayloadFourOnly = "E0131", Error, "a Payload 4 construct: the Payload-style flavour follows Payload 3.x";
    VersionsWithoutTimestamps = "E0132", Error, "a Payload collection with `versions` and `timestamps: false`";
    BadJoin = "E0133", Error, "a Payload join whose `collection` or `on` names no collection or relationship";
    UnknownBlock = "E0134", Error, "a Payload `blockReferences` slug that no config-level block defines";
    PrismaSyntax = "E0101", Error, "a Prisma field or attribute line does not parse";
    UnknownType = "E0102", Error, "a field type that is neither a scalar, an enum nor a model";
    UnknownAttribute = "E0103", Error, "an attribute this flavour does not support";
    BadAttributeArgument = "E0104", Error, "an attribute argument is missing or invalid";
    UnknownField = "E0105", Error, "a reference to a field that the model does not have";
    UnknownModel = "E0106", Error, "a reference to a model or collection that does not exist";
    AmbiguousRelation = "E0107", Error, "a relation that cannot be paired without a name";
    BadValue = "E0108", Error, "a value of the wrong kind (e.g. a default that does not fit the type)";
    MissingOppositeRelation = "E0109", Error, "a Prisma relation field whose model has no field pointing back";
    // validate: the IR as a whole
    DuplicateDefinition = "E0201", Error, "two definitions of the same model, table, enum or column";
    IdentifierTooLong = "E0202", Error, "a Postgres identifier longer than 63 bytes";
    MissingPrimaryKey = "E0203", Error, "a table without a primary key";
    ForeignKeyMismatch = "E0204", Error, "a foreign key whose columns do not match the referenced key";
    DuplicateName = "E0205", Error, "two database objects in one schema with the same name";
    IndexMethodMismatch = "E0206", Error, "an index asks its method for what only btree can do (DESC order, uniqueness)";
    PartitionKeyNotCovered = "E0207", Error, "a primary key or unique index of a partitioned table leaves out a partition column";
    RawSqlNotOneExpression = "E0208", Error, "a raw SQL field that is not exactly one expression (`;`, a comment, unbalanced quotes or brackets)";
    EmptyIdentifier = "E0209", Error, "a database name that is empty, or becomes empty after case conversion";
    TypeArgumentOutOfRange = "E0210", Error, "a type argument Postgres refuses (`VarChar(0)`, `Decimal(1001)`, a precision over 6)";
    BadEnumLabel = "E0211", Error, "an enum value that is empty or longer than 63 bytes";
    DefaultDoesNotFit = "E0212", Error, "a default value its column's type cannot hold";
    ForeignKeyToNonUnique = "E0213", Error, "a relation to fields that are neither the id nor unique";
    NullableKeyColumn = "E0214", Error, "an optional field in a primary key";
    ReservedSchema = "E0215", Error, "a Postgres schema name that Postgres reserves (`pg_*`, `information_schema`)";
    BadRoleName = "E0216", Error, "a role name Postgres reserves or that cannot be created (`pg_*`, `public`, empty)";
    BadSystemName = "E0217", Error, "a system (folder) name that cannot name generated code and database objects";
    TooManyTables = "E0218", Error, "a system with more tables than the limit";
    InvisibleCharacter = "E0219", Error, "a name holding a control or invisible formatting character (newline, NUL, U+202E)";
    NoOperatorClass = "E0220", Error, "an index whose method has no operator class for the column's type (a btree on json, a gin on text)";
    NameLosesLetters = "W0110", Warning, "a database name that drops letters of the name it comes from (Payload keeps only ASCII letters)";
    ImpossibleReferentialAction = "W0111", Warning, "`SET NULL` on a required field, or `SET DEFAULT` on one without a default: deleting the referenced row fails";
    // plan: migrations
    MigrationHistory = "E0301", Error, "the migration history in the output folder is inconsistent";
    DestructiveChange = "W0301", Warning, "a migration step that loses data";
    SuspectedRename = "E0302", Error, "a column, table or enum is dropped and a similar one created: a rename nobody declared";
    UnknownRenameSource = "E0303", Error, "a `renamedFrom` names an element the previous schema does not have";
    AmbiguousRename = "E0304", Error, "a `renamedFrom` whose old or new name is still in use by another element";
    DuplicateRename = "E0305", Error, "two `renamedFrom` declarations claim the same old name";
    DataLoss = "E0310", Error, "a migration step would lose data, and neither the run nor the schema accepts the loss";
    NoCast = "E0311", Error, "a column type change that PostgreSQL has no cast for";
    RequiredColumnAdded = "W0320", Warning, "a required column without a default added to an existing table (fails when it has rows)";
    RequiredWithoutDefault = "W0321", Warning, "a column made required without a default (fails while a row holds NULL)";
    UniqueOnExistingRows = "W0322", Warning, "a unique index or primary key added on existing rows (fails on duplicates)";
    ForeignKeyOnExistingRows = "W0323", Warning, "a foreign key added to an existing table (fails on rows that reference nothing)";
    CheckOnExistingRows = "W0324", Warning, "a check added to an existing table (fails on rows that violate it)";
    CastCanFail = "W0325", Warning, "a column type change that fails on values the new type cannot hold";
    AddColumnRewrite = "W0330", Warning, "a column added to an existing table with a per-row default rewrites the table under an exclusive lock";
    // history: migrations on disk and their checksums
    MigrationEdited = "E0340", Error, "a migration's contents are not what the checksum file recorded";
    MigrationMissing = "E0341", Error, "a migration the checksum file lists is gone";
    MigrationUnlisted = "E0342", Error, "a migration file the checksum file does not list";
    MigrationRenamed = "E0343", Error, "a migration was renamed or reordered";
    SumCorrupt = "E0344", Error, "the checksum file was edited by hand or holds a merge conflict";
    NothingToUndo = "E0345", Error, "`migrate undo` found no migration to take back";
    NoUndoRecord = "E0346", Error, "the newest migration has no undo record to rewind schema.json with";
    UndoConflict = "E0347", Error, "schema.json changed since the migration to undo was written";
    NotBuiltYet = "E0348", Error, "`migrate new` on a system that has not been built";
    // migrate: migrations against a live database (deploy, status, resolve)
    AppliedMigrationEdited = "E0701", Error, "a migration the database applied (or started) differs from its file";
    AppliedMigrationMissing = "E0702", Error, "a migration the database applied (or started) has no file";
    MigrationFailed = "E0703", Error, "a statement of a migration failed during deploy";
    FailedMigrationUnresolved = "E0704", Error, "a failed migration waits for `migrate resolve`";
    DeployLocked = "E0705", Error, "another deploy holds the deploy lock";
    MigrationOutOfOrder = "E0706", Error, "a pending migration sorts before one the database already has";
    NothingToResolve = "E0707", Error, "`migrate resolve` names a migration that is neither failed nor interrupted";
    DatabaseError = "E0708", Error, "the database could not be reached, or refused a history query";
    NoSuchSystem = "E0709", Error, "no system of that name (or several, and none named) in the output folder";
    UnknownMigration = "E0710", Error, "`migrate baseline` names a migration the system does not have";
    BaselineOverHistory = "E0711", Error, "`migrate baseline` on a database that already records migrations of the system";
    BaselineDrift = "E0712", Error, "`migrate baseline`: the database does not match the schema at the named migration";
    // verify: proving the access rules on a database
    VerifyDatabaseBehind = "E0720", Error, "`verify --existing`: the database's tables are not what the system's migrations build";
    VerifyNeedsSuperuser = "E0721", Error, "`verify --existing` connected as a role that cannot run the probes (not a superuser, and lacks BYPASSRLS, membership or SET)";
    VerifyDatabaseNotEmpty = "E0722", Error, "`verify --database-url` without `--existing` on a database that is not empty";
    VerifySetupFailed = "E0723", Error, "verify could not set up its proof (a migration, the expected side, the synthetic rows)";
    SqlRuleWithoutExpect = "E0724", Error, "a raw `sql` access rule without `expect:`: verify cannot judge what it allows";
    // access rules
    BadAccessRule = "E0501", Error, "an access rule or access setting that does not make sense";
    MissingAccessRule = "E0502", Error, "a table without access rules in a system with tenants";
    BadSqlExpect = "E0503", Error, "the `expect:` of a raw `sql` access rule is malformed";
    SqlExpectPath = "E0504", Error, "an `expect:` path that does not follow a foreign key of the table";
    // seed data
    BadSeedValue = "E0601", Error, "a seed value that does not fit its column (type, enum value, null into NOT NULL)";
    MissingSeedValue = "E0602", Error, "a seed row leaves out its key, or a required column that has no database default";
    // configuration
    BadConfig = "E0401", Error, "schemagen.yaml is invalid";
    TemplateError = "E0402", Error, "a template failed to render";
    OutNotAFolder = "E0403", Error, "the output folder is a file";
    TemplateOverride = "E0404", Error, "the templates folder is missing, or holds a file that overrides no template";
    // write: the output folder
    OutputReadOnly = "E0410", Error, "the output folder (or a folder in it) is read-only: nothing was written";
    OutputWriteFailed = "E0411", Error, "writing the new output failed (e.g. a full disk): the old output is left as it was";
    OutputLeftovers = "E0412", Error, "an interrupted build left a staging folder beside the output (`check`; `build` repairs it)";
    OutputCleanupFailed = "E0413", Error, "the new output is in place, but the tree it replaced could not be removed";
    OutputNotOurs = "E0414", Error, "the output folder was not made by schemagen (no `.schemagen` file), so it is not replaced";
    // import: another stack's schema → YAML
    ImportInput = "E0800", Error, "`import`: the input cannot be read, or is not a schema the origin tool accepts";
    ImportProvider = "E0801", Error, "`import prisma`: the datasource is not PostgreSQL";
    ImportView = "E0802", Error, "`import prisma`: a view, which schemagen YAML cannot say yet";
    ImportNoYamlForm = "E0803", Error, "`import`: a construct of the origin schema that schemagen YAML cannot say";
    ImportTargetExists = "E0804", Error, "`import`: the system's folder already holds a schema";
    ImportDatabase = "E0806", Error, "`import postgres`: the database cannot be reached or read";
    ImportAccess = "E0807", Error, "`import postgres`: row level security or policies the import cannot turn into access rules";
    // import payload: a Payload 3 config, read by the project's own `payload` package
    ImportPayloadConfig = "E0820", Error, "`import payload`: the config file cannot be read";
    ImportPayloadNode = "E0821", Error, "`import payload`: no `node` to run the project's Payload with";
    ImportPayloadPackage = "E0822", Error, "`import payload`: the project has no `payload` package installed";
    ImportPayloadRefused = "E0823", Error, "`import payload`: loading the config failed, or Payload refused it";
    ImportPayloadFunction = "W0820", Warning, "`import payload`: a function of the config (hook, access, validate, component, editor), which YAML cannot carry";
    ImportPayloadKey = "W0821", Warning, "`import payload`: a key the Payload flavour does not read, left out of the YAML";
    ImportPayloadRuntime = "W0822", Warning, "`import payload`: config-level settings of Payload's runtime (admin, email, editor, plugins, ...), not the database";
    ImportPayloadAdapter = "W0823", Warning, "`import payload`: the database adapter is not Postgres, or its id type cannot be read";
    // convert: a system's YAML → another flavour
    ConvertLoss = "E0808", Error, "`convert`: the target flavour cannot say something the system has";
    ConvertTarget = "E0809", Error, "`convert`: the target flavour cannot carry this system's tables, so nothing is converted";
    ConvertNotSame = "E0810", Error, "`convert`: the converted YAML would build a different database, so nothing is written";
    ConvertRenames = "E0811", Error, "`convert`: the system declares renames not yet built into a migration";
    ConvertFirestoreKey = "E0812", Error, "`convert --to firestore`: a table whose key is not a Firestore document id (`id` text, or uuid with `gen_random_uuid()`, as `<table>_pkey`)";
    ConvertFirestoreColumn = "E0813", Error, "`convert --to firestore`: a column whose type or default no Firestore-style field makes";
    ConvertFirestoreConstraint = "E0814", Error, "`convert --to firestore`: a CHECK, partitioning or foreign key Firestore-style cannot say";
    ConvertFirestoreIndex = "E0815", Error, "`convert --to firestore`: an index Firestore-style cannot say (predicate, expression, operator class, method, name)";
    ConvertFirestoreEnum = "E0816", Error, "`convert --to firestore`: an enum that is not one column's own `<table>_<column>` type";
    ConvertPayloadTable = "E0817", Error, "`convert --to payload`: a table not of the shape Payload derives from a collection (its key, a child table of an array, block or `_rels`)";
    ConvertPayloadColumn = "E0818", Error, "`convert --to payload`: a column whose type, default or comment no Payload field makes";
    ConvertPayloadConstraint = "E0819", Error, "`convert --to payload`: a CHECK, foreign key or index Payload-style does not derive";
    // export: a system → another stack's own schema files
    ExportName = "E0871", Error, "`export --to prisma`: a database name with a `\"` or an enum value with a `'`, which Prisma's migration SQL does not escape";
    ExportCheck = "W0870", Warning, "`export`: a CHECK constraint the target cannot say (its SQL is in extras.sql)";
    ExportIndex = "W0871", Warning, "`export`: an index the target cannot say: an expression, a predicate, a unique index that is not a plain btree (its SQL is in extras.sql)";
    ExportComment = "W0872", Warning, "`export`: comments the target keeps as doc comments only (the COMMENT ON statements are in extras.sql)";
    ExportAccess = "W0873", Warning, "`export`: access rules the target cannot say (row level security, policies and grants are in extras.sql)";
    ExportType = "W0874", Warning, "`export`: a column the target cannot say exactly, e.g. an identity or a NOT NULL list (extras.sql gives it its form)";
    ExportFirestoreSchema = "W0876", Warning, "`export --to firestore`: Firestore keeps no schema (types, keys, foreign keys, checks are not enforced)";
    ExportIndexFirestore = "W0877", Warning, "`export --to firestore`: an index Firestore cannot say (unique, partial, on an expression)";
    ExportRule = "W0878", Warning, "`export --to firestore`: an access rule with no firestore.rules form (member, sql): it allows nothing there";
    ExportExtension = "W0879", Warning, "`export --to drizzle`: extensions the target does not create (extensions.sql creates them, to run first)";
    ExportForeignKey = "W0880", Warning, "`export --to drizzle`: a foreign key referencing a unique index, which drizzle-kit creates too late (extras.sql adds it)";
    ExportPartition = "W0875", Warning, "`export`: partitioning the target cannot say (extras.sql recreates the table partitioned)";
    // export --to payload
    ExportPayloadForeignTable = "E0882", Error, "`export --to payload`: a table of a Prisma- or Firestore-style file, which a Payload config cannot name";
    ExportPayloadAccessRule = "W0882", Warning, "`export --to payload`: an access rule with no Payload access function of one obvious form (tenant, role, member, sql): its operations are denied";
    ExportPayloadCode = "W0883", Warning, "`export --to payload`: a key Payload holds as code (hooks, validate, filterOptions, a field's access, admin.condition), which the YAML cannot carry";
    ExportPayloadPoint = "W0884", Warning, "`export --to payload`: a point field, which Payload makes as PostGIS `geometry(Point)`";
    // the first hour: init and the project around the schemas
    InitWouldOverwrite = "E0850", Error, "`schemagen init` found a file it would create already there";
    BadExtension = "E0851", Error, "an `extensions:` entry that is not an extension name";
    UnknownSystem = "E0852", Error, "a system named on the command line is not in the schemas folder";
    EmitOneSystem = "E0853", Error, "`verify --emit pgtap` without a system, in a project of several";
    LooseSchemaFiles = "W0401", Warning, "YAML files directly in the schemas folder, not in a system's folder";
}

impl Code {
    /// The stage that reports the code: its hundreds (`E0002` load, `E0104` flavours, `E0202`
    /// validate, `E03xx` plan, …), errors and warnings of one stage together.
    pub fn stage(self) -> u32 {
        self.as_str()[1..3].parse().unwrap_or(u32::MAX)
    }
}

impl serde::Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
