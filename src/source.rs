//! The text of every file a run read, by id: the ground floor that `load` fills and
//! `diagnostics` reads to show a span's file, line and excerpt.

/// Every file read in a run, by id; diagnostics resolve their spans here.
#[derive(Debug, Default)]
pub struct SourceMap {
    files: Vec<SourceFile>,
}

#[derive(Debug)]
struct SourceFile {
    path: String,
    text: String,
}

impl SourceMap {
    pub fn add(&mut self, path: String, text: String) -> u32 {
        self.files.push(SourceFile { path, text });
        (self.files.len() - 1) as u32
    }
    /// How many files there are: the id the next one gets.
    pub fn len(&self) -> u32 {
        self.files.len() as u32
    }
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }
    pub fn path(&self, file: u32) -> &str {
        self.files
            .get(file as usize)
            .map_or("<unknown>", |f| f.path.as_str())
    }
    pub fn text(&self, file: u32) -> &str {
        self.files
            .get(file as usize)
            .map_or("", |f| f.text.as_str())
    }
    /// The text of a 1-based line, without its line break.
    pub fn line(&self, file: u32, line: u32) -> Option<&str> {
        self.text(file).lines().nth(line.checked_sub(1)? as usize)
    }
}
