//! A throwaway PostgreSQL cluster: `initdb` into a fresh temp folder, a server that listens
//! only on a unix socket inside it, `psql` to run files and queries, and everything stopped
//! and removed on drop (also when a test panics).
//!
//! Used by the tests that prove generated SQL against a real server, and meant for a future
//! `schemagen verify`. It drives the stock command-line tools through `std::process`, so it
//! needs no client library: Postgres' own `psql` is the reference client anyway.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Mutex;

/// The superuser `initdb` creates; trust authentication, so no password.
const SUPERUSER: &str = "postgres";

/// What can go wrong; every variant says what to do about it.
#[derive(Debug)]
pub enum Error {
    /// No PostgreSQL server binaries (`initdb`, `postgres`) were found.
    NoServer { searched: Vec<PathBuf> },
    /// Creating, chowning or removing files, or starting a program.
    Io { context: String, source: io::Error },
    /// A cluster tool (`initdb`, `pg_ctl`, `psql`) failed; `stderr` is what it said.
    Tool { command: String, stderr: String },
    /// `psql` rejected SQL: `message` is Postgres' error, with its `psql:file:line:` prefix.
    Sql { what: String, message: String },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::NoServer { searched } => {
                let searched: Vec<String> =
                    searched.iter().map(|p| p.display().to_string()).collect();
                write!(
                    f,
                    "no PostgreSQL server binaries (initdb, postgres) found; looked in: {}. \
                     Install them (`apt-get install postgresql` on Debian/Ubuntu) or set \
                     SCHEMAGEN_PG_BIN to the folder holding them",
                    if searched.is_empty() {
                        "(nothing)".to_string()
                    } else {
                        searched.join(", ")
                    }
                )
            }
            Error::Io { context, source } => write!(f, "{context}: {source}"),
            Error::Tool { command, stderr } => {
                write!(f, "`{command}` failed:\n{}", stderr.trim_end())
            }
            Error::Sql { what, message } => write!(
                f,
                "{what} was rejected by PostgreSQL:\n{}",
                message.trim_end()
            ),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

fn io_error(context: impl Into<String>) -> impl FnOnce(io::Error) -> Error {
    let context = context.into();
    move |source| Error::Io { context, source }
}

/// A running server on a private unix socket. Dropping it stops the server and removes its folder.
#[derive(Debug)]
pub struct Cluster {
    server: Server,
    port: u16,
}

/// What it takes to stop a server and remove its folder: kept apart from [`Cluster`] so that
/// [`stop_all_running`] can do it from an interrupt while the cluster is still in use.
#[derive(Debug, Clone)]
struct Server {
    bin: PathBuf,
    /// Holds `data/` and the socket; removed on drop.
    dir: PathBuf,
    /// Set when we are root: Postgres refuses to run as root, so its tools run as this user.
    run_as: Option<Account>,
}

/// The servers this process has running, so that an interrupt can stop and remove them, as
/// dropping their clusters would have.
static RUNNING: Mutex<Vec<Server>> = Mutex::new(Vec::new());

/// Stops every cluster this process started and removes its folder: for a signal handler
/// (Ctrl-C, SIGTERM) that is about to exit, where no destructor runs.
pub fn stop_all_running() {
    let servers = std::mem::take(&mut *RUNNING.lock().unwrap_or_else(|e| e.into_inner()));
    for server in servers {
        server.stop_and_remove();
    }
}

/// An unprivileged account to run the server as, and the util-linux tool that switches to it.
#[derive(Debug, Clone)]
struct Account {
    name: String,
    uid: u32,
    gid: u32,
    switch: Switch,
}

#[derive(Debug, Clone)]
enum Switch {
    /// `setpriv` execs the program itself: no extra process, no PAM session.
    Setpriv(PathBuf),
    /// `runuser`, where a distribution ships `setpriv` in a package of its own.
    Runuser(PathBuf),
}

impl Cluster {
    /// Finds the server binaries, runs `initdb` in a fresh temp folder and starts the server.
    pub fn start() -> Result<Cluster, Error> {
        let bin = find_server_bin()?;
        let run_as = if is_root() {
            Some(unprivileged_account()?)
        } else {
            None
        };
        let (dir, port) = fresh_dir()?;
        let server = Server { bin, dir, run_as };
        RUNNING
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(server.clone());
        // From here on, dropping `cluster` cleans up whatever was made.
        let cluster = Cluster { server, port };
        if let Some(account) = &cluster.server.run_as {
            std::os::unix::fs::chown(&cluster.server.dir, Some(account.uid), Some(account.gid))
                .map_err(io_error(format!(
                    "giving {} to uid {}",
                    cluster.server.dir.display(),
                    account.uid
                )))?;
        }
        cluster.initdb()?;
        cluster.start_server()?;
        Ok(cluster)
    }

