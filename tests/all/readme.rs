//! README.md documents exactly the inputs and outputs action.yml declares, with the same
//! required flags and defaults.

use crate::support;

use std::collections::BTreeMap;

use yaml_rust2::Yaml;

/// The first column (a `code` name) and the rest of each row of the table under `heading`.
fn table(heading: &str) -> BTreeMap<String, Vec<String>> {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let section = readme
        .split(&format!("\n## {heading}\n"))
        .nth(1)
        .unwrap_or_else(|| panic!("README has ## {heading}"));
    let section = section.split("\n## ").next().unwrap();
    section
        .lines()
        .filter(|line| line.starts_with("| `"))
        .map(|line| {
            let cells: Vec<String> = line
                .trim_matches('|')
                .split('|')
                .map(|c| c.trim().to_owned())
                .collect();
            (cells[0].trim_matches('`').to_owned(), cells[1..].to_vec())
        })
        .collect()
}

fn declared(section: &str) -> BTreeMap<String, Yaml> {
    let yml = support::action_yml();
    yml[section]
        .as_hash()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.as_str().unwrap().to_owned(), v.clone()))
        .collect()
}

#[test]
fn readme_lists_every_input_with_its_required_flag_and_default() {
    let documented = table("Inputs");
    let declared = declared("inputs");
    assert_eq!(
        documented.keys().collect::<Vec<_>>(),
        declared.keys().collect::<Vec<_>>()
    );
    for (name, spec) in &declared {
        let cells = &documented[name];
        let required = if spec["required"].as_bool() == Some(true) {
            "yes"
        } else {
            "no"
        };
        assert_eq!(cells[0], required, "required flag of {name}");
        let default = spec["default"]
            .as_str()
            .map(|d| format!("`{d}`"))
            .unwrap_or_default();
        assert_eq!(cells[1], default, "default of {name}");
    }
}

#[test]
fn readme_lists_every_output() {
    let documented = table("Outputs");
    let declared = declared("outputs");
    assert_eq!(
        documented.keys().collect::<Vec<_>>(),
        declared.keys().collect::<Vec<_>>()
    );
}

#[test]
fn the_image_label_carries_the_crate_version() {
    let dockerfile =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/Dockerfile")).unwrap();
    assert!(
        dockerfile.contains(&format!("ARG VERSION={}\n", env!("CARGO_PKG_VERSION"))),
        "Dockerfile's VERSION differs from Cargo.toml's"
    );
}

#[test]
fn action_yml_holds_no_expression_the_runner_would_refuse() {
    // The runner (and act) refuse `${{ }}` in an action's metadata outside the places that
    // evaluate it: an expression in a description stops the action from loading at all.
    let text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("action.yml"),
    )
    .expect("action.yml");
    for (number, line) in text.lines().enumerate() {
        assert!(
            !line.contains("${{"),
            "action.yml line {}: {line}",
            number + 1
        );
    }
}
