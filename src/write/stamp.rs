//! The build stamp: what the last build read and wrote, so a build or `check` with nothing
//! to change stops after reading instead of compiling, planning and rendering everything again.
//!
//! `<out>/.schemagen-stamp` holds three sums: two sha256 over everything a build depends on,
//! its environment (the binary, the effective configuration and `schemagen.yaml`, every
//! template override: how an IR renders) and its schemas (every schema file of every system,
//! each by its own sha256), and an xxh3-128 over the output tree it left (every path and its
//! bytes). The outputs' sum is a cache key, not a seal: anyone who can edit the outputs can
//! edit the stamp, so it only has to tell an edit from none by accident, which 128 bits do.
//! xxh3 does that at memory speed; sha256 cost a build more than all its code targets (a
//! pass over every byte written, 5 MB at 1,000 models), and every no-op build a pass too.
//! The outputs are compared by their contents, not by size and modification time: a hand edit
//! that keeps the size, a checkout or a copy that restores times would pass a time check, and
//! reading the outputs costs less than rendering them. The stamp is no output (no check or
//! diff sees it) and is per machine: the binary is known by its version, size and time.
//! Only a build of every system without a single diagnostic writes one, so warnings are shown
//! by every build until they are fixed.
//!
//! Beside it, `<out>/.schemagen-stamp.sections` ([`SECTIONS`]): where each table lies in the
//! files a build of every system laid out table by table, under the environment's sum, which
//! the next build in that environment copies unchanged tables from (`render::splice`).

use super::Tree;
use crate::config::Config;
use crate::render::splice::{Previous, Sections};
use crate::source::SourceMap;
use rayon::prelude::*;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use xxhash_rust::xxh3::Xxh3Default;

/// The stamp's file name in the output folder; files starting with it are no output.
pub const FILE: &str = ".schemagen-stamp";
/// The first line, naming the sums' format: a stamp in another (an older binary's, whose
/// inputs were one sum, or whose outputs' sum was a sha256) reads as none, so the build runs
/// and writes a new one.
const HEADER: &str = "schemagen build stamp: the sums of the environment and schemas (sha256) \
     and outputs (xxh3-128) of the last build";
/// Beside the stamp: where the last build laid out each table in the files it lays out table
/// by table ([`crate::render::splice`]), and the environment it was built in.
pub const SECTIONS: &str = ".schemagen-stamp.sections";
const SECTIONS_HEADER: &str =
    "schemagen sections: where each table lies in the files of the last build";

/// What a build reads, summed in two parts: the environment (the binary, the configuration,
/// the template overrides), which decides how the IR renders, and the schema files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inputs {
    pub environment: String,
    pub schemas: String,
}

/// The sums of everything a build of `config` depends on, read now; `None` when an input
/// cannot be read (the build then reports it).
pub fn inputs(config: &Config, config_file: &Path) -> Option<Inputs> {
    let environment = environment(config, config_file)?;
    let systems = crate::load::discover_systems(&config.schemas).ok()?;
    // Each file read and summed on every core, its sum standing for its bytes: one core
    // took a tenth of a 10,000-model build's wall time here, before anything was compiled.
    let schemas = schemas_sum(&systems, |_, path| read(path).map(Sha256::digest))?;
    Some(Inputs {
        environment,
        schemas,
    })
}

/// The environment's part of [`inputs`]: the binary, the configuration, the template overrides.
pub fn environment(config: &Config, config_file: &Path) -> Option<String> {
    let mut sum = Sha256::new();
    add(&mut sum, "binary", binary()?.as_bytes());
    add(&mut sum, "config", format!("{config:?}").as_bytes());
    add(&mut sum, "config file", &read_if_exists(config_file)?);
    if let Some(dir) = &config.templates {
        for (rel, path) in super::files_below(dir).ok()? {
            add(&mut sum, &rel, &read(&path)?);
        }
    }
    Some(hex(&sum.finalize()))
}

/// The schemas' part of [`inputs`], from the texts a build of every system read (`sources`,
/// where compiling put each system's files first, in the order they are found): a build
/// without a stamp to compare with reads each file once, and sums exactly what it built.
/// `None` when the files found now are not those read.
pub fn schemas_read(config: &Config, sources: &SourceMap) -> Option<String> {
    let systems = crate::load::discover_systems(&config.schemas).ok()?;
    schemas_sum(&systems, |id, path| {
        let read = id < sources.len() && sources.path(id) == path.display().to_string();
        read.then(|| Sha256::digest(sources.text(id)))
    })
}