    /// The folder holding the socket: the `host` to give a client.
    pub fn socket_dir(&self) -> &Path {
        &self.server.dir
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// A libpq connection string for `database`.
    pub fn connection_string(&self, database: &str) -> String {
        format!(
            "host={} port={} user={SUPERUSER} dbname={database}",
            self.server.dir.display(),
            self.port
        )
    }

    /// Creates an empty database (from `template0`, so nothing leaks between databases).
    pub fn create_database(&self, name: &str) -> Result<(), Error> {
        let sql = format!(
            "CREATE DATABASE {} TEMPLATE template0",
            crate::render::quote_ident(name)
        );
        self.execute("postgres", &sql).map(|_| ())
    }

    /// Runs a SQL file, stopping at the first error, outside any implicit transaction (so
    /// `CREATE INDEX CONCURRENTLY` works, as it would under a migration tool).
    pub fn run_file(&self, database: &str, file: &Path) -> Result<(), Error> {
        let mut psql = self.psql(database);
        psql.arg("-f").arg(file);
        let output = run(&mut psql, "psql")?;
        sql_result(&output, || format!("{}", file.display())).map(|_| ())
    }

    /// Runs SQL text given as a string (as `psql -c` would, one implicit transaction per call).
    pub fn execute(&self, database: &str, sql: &str) -> Result<String, Error> {
        let mut psql = self.psql(database);
        psql.arg("-c").arg(sql);
        let output = run(&mut psql, "psql")?;
        sql_result(&output, || format!("`{}`", one_line(sql)))
    }

    /// Runs a query and returns its rows, each a list of fields (NULL reads as "").
    /// psql's CSV output (psql 12 and later) quotes any field holding a separator, so no value
    /// can break a row apart. (Unaligned output would need a separator no text can hold; only
    /// NUL qualifies, and with NUL between fields and between rows, rows cannot be told apart.)
    pub fn query(&self, database: &str, sql: &str) -> Result<Vec<Vec<String>>, Error> {
        let mut psql = self.psql(database);
        psql.args(["--csv", "-t", "-c"]).arg(sql);
        let output = run(&mut psql, "psql")?;
        let text = sql_result(&output, || format!("`{}`", one_line(sql)))?;
        Ok(parse_rows(&text))
    }

    fn psql(&self, database: &str) -> Command {
        let mut psql = Command::new(self.server.bin.join("psql"));
        psql.args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-h"])
            .arg(&self.server.dir)
            .args([
                "-p",
                &self.port.to_string(),
                "-U",
                SUPERUSER,
                "-d",
                database,
            ]);
        clean_env(&mut psql);
        psql
    }

    fn initdb(&self) -> Result<(), Error> {
        let mut initdb = self.server.tool("initdb");
        initdb.arg("-D").arg(self.server.data_dir()).args([
            "-U",
            SUPERUSER,
            "--auth=trust",
            "--no-locale",
            "-E",
            "UTF8",
            "--no-sync",
        ]);
        checked(&mut initdb, "initdb").map(|_| ()).map_err(|e| match (e, &self.server.run_as) {
            (Error::Tool { command, mut stderr }, Some(account)) => {
                stderr.push_str(&format!(
                    "\n(running as root, so the server runs as uid {}: it must be able to reach {}; \
                     point TMPDIR at a folder it can reach)",
                    account.uid,
                    self.server.dir.display()
                ));
                Error::Tool { command, stderr }
            }
            (e, _) => e,
        })
    }

    fn start_server(&self) -> Result<(), Error> {
        // Throwaway data: durability off makes DDL-heavy tests several times faster.
        let options = format!(
            "-c listen_addresses='' -c unix_socket_directories='{}' -p {} \
             -c fsync=off -c synchronous_commit=off -c full_page_writes=off",
            self.server.dir.display(),
            self.port
        );
        let mut pg_ctl = self.server.tool("pg_ctl");
        pg_ctl
            .args(["start", "-w", "-t", "60", "-D"])
            .arg(self.server.data_dir())
            .arg("-l")
            .arg(self.server.dir.join("server.log"))
            .args(["-o", &options]);
        checked(&mut pg_ctl, "pg_ctl start")
            .map(|_| ())
            .map_err(|e| self.with_server_log(e))
    }

    /// pg_ctl's own message on a failed start is "see the log"; put the log in the error.
    fn with_server_log(&self, err: Error) -> Error {
        match err {
            Error::Tool {
                command,
                mut stderr,
            } => {
                if let Ok(log) = std::fs::read_to_string(self.server.dir.join("server.log")) {
                    stderr.push_str("\nserver log:\n");
                    stderr.push_str(&log);
                }
                Error::Tool { command, stderr }
            }
            other => other,
        }
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let mut running = RUNNING.lock().unwrap_or_else(|e| e.into_inner());
        running.retain(|server| server.dir != self.server.dir);
        drop(running);
        self.server.stop_and_remove();
    }
}

impl Server {
    fn data_dir(&self) -> PathBuf {
        self.dir.join("data")
    }

