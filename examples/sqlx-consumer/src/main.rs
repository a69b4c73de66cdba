//! The code `tests/rust_sqlx.rs` writes: a module per system (its generated `models.rs`) and,
//! per table, its rows read with `query_as`, written back with `bind`, and read again.
include!(env!("SCHEMAGEN_SQLX_CODE"));
