//! Which inputs each operation takes, declared once. Validation reads what is required from
//! it, the "input not used" warning what is not listed, and `--help` lists it per operation.

use crate::operation::OperationKind;

/// How an operation takes an input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// It must be given, or the input `or` names in its place.
    Required {
        or: Option<&'static str>,
    },
    Optional,
}

/// One input an operation takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Takes {
    pub input: &'static str,
    pub need: Need,
}

const fn required(input: &'static str) -> Takes {
    Takes {
        input,
        need: Need::Required { or: None },
    }
}

const fn required_or(input: &'static str, or: &'static str) -> Takes {
    Takes {
        input,
        need: Need::Required { or: Some(or) },
    }
}

const fn optional(input: &'static str) -> Takes {
    Takes {
        input,
        need: Need::Optional,
    }
}

/// What every operation reads: which one it is.
const OPERATION: Takes = required("operation");

/// What every operation that reaches ToolJet reads: where it is, how to reach it, how long to
/// wait, and `organization-id`, which also links the summary to ToolJet's editor.
const EVERY_OPERATION: &[Takes] = &[
    OPERATION,
    required("tooljet-url"),
    required("access-token"),
    optional("organization-id"),
    optional("timeout-seconds"),
    optional("connect-timeout-seconds"),
    optional("total-timeout-seconds"),
    optional("retries"),
    optional("ca-certificate"),
    optional("insecure-skip-tls-verify"),
    optional("allow-insecure-http"),
    optional("heartbeat-seconds"),
    optional("dry-run"),
];

/// What every operation that acts on apps reads.
const APP_OPERATIONS: &[Takes] = &[
    required_or("app-id", "app-name"),
    optional("app-name"),
    optional("workspace"),
    optional("max-parallel"),
    optional("fail-fast"),
];

/// Each operation's own inputs; where one is also in the shared lists, this entry wins.
const DEPLOY: &[Takes] = &[
    required_or("organization-id", "workspace"),
    required_or("version-name", "git-tag"),
    optional("git-tag"),
    optional("git-app-name"),
    optional("git-branch"),
];
const CHECK: &[Takes] = &[
    optional("manifest"),
    optional("instance"),
    optional("fail-on-drift"),
    optional("max-parallel"),
    optional("fail-fast"),
];
const APPLY: &[Takes] = &[
    optional("manifest"),
    optional("instance"),
    optional("max-parallel"),
    optional("fail-fast"),
];
/// Two files and nothing else: no URL, no token, nothing sent.
const DIFF: &[Takes] = &[required("base-manifest"), optional("manifest")];
const CONFIGURE_GIT: &[Takes] = &[
    required_or("organization-id", "workspace"),
    optional("workspace"),
    required("git-url"),
    required("branch-name"),
    required("github-app-id"),
    required("github-app-installation-id"),
    required("github-app-private-key"),
    optional("github-enterprise-url"),
    optional("github-enterprise-api-url"),
];
const PUSH: &[Takes] = &[
    required_or("version-id", "version-name"),
    optional("version-name"),
    optional("commit-message"),
];
const CREATE: &[Takes] = &[
    required_or("organization-id", "workspace"),
    optional("workspace"),
    required_or("git-app-name", "git-app-id"),
    optional("git-app-id"),
    optional("git-branch"),
    optional("if-exists"),
];
const PULL: &[Takes] = &[optional("git-branch")];
const SAVE_VERSION: &[Takes] = &[optional("version-name"), optional("if-saved")];
const RELEASE: &[Takes] = &[optional("version-id"), optional("version-name")];
const PROMOTE: &[Takes] = &[];

fn own(kind: OperationKind) -> &'static [Takes] {
    match kind {
        OperationKind::Deploy => DEPLOY,
        OperationKind::Check => CHECK,
        OperationKind::Apply => APPLY,
        OperationKind::Diff => DIFF,
        OperationKind::ConfigureGit => CONFIGURE_GIT,
        OperationKind::Push => PUSH,
        OperationKind::Create => CREATE,
        OperationKind::Pull => PULL,
        OperationKind::SaveVersion => SAVE_VERSION,
        OperationKind::Release => RELEASE,
        OperationKind::Promote => PROMOTE,
    }
}

/// Every input `kind` takes, each once: what every operation (that reaches ToolJet) reads, then
/// what app operations read, then its own; its own entry for a shared input takes that input's
/// place.
pub fn takes(kind: OperationKind) -> Vec<Takes> {
    let every: &[Takes] = match kind.reaches_tooljet() {
        true => EVERY_OPERATION,
        false => &[OPERATION],
    };
    let shared: &[Takes] = if kind.takes_app() {
        APP_OPERATIONS
    } else {
        &[]
    };
    let mut all: Vec<Takes> = every.iter().chain(shared).copied().collect();
    for takes in own(kind) {
        match all.iter_mut().find(|kept| kept.input == takes.input) {
            Some(kept) => *kept = *takes,
            None => all.push(*takes),
        }
    }
    all
}

/// The inputs `kind` takes beyond what every operation reads as every operation reads it.
pub fn particular(kind: OperationKind) -> Vec<Takes> {
    takes(kind)
        .into_iter()
        .filter(|takes| !EVERY_OPERATION.contains(takes))
        .collect()
}

/// True when `kind` reads `input`; anything else given with it is ignored.
pub fn uses(kind: OperationKind, input: &str) -> bool {
    takes(kind).iter().any(|takes| takes.input == input)
}

/// What stands in for `input` when `kind` requires it, if anything does.
pub fn alternative(kind: OperationKind, input: &str) -> Option<&'static str> {
    takes(kind).iter().find_map(|takes| match takes.need {
        Need::Required { or } if takes.input == input => or,
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_declared_input_is_used_by_some_operation_and_every_listed_one_declared() {
        let declared: Vec<&str> = crate::declared::entries("inputs")
            .iter()
            .map(|input| input.name)
            .collect();
        for input in &declared {
            assert!(
                OperationKind::ALL.iter().any(|kind| uses(*kind, input)),
                "{input} is read by no operation"
            );
        }
        for kind in OperationKind::ALL {
            for takes in takes(kind) {
                assert!(
                    declared.contains(&takes.input),
                    "{kind} takes {}",
                    takes.input
                );
            }
        }
    }

    #[test]
    fn an_operations_own_entry_wins_over_the_shared_one() {
        assert_eq!(
            alternative(OperationKind::Deploy, "organization-id"),
            Some("workspace")
        );
        assert_eq!(
            alternative(OperationKind::Create, "organization-id"),
            Some("workspace")
        );
        assert_eq!(alternative(OperationKind::Push, "organization-id"), None);
        assert!(!uses(OperationKind::Pull, "version-id"));
        assert!(uses(OperationKind::Release, "version-id"));
        assert!(!uses(OperationKind::Create, "app-id"));
    }

    #[test]
    fn diff_takes_two_files_and_no_url_or_token() {
        let inputs: Vec<&str> = takes(OperationKind::Diff)
            .iter()
            .map(|takes| takes.input)
            .collect();
        assert_eq!(inputs, ["operation", "base-manifest", "manifest"]);
        assert_eq!(
            particular(OperationKind::Diff),
            [required("base-manifest"), optional("manifest")]
        );
    }
}