    /// A cluster tool run as the server's user, from inside the cluster folder (the user may
    /// not be allowed into the caller's working directory).
    fn tool(&self, name: &str) -> Command {
        let program = self.bin.join(name);
        let mut command = match &self.run_as {
            Some(Account {
                switch: Switch::Setpriv(setpriv),
                uid,
                gid,
                ..
            }) => {
                let mut command = Command::new(setpriv);
                command
                    .arg(format!("--reuid={uid}"))
                    .arg(format!("--regid={gid}"))
                    .arg("--clear-groups")
                    .arg(program);
                command
            }
            Some(Account {
                switch: Switch::Runuser(runuser),
                name,
                ..
            }) => {
                let mut command = Command::new(runuser);
                command.args(["-u", name, "--"]).arg(program);
                command
            }
            None => Command::new(program),
        };
        command.current_dir(&self.dir);
        clean_env(&mut command);
        command
    }

    fn stop(&self) {
        if !self.data_dir().join("postmaster.pid").exists() {
            return;
        }
        // Immediate: the data is thrown away, so there is nothing to flush.
        let mut pg_ctl = self.tool("pg_ctl");
        pg_ctl
            .args(["stop", "-w", "-m", "immediate", "-D"])
            .arg(self.data_dir());
        let _ = checked(&mut pg_ctl, "pg_ctl stop");
    }

    fn stop_and_remove(&self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The folder with `initdb`, `pg_ctl`, `postgres` and `psql`: `pg_config --bindir`, else the
/// newest `/usr/lib/postgresql/<version>/bin` (Debian's layout), else `SCHEMAGEN_PG_BIN`.
pub fn find_server_bin() -> Result<PathBuf, Error> {
    let mut searched = Vec::new();
    let from_pg_config = Command::new("pg_config")
        .arg("--bindir")
        .stderr(Stdio::null())
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()));
    let candidates = from_pg_config
        .into_iter()
        .chain(newest_debian_bin())
        .chain(std::env::var_os("SCHEMAGEN_PG_BIN").map(PathBuf::from));
    for dir in candidates {
        // pg_config may come from libpq-dev alone, naming a folder without a server.
        if has_server(&dir) {
            return Ok(dir);
        }
        searched.push(dir);
    }
    Err(Error::NoServer { searched })
}

fn has_server(dir: &Path) -> bool {
    ["initdb", "pg_ctl", "postgres", "psql"]
        .iter()
        .all(|tool| dir.join(tool).is_file())
}

fn newest_debian_bin() -> Option<PathBuf> {
    let entries = std::fs::read_dir("/usr/lib/postgresql").ok()?;
    entries
        .filter_map(Result::ok)
        .filter_map(|e| {
            Some((
                e.file_name().to_str()?.parse::<u32>().ok()?,
                e.path().join("bin"),
            ))
        })
        .filter(|(_, bin)| has_server(bin))
        .max_by_key(|(version, _)| *version)
        .map(|(_, bin)| bin)
}

fn is_root() -> bool {
    // Postgres checks the effective uid; so do we, without a libc dependency.
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            let line = status.lines().find(|l| l.starts_with("Uid:"))?;
            line.split_whitespace().nth(2).map(|euid| euid == "0")
        })
        .unwrap_or(false)
}

/// `nobody` from /etc/passwd (with its own group, as `nogroup` is on Debian), and a way to
/// become it.
fn unprivileged_account() -> Result<Account, Error> {
    let context = "running as root, PostgreSQL needs an unprivileged user to run as";
    let not_found = |what: &str| Error::Io {
        context: context.into(),
        source: io::Error::new(io::ErrorKind::NotFound, what.to_string()),
    };
    let switch = match (on_path("setpriv"), on_path("runuser")) {
        (Some(setpriv), _) => Switch::Setpriv(setpriv),
        (None, Some(runuser)) => Switch::Runuser(runuser),
        (None, None) => {
            return Err(not_found(
                "neither setpriv nor runuser (util-linux) is on PATH",
            ))
        }
    };
    let passwd = std::fs::read_to_string("/etc/passwd").map_err(io_error("reading /etc/passwd"))?;
    let (uid, gid) = parse_account(&passwd, "nobody")
        .ok_or_else(|| not_found("no `nobody` user in /etc/passwd"))?;
    Ok(Account {
        name: "nobody".into(),
        uid,
        gid,
        switch,
    })
}

/// `(uid, gid)` of `user` in /etc/passwd text.
fn parse_account(passwd: &str, user: &str) -> Option<(u32, u32)> {
    let line = passwd.lines().find(|l| l.split(':').next() == Some(user))?;
    let mut fields = line.split(':').skip(2);
    Some((fields.next()?.parse().ok()?, fields.next()?.parse().ok()?))
}