/// The sum of every system's name and files, each file standing for its sum (`digest` of its
/// index among all the files, and its path), the files summed on every core.
fn schemas_sum<D: AsRef<[u8]> + Send>(
    systems: &[(String, Vec<PathBuf>)],
    digest: impl Fn(u32, &Path) -> Option<D> + Sync,
) -> Option<String> {
    let files: Vec<&PathBuf> = systems.iter().flat_map(|(_, paths)| paths).collect();
    let digests: Vec<D> = files
        .par_iter()
        .enumerate()
        .map(|(i, path)| digest(i as u32, path))
        .collect::<Option<_>>()?;
    let mut digests = digests.iter();
    let mut sum = Sha256::new();
    for (system, paths) in systems {
        add(&mut sum, "system", system.as_bytes());
        for (path, digest) in paths.iter().zip(&mut digests) {
            add(&mut sum, &path.display().to_string(), digest.as_ref());
        }
    }
    Some(hex(&sum.finalize()))
}

/// Whether `out_dir` holds a stamp (of this binary's format) that a build could stop on.
pub fn exists(out_dir: &Path) -> bool {
    read_stamp(out_dir).is_some()
}

/// Whether the stamp in `out_dir` was left by a build of these `inputs` and the outputs are
/// still what it wrote: then there is nothing to do. Returns the number of output files.
pub fn fresh(out_dir: &Path, inputs: &Inputs) -> Option<usize> {
    let (stamped_inputs, stamped_outputs) = read_stamp(out_dir)?;
    if stamped_inputs != *inputs {
        return None;
    }
    let files = super::files_below(out_dir).ok()?;
    let mut sum = Xxh3Default::new();
    for (rel, path) in &files {
        add_output(&mut sum, rel, &read(path)?);
    }
    (format!("{:032x}", sum.digest128()) == stamped_outputs).then_some(files.len())
}

/// The sum of an output tree, as [`fresh`] takes it from the files on disk: computed from
/// the rendered `files` (on a thread of its own while they are written), not read back.
pub fn outputs(files: &Tree) -> String {
    let mut sum = Xxh3Default::new();
    for (rel, contents) in files {
        add_output(&mut sum, rel, contents.as_bytes());
    }
    format!("{:032x}", sum.digest128())
}

/// One output file, framed as [`add`] frames an input.
fn add_output(sum: &mut Xxh3Default, rel: &str, bytes: &[u8]) {
    sum.update(&(rel.len() as u64).to_le_bytes());
    sum.update(rel.as_bytes());
    sum.update(&(bytes.len() as u64).to_le_bytes());
    sum.update(bytes);
}

/// Records that the files summed by `outputs` ([`outputs`]), now the whole of `out_dir`,
/// were built from `inputs`. A stamp that cannot be written costs the next build its
/// shortcut, nothing else.
pub fn record(out_dir: &Path, inputs: &Inputs, outputs: &str) {
    if read_stamp(out_dir).is_some_and(|(i, o)| i == *inputs && o == outputs) {
        return;
    }
    let Inputs {
        environment,
        schemas,
    } = inputs;
    let text =
        format!("{HEADER}\nenvironment {environment}\nschemas {schemas}\noutputs {outputs}\n");
    write_beside(out_dir, FILE, &text);
}

/// Renamed into place: a torn file never reads as one (and an unreadable one is none).
fn write_beside(out_dir: &Path, name: &str, text: &str) {
    let path = out_dir.join(name);
    let partial = out_dir.join(format!("{FILE}.new"));
    let _ = std::fs::write(&partial, text).and_then(|()| std::fs::rename(&partial, &path));
}

fn read_stamp(out_dir: &Path) -> Option<(Inputs, String)> {
    let text = crate::load::read_text(&out_dir.join(FILE), 4096).ok()?;
    let mut lines = text.lines();
    (lines.next()? == HEADER).then_some(())?;
    let mut field = |name: &str| Some(lines.next()?.strip_prefix(name)?.to_string());
    let environment = field("environment ")?;
    let schemas = field("schemas ")?;
    let outputs = field("outputs ")?;
    let inputs = Inputs {
        environment,
        schemas,
    };
    Some((inputs, outputs))
}

/// Records where the tables of `out_dir`'s files lie, as the build in `environment` that
/// wrote them laid them out ([`SECTIONS`]). Like the stamp, a cache: lost, the next build
/// renders every table.
pub fn record_sections(out_dir: &Path, environment: &str, sections: &[Sections]) {
    record_sections_text(out_dir, &sections_text(environment, sections));
}

/// The text [`record_sections`] records: a build lays it out while its files are written.
pub fn sections_text(environment: &str, sections: &[Sections]) -> String {
    let body = Sections::to_text(sections);
    format!("{SECTIONS_HEADER}\nenvironment {environment}\n{body}")
}

/// Records the text of [`sections_text`].
pub fn record_sections_text(out_dir: &Path, text: &str) {
    write_beside(out_dir, SECTIONS, text);
}

