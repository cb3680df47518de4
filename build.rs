//! Stamps the commit the binary is built from into `--version`: `SOURCE_COMMIT` when the build
//! sets it (the image build has no .git; the release workflow passes the commit), else what
//! `git rev-parse` says, else nothing. And compiles action.yml's inputs and outputs into a
//! table (`$OUT_DIR/declared.rs`, read by src/declared.rs): parsing the YAML at run time was
//! half of a one-request step's start-up.

use std::fmt::Write as _;
use std::process::Command;

use yaml_rust2::{Yaml, YamlLoader};

fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).output().ok()?;
    let text = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    (out.status.success() && !text.is_empty()).then_some(text)
}

/// A scalar as its text: action.yml quotes them, but `4` or `false` would read as numbers.
fn text(yaml: &Yaml) -> Option<String> {
    match yaml {
        Yaml::String(text) | Yaml::Real(text) => Some(text.clone()),
        Yaml::Integer(number) => Some(number.to_string()),
        Yaml::Boolean(flag) => Some(flag.to_string()),
        _ => None,
    }
}

/// `static INPUTS: &[Entry] = &[...];` and the same for `OUTPUTS`, from action.yml.
fn declared() -> String {
    println!("cargo:rerun-if-changed=action.yml");
    let yaml = std::fs::read_to_string("action.yml").expect("action.yml");
    let docs = YamlLoader::load_from_str(&yaml).expect("action.yml is YAML");
    let mut table = String::new();
    for (section, name) in [("inputs", "INPUTS"), ("outputs", "OUTPUTS")] {
        let entries = docs[0][section]
            .as_hash()
            .expect("action.yml declares inputs and outputs");
        writeln!(table, "pub(crate) static {name}: &[Entry] = &[").unwrap();
        for (key, spec) in entries {
            let key = key.as_str().expect("a name");
            let description = text(&spec["description"]).unwrap_or_default();
            let default = text(&spec["default"]);
            let required = spec["required"].as_bool() == Some(true);
            writeln!(
                table,
                "    Entry {{ name: {key:?}, description: {description:?}, default: {default:?}, \
                 required: {required} }},"
            )
            .unwrap();
        }
        writeln!(table, "];").unwrap();
    }
    table
}

fn main() {
    let out = std::env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    std::fs::write(format!("{out}/declared.rs"), declared()).expect("OUT_DIR is writable");
    println!("cargo:rerun-if-env-changed=SOURCE_COMMIT");
    // Build again when HEAD moves: a checkout changes HEAD, a commit changes its branch's ref.
    if let Some(dir) = git(&["rev-parse", "--git-dir"]) {
        println!("cargo:rerun-if-changed={dir}/HEAD");
        if let Some(reference) = git(&["symbolic-ref", "-q", "HEAD"]) {
            println!("cargo:rerun-if-changed={dir}/{reference}");
        }
    }
    let commit = std::env::var("SOURCE_COMMIT")
        .ok()
        .map(|commit| commit.trim().chars().take(12).collect::<String>())
        .filter(|commit| !commit.is_empty())
        .or_else(|| git(&["rev-parse", "--short=12", "HEAD"]));
    println!(
        "cargo:rustc-env=BUILD_COMMIT={}",
        commit.unwrap_or_default()
    );
}
