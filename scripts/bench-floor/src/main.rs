//! `bench-floor SCHEMAS EXPECTED OUT`: parses every YAML file under SCHEMAS with the YAML library
//! schemagen uses, into an untyped tree, then writes every file under EXPECTED (a tree `schemagen build`
//! wrote) to the same path under OUT. That is the floor: reading the input and writing the output,
//! with nothing in between.
use std::path::Path;
use walkdir::WalkDir;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [schemas, expected, out] = args.as_slice() else {
        eprintln!("usage: bench-floor SCHEMAS EXPECTED OUT");
        std::process::exit(2);
    };
    let mut nodes = 0usize;
    for file in files(schemas).filter(|p| p.extension().is_some_and(|e| e == "yaml")) {
        let text = std::fs::read_to_string(&file).expect("read a schema file");
        let tree: serde_json::Value = serde_saphyr::from_str(&text).expect("parse a schema file");
        nodes += count(&tree);
    }
    let mut bytes = 0usize;
    for file in files(expected) {
        let relative = file.strip_prefix(expected).expect("under EXPECTED");
        let content = std::fs::read(&file).expect("read an output file");
        let target = Path::new(out).join(relative);
        std::fs::create_dir_all(target.parent().expect("a parent")).expect("create a folder");
        std::fs::write(&target, &content).expect("write an output file");
        bytes += content.len();
    }
    println!("{nodes} YAML nodes read, {bytes} bytes written");
}

fn files(root: &str) -> impl Iterator<Item = std::path::PathBuf> {
    WalkDir::new(root)
        .sort_by_file_name()
        .into_iter()
        .map(|entry| entry.expect("walk a folder"))
        .filter(|entry| entry.file_type().is_file())
        .map(|entry| entry.into_path())
}

fn count(value: &serde_json::Value) -> usize {
    1 + match value {
        serde_json::Value::Array(items) => items.iter().map(count).sum(),
        serde_json::Value::Object(map) => map.values().map(count).sum(),
        _ => 0,
    }
}
