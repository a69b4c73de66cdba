use super::*;

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, text).unwrap();
    path
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("import-prisma-unit-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn yaml_names_follow_the_source_files() {
    let dir = Path::new("/p");
    assert_eq!(yaml_name(Path::new("/p/schema.prisma"), Path::new("/p/schema.prisma")), "schema.yaml");
    assert_eq!(yaml_name(dir, Path::new("/p/models/user.prisma")), "models_user.yaml");
}
