//! The one place schemagen talks to PostgreSQL: a thin layer over the `postgres` crate
//! (rust-postgres, synchronous). Everything that reads or changes a live database — `migrate`,
//! the catalog reader, `rehearse`, `verify` — goes through [`Db`], so errors carry Postgres'
//! SQLSTATE, detail and hint instead of text scraped from `psql`, and one connection can hold
//! an advisory lock or a transaction across statements.
//!
//! Values are read through the simple query protocol, as text (what `psql` shows): catalog
//! queries and probes compare spellings, not typed values, and no type mapping is needed.

pub mod script;

use std::fmt;

/// A connection. Dropping it closes the session (and rolls back an open transaction).
pub struct Db {
    client: postgres::Client,
}

/// What Postgres (or the connection) said. `code` is the SQLSTATE when the server answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    pub code: Option<String>,
    pub message: String,
    pub detail: Option<String>,
    pub hint: Option<String>,
}

impl Error {
    pub(crate) fn from_postgres(err: postgres::Error) -> Error {
        match err.as_db_error() {
            Some(db) => Error {
                code: Some(db.code().code().to_string()),
                message: db.message().to_string(),
                detail: db.detail().map(str::to_string),
                hint: db.hint().map(str::to_string),
            },
            None => Error {
                code: None,
                // "error connecting to server" alone does not say why: add the causes.
                message: std::iter::successors(std::error::Error::source(&err), |e| e.source())
                    .fold(err.to_string(), |text, cause| format!("{text}: {cause}")),
                detail: None,
                hint: None,
            },
        }
    }

    /// Whether the server refused for lack of a lock in time (`lock_timeout`): SQLSTATE 55P03.
    pub fn is_lock_timeout(&self) -> bool {
        self.code.as_deref() == Some("55P03")
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        if let Some(code) = &self.code {
            write!(f, " (SQLSTATE {code})")?;
        }
        if let Some(detail) = &self.detail {
            write!(f, "\n  detail: {detail}")?;
        }
        if let Some(hint) = &self.hint {
            write!(f, "\n  hint: {hint}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {}

/// A row as text, `None` for NULL.
pub type Row = Vec<Option<String>>;

impl Db {
    /// Connects with a libpq-style URL (`postgresql://user@host:5432/db`) or key-value string
    /// (`host=/tmp/sock port=5432 user=postgres dbname=app`). No TLS: schemagen talks to local
    /// and CI databases; a remote one is reached through a tunnel or a local proxy.
    pub fn connect(url: &str) -> Result<Db, Error> {
        let client =
            postgres::Client::connect(url, postgres::NoTls).map_err(Error::from_postgres)?;
        Ok(Db { client })
    }

    /// Runs SQL text (one statement or several, as one simple-protocol query).
    pub fn execute(&mut self, sql: &str) -> Result<(), Error> {
        self.client.batch_execute(sql).map_err(Error::from_postgres)
    }

    /// The rows of the last statement of `sql`, every value as Postgres' text form.
    pub fn rows(&mut self, sql: &str) -> Result<Vec<Row>, Error> {
        let messages = self
            .client
            .simple_query(sql)
            .map_err(Error::from_postgres)?;
        let mut rows = Vec::new();
        for message in messages {
            match message {
                postgres::SimpleQueryMessage::Row(row) => rows.push(
                    (0..row.len())
                        .map(|i| row.get(i).map(str::to_string))
                        .collect(),
                ),
                // A later statement's rows replace an earlier one's.
                postgres::SimpleQueryMessage::CommandComplete(_) => {}
                _ => {}
            }
        }
        Ok(rows)
    }

    /// The first value of the first row, if any (NULL reads as `None`).
    pub fn value(&mut self, sql: &str) -> Result<Option<String>, Error> {
        Ok(self
            .rows(sql)?
            .into_iter()
            .next()
            .and_then(|row| row.into_iter().next().flatten()))
    }

    /// The number of rows the statement changed or returned, as the server reports it.
    pub fn affected(&mut self, sql: &str) -> Result<u64, Error> {
        let messages = self
            .client
            .simple_query(sql)
            .map_err(Error::from_postgres)?;
        Ok(messages
            .iter()
            .filter_map(|m| match m {
                postgres::SimpleQueryMessage::CommandComplete(n) => Some(*n),
                _ => None,
            })
            .last()
            .unwrap_or(0))
    }

    /// The backend process id of this session (`pg_backend_pid()`), e.g. to read its locks.
    pub fn backend_pid(&mut self) -> Result<i32, Error> {
        let pid = self.value("SELECT pg_backend_pid()")?.unwrap_or_default();
        pid.parse().map_err(|_| Error {
            code: None,
            message: format!("pg_backend_pid() gave {pid:?}"),
            detail: None,
            hint: None,
        })
    }

    /// The underlying client, for typed queries with parameters.
    pub fn client(&mut self) -> &mut postgres::Client {
        &mut self.client
    }
}
