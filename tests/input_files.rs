//! Whatever carries an input's name, reading it ends: a FIFO, a socket, a device or a folder
//! named like a schema, `schemagen.yaml` or a template is refused by name (E0020), a file over
//! the limit is refused after reading one byte more than the limit (E0021), whatever its size
//! claims. A run that still hangs is killed by the watchdog and fails the test.

mod support;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use support::TempDir;

const MODELS: &str =
    "flavor: prisma\nmodels:\n  Post:\n    fields: |\n      id    Int    @id\n      title String\n";

fn project(label: &str) -> TempDir {
    let dir = TempDir::new(label);
    std::fs::create_dir_all(dir.join("schemas/app")).unwrap();
    std::fs::write(dir.join("schemas/app/models.yaml"), MODELS).unwrap();
    dir
}

fn mkfifo(path: &Path) {
    rustix::fs::mkfifoat(
        rustix::fs::CWD,
        path,
        rustix::fs::Mode::from_raw_mode(0o644),
    )
    .unwrap();
}

/// `schemagen build` in `dir`: exit code and everything it printed. A run still going after
/// a minute is taken as a hang (a build of one model takes well under a second).
fn build(dir: &Path) -> (i32, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_schemagen"))
        .arg("build")
        .current_dir(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            panic!("schemagen build in {} hangs", dir.display());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let output = child.wait_with_output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.code().unwrap_or(-1), text)
}

fn assert_refused(dir: &Path, code: &str, path: &str) {
    let (exit, text) = build(dir);
    assert_eq!(exit, 1, "{text}");
    let line = text
        .lines()
        .position(|l| l.contains(code))
        .unwrap_or_else(|| panic!("no {code} in:\n{text}"));
    let next = text.lines().nth(line + 1).unwrap_or_default();
    assert!(next.contains(path), "{code} does not name {path}:\n{text}");
    assert!(!dir.join("generated").exists(), "nothing is written");
}

#[test]
fn a_fifo_socket_device_or_folder_named_like_a_schema_is_refused_by_name() {
    let dir = project("fifo");
    mkfifo(&dir.join("schemas/app/pipe.yaml"));
    assert_refused(&dir, "E0020", "schemas/app/pipe.yaml");

    let dir = project("socket");
    let _listener =
        std::os::unix::net::UnixListener::bind(dir.join("schemas/app/socket.yml")).unwrap();
    assert_refused(&dir, "E0020", "schemas/app/socket.yml");

    // A loose file beside the system folders, the hang: a FIFO as a one-file system.
    let dir = project("loose-fifo");
    mkfifo(&dir.join("schemas/loose.yaml"));
    assert_refused(&dir, "E0020", "schemas/loose.yaml");

    let dir = project("device");
    std::os::unix::fs::symlink("/dev/zero", dir.join("schemas/app/zero.yaml")).unwrap();
    assert_refused(&dir, "E0020", "schemas/app/zero.yaml");
}

#[test]
fn a_file_over_the_limit_is_refused_whatever_its_size_says() {
    let dir = project("large");
    // Sparse: 64 MiB and one byte of zeros, no disk space.
    let file = std::fs::File::create(dir.join("schemas/app/huge.yaml")).unwrap();
    file.set_len(schemagen::load::MAX_FILE_BYTES + 1).unwrap();
    assert_refused(&dir, "E0021", "schemas/app/huge.yaml");
}

#[test]
fn schemagen_yaml_and_templates_are_read_the_same_way() {
    let dir = project("config-fifo");
    mkfifo(&dir.join("schemagen.yaml"));
    assert_refused(&dir, "E0020", "schemagen.yaml");

    let dir = project("template-fifo");
    std::fs::write(dir.join("schemagen.yaml"), "templates: templates\n").unwrap();
    std::fs::create_dir_all(dir.join("templates/typescript")).unwrap();
    mkfifo(&dir.join("templates/typescript/types.ts.jinja"));
    let (exit, text) = build(&dir);
    assert_eq!(exit, 1, "{text}");
    assert!(
        text.contains("E0020") && text.contains("types.ts.jinja"),
        "{text}"
    );
}
