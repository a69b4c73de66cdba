//! Reading one file the CLI was pointed at: a regular file only, and never more than a limit.
//!
//! Files are chosen by name (`*.yaml`), so a FIFO, a socket or a device can carry a schema's
//! name: opening a FIFO blocks until someone writes to it, and `/dev/zero` never ends. Symlinks
//! are followed (a shared schema file linked into two systems is a regular file), then anything
//! but a regular file is refused. The size limit is enforced by reading at most `limit + 1`
//! bytes, not by trusting `st_size`, which a device or `/proc` file reports as 0.

use crate::diagnostics::Code;
use std::fmt;
use std::fs::{File, FileType};
use std::io::{self, Read};
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::Path;

/// Files larger than this are refused: a schema, `schemagen.yaml` or a template is text
/// written by people.
pub const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;

/// The limit for files a build wrote itself (`schema.json`, migrations): the snapshot of
/// 10,000 models is 47 MB, so 50,000 models fit with room to spare.
pub const MAX_OUTPUT_FILE_BYTES: u64 = 1024 * 1024 * 1024;

#[derive(Debug)]
pub enum ReadError {
    /// Not a regular file once symlinks are followed: `kind` says what it is.
    NotAFile {
        kind: &'static str,
    },
    TooLarge {
        limit: u64,
    },
    /// Not UTF-8: `offset` is the first byte that is not.
    NotUtf8 {
        offset: usize,
        text_before: String,
    },
    Io(io::Error),
}

impl ReadError {
    pub fn is_not_found(&self) -> bool {
        matches!(self, ReadError::Io(e) if e.kind() == io::ErrorKind::NotFound)
    }

    pub fn code(&self) -> Code {
        match self {
            ReadError::NotAFile { .. } => Code::NotAFile,
            ReadError::TooLarge { .. } => Code::FileTooLarge,
            ReadError::NotUtf8 { .. } => Code::NotUtf8,
            ReadError::Io(_) => Code::Io,
        }
    }

    pub fn help(&self) -> &'static str {
        match self {
            ReadError::NotAFile { .. } => {
                "only regular files (or symlinks to them) are read: rename or move this one"
            }
            ReadError::TooLarge { .. } => {
                "an input file is text written by people: split it into several files"
            }
            ReadError::NotUtf8 { .. } => "save the file as UTF-8",
            ReadError::Io(_) => "check that the file exists and can be read",
        }
    }
}

impl From<io::Error> for ReadError {
    fn from(e: io::Error) -> Self {
        ReadError::Io(e)
    }
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReadError::NotAFile { kind } => write!(f, "it is {kind}, not a regular file"),
            ReadError::TooLarge { limit } => {
                write!(f, "it is larger than the limit of {limit} bytes")
            }
            ReadError::NotUtf8 { offset, .. } => {
                write!(f, "it is not UTF-8 text (byte {offset} is not)")
            }
            ReadError::Io(e) => write!(f, "{e}"),
        }
    }
}

impl From<ReadError> for io::Error {
    fn from(e: ReadError) -> Self {
        match e {
            ReadError::Io(e) => e,
            other => io::Error::new(io::ErrorKind::InvalidData, other.to_string()),
        }
    }
}

/// The text of the regular file at `path` (symlinks followed), at most `limit` bytes.
pub fn read_text(path: &Path, limit: u64) -> Result<String, ReadError> {
    // Checked before opening, so a device is never even opened (opening can have effects).
    regular(&std::fs::metadata(path)?.file_type())?;
    // Non-blocking, so a FIFO swapped in after the check cannot block the open either.
    let file = File::options()
        .read(true)
        .custom_flags(rustix::fs::OFlags::NONBLOCK.bits() as i32)
        .open(path)?;
    let metadata = file.metadata()?;
    regular(&metadata.file_type())?;
    // Sized by the file's length (a hint only: the limit is what holds), so a 1 MB schema is
    // not read into a buffer grown by doubling.
    let mut bytes = Vec::with_capacity(metadata.len().min(limit) as usize);
    file.take(limit.saturating_add(1)).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(ReadError::TooLarge { limit });
    }
    String::from_utf8(bytes).map_err(|e| {
        let offset = e.utf8_error().valid_up_to();
        let bytes = e.into_bytes();
        ReadError::NotUtf8 {
            offset,
            text_before: String::from_utf8_lossy(&bytes[..offset]).into_owned(),
        }
    })
}

/// Like [`read_text`], but a missing file is `None`.
pub fn read_text_if_exists(path: &Path, limit: u64) -> Result<Option<String>, ReadError> {
    match read_text(path, limit) {
        Ok(text) => Ok(Some(text)),
        Err(e) if e.is_not_found() => Ok(None),
        Err(e) => Err(e),
    }
}

fn regular(file_type: &FileType) -> Result<(), ReadError> {
    if file_type.is_file() {
        return Ok(());
    }
    let kind = if file_type.is_dir() {
        "a folder"
    } else if file_type.is_fifo() {
        "a FIFO (named pipe)"
    } else if file_type.is_socket() {
        "a socket"
    } else if file_type.is_char_device() || file_type.is_block_device() {
        "a device"
    } else {
        "not a file"
    };
    Err(ReadError::NotAFile { kind })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_device_or_a_folder_is_refused_without_reading_it() {
        let err = read_text(Path::new("/dev/zero"), 10).unwrap_err();
        assert!(
            matches!(err, ReadError::NotAFile { kind: "a device" }),
            "{err}"
        );
        let err = read_text(Path::new("/"), 10).unwrap_err();
        assert!(
            matches!(err, ReadError::NotAFile { kind: "a folder" }),
            "{err}"
        );
    }

    #[test]
    fn the_limit_holds_whatever_the_size_says() {
        // /proc files report a size of 0 and hold more.
        let err = read_text(Path::new("/proc/self/maps"), 8).unwrap_err();
        assert!(matches!(err, ReadError::TooLarge { limit: 8 }), "{err}");
    }
}