fn on_path(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|candidate| candidate.is_file())
}

/// A new folder in the temp dir and a port for it. The socket lives in the folder, so two
/// clusters never share a socket or lock file; the port is spread by process and sequence
/// number anyway, so servers are also told apart in `ps` and logs.
fn fresh_dir() -> Result<(PathBuf, u16), Error> {
    static SEQUENCE: AtomicU32 = AtomicU32::new(0);
    let pid = std::process::id();
    loop {
        let n = SEQUENCE.fetch_add(1, Ordering::Relaxed);
        // Short name: a unix socket path must fit in 107 bytes.
        let dir = std::env::temp_dir().join(format!("schemagen-pg-{pid}-{n}"));
        match std::fs::create_dir(&dir) {
            Ok(()) => {
                let port = 20_000 + ((pid.wrapping_mul(31).wrapping_add(n)) % 40_000) as u16;
                return Ok((dir, port));
            }
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(io_error(format!("creating {}", dir.display()))(e)),
        }
    }
}

/// Libpq and server settings from the caller's environment must not redirect our tools.
fn clean_env(command: &mut Command) {
    for var in [
        "PGHOST",
        "PGHOSTADDR",
        "PGPORT",
        "PGUSER",
        "PGDATABASE",
        "PGDATA",
        "PGOPTIONS",
        "PGSERVICE",
        "PGSERVICEFILE",
        "PGPASSWORD",
        "PGPASSFILE",
        "PGSSLMODE",
        "PGTZ",
        "PGCLIENTENCODING",
        "PSQLRC",
    ] {
        command.env_remove(var);
    }
    command.env("LC_ALL", "C").env("PGTZ", "UTC");
}

fn run(command: &mut Command, name: &str) -> Result<Output, Error> {
    command
        .stdin(Stdio::null())
        .output()
        .map_err(io_error(format!("running {name}")))
}

/// Runs a tool; a non-zero exit becomes [`Error::Tool`] with what it printed.
fn checked(command: &mut Command, name: &str) -> Result<Output, Error> {
    let output = run(command, name)?;
    if output.status.success() {
        return Ok(output);
    }
    let mut stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    stderr.push_str(&String::from_utf8_lossy(&output.stdout));
    Err(Error::Tool {
        command: name.to_string(),
        stderr,
    })
}

/// psql's stdout when it succeeded; its error message (stderr) as [`Error::Sql`] otherwise.
fn sql_result(output: &Output, what: impl FnOnce() -> String) -> Result<String, Error> {
    let stderr = String::from_utf8_lossy(&output.stderr);
    // With ON_ERROR_STOP psql exits 3 on a SQL error; 1 or 2 mean it could not connect or run.
    if output.status.success() {
        return Ok(String::from_utf8_lossy(&output.stdout).into_owned());
    }
    Err(Error::Sql {
        what: what(),
        message: if stderr.trim().is_empty() {
            format!("psql exited with {}", output.status)
        } else {
            stderr.into_owned()
        },
    })
}

/// Rows from `psql --csv -t` output (RFC 4180: a field holding `,`, `"` or a line break is
/// quoted, with `"` doubled).
pub(crate) fn parse_rows(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => row.push(std::mem::take(&mut field)),
            ('\r', false) => {}
            ('\n', false) => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            _ => field.push(c),
        }
    }
    if !field.is_empty() || !row.is_empty() {
        row.push(field);
        rows.push(row);
    }
    rows
}

fn one_line(sql: &str) -> String {
    let line = sql.split_whitespace().collect::<Vec<_>>().join(" ");
    if line.chars().count() > 80 {
        line.chars().take(77).collect::<String>() + "..."
    } else {
        line
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accounts_are_read_from_passwd_lines() {
        let passwd = "root:x:0:0:root:/root:/bin/bash\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n";
        assert_eq!(parse_account(passwd, "nobody"), Some((65534, 65534)));
        assert!(parse_account(passwd, "postgres").is_none());
    }

    #[test]
    fn csv_rows_keep_separators_quotes_and_line_breaks_inside_fields() {
        let text = "a,\"b,c\",\"say \"\"hi\"\"\"\n\"two\nlines\",,x\n";
        assert_eq!(
            parse_rows(text),
            vec![vec!["a", "b,c", "say \"hi\""], vec!["two\nlines", "", "x"]]
        );
        assert!(parse_rows("").is_empty());
    }

    #[test]
    fn long_sql_is_shortened_to_one_line_for_messages() {
        assert_eq!(one_line("SELECT 1\n  FROM t"), "SELECT 1 FROM t");
        assert_eq!(one_line(&"x ".repeat(100)).chars().count(), 80);
    }
}
