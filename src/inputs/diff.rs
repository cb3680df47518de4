//! `diff`'s inputs: the desired-state file (`manifest`) and the base branch's copy of it
//! (`base-manifest`), both read whole by the one manifest reader. A base that does not exist
//! is a manifest with no instances yet (the pull request that adds the file); a problem in
//! either file names its input, the file, the line and the key.

use std::path::Path;

use super::values::given;
use super::{InputError, RawInputs, manifest, unusable_workspace};
use crate::environment::RunContext;
use crate::operation::OperationKind;

/// The two files, read.
#[derive(Debug, Clone)]
pub struct DiffInputs {
    /// `manifest` as given (or its default), as the report names it.
    pub manifest: String,
    /// `base-manifest` as given.
    pub base_manifest: String,
    pub head: Vec<manifest::Instance>,
    /// `None`: there is no such file.
    pub base: Option<Vec<manifest::Instance>>,
}

impl DiffInputs {
    /// Reads both files; nothing else is read, whatever else is set.
    pub fn from_raw(raw: &RawInputs, context: &RunContext) -> Result<Self, InputError> {
        const KIND: OperationKind = OperationKind::Diff;
        if let Some(input) = raw.missing(KIND).first() {
            return Err(InputError::missing(input, KIND));
        }
        let manifest = given(&raw.manifest).unwrap_or(manifest::DEFAULT).to_owned();
        let base_manifest = given(&raw.base_manifest)
            .expect("required, checked above")
            .to_owned();
        let (head_path, base_path) = (context.path_of(&manifest), context.path_of(&base_manifest));
        if same_file(&head_path, &base_path) {
            return Err(InputError::new(
                "base-manifest",
                format!(
                    "names the same file as `manifest` ({manifest:?}), so nothing could differ: \
                     give the base branch's copy, e.g. written by `git show \
                     origin/main:{manifest} > base-{manifest}`"
                ),
            ));
        }
        let head = read("manifest", &head_path, &manifest)?;
        if let Some(err) = head
            .iter()
            .find_map(|instance| unusable_workspace(instance, &manifest))
        {
            return Err(named("manifest", err));
        }
        let base = match std::fs::symlink_metadata(&base_path) {
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => None,
            _ => Some(read("base-manifest", &base_path, &base_manifest)?),
        };
        Ok(Self {
            manifest,
            base_manifest,
            head,
            base,
        })
    }
}

/// True when `a` and `b` are one file: the same path, or, both existing, the same file (by
/// device and inode, so a hard link is one too).
fn same_file(a: &Path, b: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    if a.components().eq(b.components()) {
        return true;
    }
    match (std::fs::metadata(a), std::fs::metadata(b)) {
        (Ok(a), Ok(b)) => (a.dev(), a.ino()) == (b.dev(), b.ino()),
        _ => false,
    }
}

fn read(
    input: &'static str,
    path: &Path,
    file: &str,
) -> Result<Vec<manifest::Instance>, InputError> {
    manifest::read(path, file).map_err(|err| named(input, err))
}

/// A manifest's error, saying which input's file it is about. It says what to write where in
/// that file: no way to set the input is added.
fn named(input: &'static str, err: manifest::ManifestError) -> InputError {
    InputError::standalone(input, format!("input `{input}`: {err}")).saying_how()
}

#[cfg(test)]
mod tests {
    use super::*;

    const ONE: &str =
        "instances:\n  production:\n    workspace: Acme\n    apps:\n      Inventory: v1\n";

    fn inputs(files: &[(&str, &str)], pairs: &[(&str, &str)]) -> Result<DiffInputs, InputError> {
        let dir = tempfile::tempdir().unwrap();
        for (name, text) in files {
            std::fs::write(dir.path().join(name), text).unwrap();
        }
        let raw = RawInputs::from_vars(
            pairs
                .iter()
                .map(|(k, v)| (format!("INPUT_{}", k.to_uppercase()), v.to_string())),
        )
        .unwrap();
        let context = RunContext {
            workspace: Some(dir.path().to_owned()),
            ..RunContext::default()
        };
        DiffInputs::from_raw(&raw, &context)
    }

    #[test]
    fn both_files_are_read_and_a_missing_base_is_no_instances() {
        let read = inputs(
            &[("tooljet.yml", ONE), ("base.yml", ONE)],
            &[("base-manifest", "base.yml")],
        )
        .unwrap();
        assert_eq!((read.head.len(), read.base.map(|b| b.len())), (1, Some(1)));
        let read = inputs(&[("tooljet.yml", ONE)], &[("base-manifest", "base.yml")]).unwrap();
        assert!(read.base.is_none());
    }

    #[test]
    fn base_manifest_is_required() {
        let err = inputs(&[("tooljet.yml", ONE)], &[]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "input `base-manifest` is required for `diff` but was not given"
        );
    }

    #[test]
    fn the_same_file_twice_is_refused() {
        let err = inputs(
            &[("tooljet.yml", ONE)],
            &[("base-manifest", "./tooljet.yml")],
        )
        .unwrap_err();
        assert_eq!(err.input, "base-manifest");
        assert!(err.problem.contains("same file as `manifest`"), "{err}");
    }

    #[test]
    fn a_hard_link_to_the_manifest_is_the_same_file() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.yml"), ONE).unwrap();
        std::fs::hard_link(dir.path().join("a.yml"), dir.path().join("b.yml")).unwrap();
        assert!(same_file(
            &dir.path().join("a.yml"),
            &dir.path().join("b.yml")
        ));
        std::fs::write(dir.path().join("c.yml"), ONE).unwrap();
        assert!(!same_file(
            &dir.path().join("a.yml"),
            &dir.path().join("c.yml")
        ));
    }

    #[test]
    fn an_error_names_the_input_the_file_the_line_and_the_key() {
        let bad = "instances:\n  production:\n    workspace: Acme\n    aps:\n      X: v1\n";
        let err = inputs(
            &[("tooljet.yml", ONE), ("base.yml", bad)],
            &[("base-manifest", "base.yml")],
        )
        .unwrap_err();
        assert_eq!(err.input, "base-manifest");
        assert!(
            err.to_string()
                .starts_with("input `base-manifest`: base.yml, line 4, `instances.production.aps`"),
            "{err}"
        );
        let err = inputs(&[("tooljet.yml", bad)], &[("base-manifest", "base.yml")]).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("input `manifest`: tooljet.yml, line 4"),
            "{err}"
        );
    }

    #[test]
    fn a_missing_manifest_is_an_error_not_an_empty_one() {
        let err = inputs(&[("base.yml", ONE)], &[("base-manifest", "base.yml")]).unwrap_err();
        assert_eq!(err.input, "manifest");
        assert!(err.problem.contains("no such file"), "{err}");
    }
}