/// The sections [`record_sections`] recorded in `out_dir` by a build in `environment`; none
/// when there are none, or they were recorded in another environment (another binary,
/// configuration or templates could lay a table out otherwise).
pub fn recorded_sections(out_dir: &Path, environment: &str) -> Vec<Sections> {
    let limit = crate::load::MAX_OUTPUT_FILE_BYTES;
    let Ok(text) = crate::load::read_text(&out_dir.join(SECTIONS), limit) else {
        return Vec::new();
    };
    let body = text
        .strip_prefix(SECTIONS_HEADER)
        .and_then(|rest| rest.strip_prefix("\nenvironment "))
        .and_then(|rest| rest.strip_prefix(environment))
        .and_then(|rest| rest.strip_prefix('\n'));
    body.and_then(Sections::from_text).unwrap_or_default()
}

/// A system's recorded `sections` and the folder of the files they lie in, under `out_dir`.
/// Each file is read only when its target renders ([`Previous`]).
pub fn previous(out_dir: &Path, sections: Sections) -> Previous {
    let dir = out_dir.join(&sections.system);
    Previous { sections, dir }
}

/// The running binary: its version, and the size and time of its file, so a rebuilt binary
/// (a change to a template or a renderer, same version) is a new one.
fn binary() -> Option<String> {
    let exe = std::fs::metadata(std::env::current_exe().ok()?).ok()?;
    let modified = exe
        .modified()
        .ok()?
        .duration_since(std::time::UNIX_EPOCH)
        .ok()?;
    Some(format!(
        "{} {} {}",
        env!("CARGO_PKG_VERSION"),
        exe.len(),
        modified.as_nanos()
    ))
}

/// One named part: its name and length first, so no two sequences of parts sum alike.
fn add(sum: &mut Sha256, name: &str, bytes: &[u8]) {
    sum.update((name.len() as u64).to_le_bytes());
    sum.update(name.as_bytes());
    sum.update((bytes.len() as u64).to_le_bytes());
    sum.update(bytes);
}

fn read(path: &Path) -> Option<Vec<u8>> {
    crate::load::read_text(path, crate::load::MAX_OUTPUT_FILE_BYTES)
        .ok()
        .map(String::into_bytes)
}

fn read_if_exists(path: &Path) -> Option<Vec<u8>> {
    match crate::load::read_text_if_exists(path, crate::load::MAX_FILE_BYTES) {
        Ok(text) => Some(text.unwrap_or_default().into_bytes()),
        Err(_) => None,
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An output folder of its own below the temp folder, removed when dropped.
    struct Folder(std::path::PathBuf);

    impl Folder {
        fn new(name: &str) -> Folder {
            let dir = std::env::temp_dir().join(format!(
                "schemagen-unit-stamp-{}-{name}",
                std::process::id()
            ));
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(dir.join("blog")).unwrap();
            Folder(dir)
        }
    }

    impl Drop for Folder {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    fn given(schemas: &str) -> Inputs {
        Inputs {
            environment: "env".into(),
            schemas: schemas.into(),
        }
    }

    /// The tree written into `dir`, as a build would leave it.
    fn written(dir: &Path) -> Tree {
        let files = Tree::from([
            (".schemagen".to_string(), "marker\n".to_string()),
            (
                "blog/types.ts".to_string(),
                "export type Post = {};\n".to_string(),
            ),
        ]);
        for (rel, contents) in &files {
            std::fs::write(dir.join(rel), contents).unwrap();
        }
        files
    }

    #[test]
    fn a_recorded_stamp_is_fresh_until_an_output_changes() {
        let out = Folder::new("fresh");
        let files = written(&out.0);
        record(&out.0, &given("in"), &outputs(&files));
        assert_eq!(fresh(&out.0, &given("in")), Some(2));
        assert_eq!(fresh(&out.0, &given("other inputs")), None);
        // Same length, one byte apart.
        std::fs::write(out.0.join("blog/types.ts"), "export type Pest = {};\n").unwrap();
        assert_eq!(fresh(&out.0, &given("in")), None);
    }

    #[test]
    fn a_stamp_in_an_older_format_is_not_fresh_and_is_replaced() {
        let out = Folder::new("older");
        let files = written(&out.0);
        // What the binaries before xxh3 wrote: the outputs' sum a sha256, under another header.
        let mut sum = Sha256::new();
        for (rel, contents) in &files {
            add(&mut sum, rel, contents.as_bytes());
        }
        let older = format!(
            "schemagen build stamp: the sums of the inputs and outputs of the last build\n\
             inputs in\noutputs {}\n",
            hex(&sum.finalize())
        );
        std::fs::write(out.0.join(FILE), older).unwrap();
        assert_eq!(fresh(&out.0, &given("in")), None);
        // Nor does one whose sum is in the new format but whose header is the old one.
        let relabelled = format!(
            "schemagen build stamp: the sums of the inputs and outputs of the last build\n\
             inputs in\noutputs {}\n",
            outputs(&files)
        );
        std::fs::write(out.0.join(FILE), relabelled).unwrap();
        assert_eq!(fresh(&out.0, &given("in")), None);
        record(&out.0, &given("in"), &outputs(&files));
        assert_eq!(fresh(&out.0, &given("in")), Some(2));
    }
}
