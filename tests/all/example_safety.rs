//! The examples keep ToolJet's one token (which can write) away from what a pull request
//! controls, and let one writer at a time near each instance:
//! - GitHub: no `pull_request` job names a secret; a `pull_request_target` job checks out
//!   nothing of the pull request, runs nothing from it, caches nothing, keeps no credential
//!   in git and puts no `${{ }}` in a shell script; every job that writes to an instance holds
//!   the concurrency group `tooljet-<its environment>` without cancelling, and no other job
//!   holds a writer's group.
//! - GitLab: every writer holds the `resource_group` `tooljet-<its environment>`, no other job
//!   holds one, and merge request jobs run `diff` and never name the token variable.
//! - Jenkins: the Jenkinsfile every branch runs reaches no credential and only diffs; every
//!   write holds the lock `tooljet-<instance>`; every approval has a timeout.
//!
//! Each check is a function of a file's text, tried on a deliberately bad snippet below.

use yaml_rust2::{Yaml, YamlLoader};

use crate::examples::files_under;
use crate::other_ci::scalar as text;
use crate::support::repo_file as read;

/// Operations that read only: their jobs are no writers.
const READ_ONLY: [&str; 2] = ["check", "diff"];

/// The token variable of GitLab CI and a shell.
const TOKEN_VARIABLE: &str = "TOOLJET_ACCESS_TOKEN";

/// The Jenkinsfiles that every branch of the repository runs, as their authors wrote them.
const BRANCH_JENKINSFILES: [&str; 1] = ["examples/other-ci/Jenkinsfile.gitops"];

fn yaml(text: &str) -> Yaml {
    YamlLoader::load_from_str(text)
        .expect("YAML")
        .into_iter()
        .next()
        .unwrap_or(Yaml::Null)
}

/// Every scalar in `yaml`, keys too, however deep.
fn scalars(yaml: &Yaml) -> Vec<String> {
    match yaml {
        Yaml::Hash(hash) => hash
            .iter()
            .flat_map(|(key, value)| scalars(key).into_iter().chain(scalars(value)))
            .collect(),
        Yaml::Array(items) => items.iter().flat_map(scalars).collect(),
        other => vec![text(other)],
    }
}

/// A key's value as text, or the text of its `name` (`environment: {name: …}`).
fn named(yaml: &Yaml, key: &str) -> String {
    match &yaml[key] {
        Yaml::Hash(_) => text(&yaml[key]["name"]),
        other => text(other),
    }
}

/// The entries of a mapping as (key, value).
fn entries(yaml: &Yaml) -> Vec<(String, &Yaml)> {
    yaml.as_hash()
        .map(|hash| hash.iter().map(|(k, v)| (text(k), v)).collect())
        .unwrap_or_default()
}

fn is_action(uses: &str) -> bool {
    uses.starts_with("tooljet-gitsync-action/")
        || uses.starts_with("docker://ghcr.io/tooljet-gitsync-action/")
        || uses == "./"
}

/// A workflow's triggers, whether `on:` is a word, a list or a mapping.
fn triggers(workflow: &Yaml) -> Vec<String> {
    match &workflow["on"] {
        Yaml::Hash(_) => entries(&workflow["on"])
            .into_iter()
            .map(|(k, _)| k)
            .collect(),
        Yaml::Array(items) => items.iter().map(text).collect(),
        other => vec![text(other)],
    }
}

/// One job of a workflow that uses the action: whether it writes to an instance, its
/// environment and concurrency.
struct GitHubJob {
    name: String,
    writes: bool,
    uses_action: bool,
    environment: String,
    group: String,
    cancels: bool,
}

fn github_jobs(workflow: &Yaml) -> Vec<GitHubJob> {
    entries(&workflow["jobs"])
        .into_iter()
        .map(|(name, job)| {
            let actions: Vec<&Yaml> = job["steps"]
                .as_vec()
                .map(|steps| {
                    steps
                        .iter()
                        .filter(|step| is_action(&text(&step["uses"])))
                        .collect()
                })
                .unwrap_or_default();
            let writes = actions.iter().any(|step| {
                let operation = text(&step["with"]["operation"]);
                !READ_ONLY.contains(&operation.as_str()) && text(&step["with"]["dry-run"]) != "true"
            });
            GitHubJob {
                name,
                writes,
                uses_action: !actions.is_empty(),
                environment: named(job, "environment"),
                group: match &job["concurrency"] {
                    Yaml::Hash(_) => text(&job["concurrency"]["group"]),
                    other => text(other),
                },
                cancels: text(&job["concurrency"]["cancel-in-progress"]) == "true",
            }
        })
        .collect()
}

/// `pull_request` runs the pull request's own copy of the workflow: no job may name a secret.
fn pull_request_problems(name: &str, workflow: &Yaml) -> Vec<String> {
    if !triggers(workflow).iter().any(|t| t == "pull_request") {
        return Vec::new();
    }
    entries(&workflow["jobs"])
        .into_iter()
        .filter(|(_, job)| {
            scalars(job)
                .iter()
                .any(|s| s.contains("secrets.") || s == "secrets")
        })
        .map(|(job, _)| format!("{name}: job `{job}` runs on pull_request and names a secret"))
        .collect()
}

/// What checks out or runs code a pull request controls, in a shell script.
fn runs_pull_request_code(script: &str) -> Option<&'static str> {
    const CHECKOUTS: [&str; 7] = [
        "git checkout",
        "git switch",
        "git worktree",
        "git reset",
        "git restore",
        "git clone",
        "gh pr checkout",
    ];
    const RUNNERS: [&str; 14] = [
        "./", "bash ", "sh ", "source ", ". ", "make", "npm ", "npx ", "yarn ", "pnpm ", "pip ",
        "python", "node ", "cargo ",
    ];
    if script.contains("${{") {
        return Some("puts `${{ }}` in a shell script (pass it through `env:`)");
    }
    for line in script.lines().map(str::trim_start) {
        if CHECKOUTS.iter().any(|command| line.contains(command)) {
            return Some("checks out code in a shell script");
        }
        if RUNNERS.iter().any(|runner| line.starts_with(runner)) {
            return Some("runs a program from the workspace");
        }
    }
    None
}

/// `pull_request_target` runs with the default branch's secrets: the pull request's files are
/// data, never code.
fn pull_request_target_problems(name: &str, workflow: &Yaml) -> Vec<String> {
    if !triggers(workflow)
        .iter()
        .any(|t| t == "pull_request_target")
    {
        return Vec::new();
    }
    let mut problems = Vec::new();
    for (job, spec) in entries(&workflow["jobs"]) {
        for step in spec["steps"].as_vec().into_iter().flatten() {
            let uses = text(&step["uses"]);
            let mut problem = |what: &str| {
                problems.push(format!("{name}: job `{job}` on pull_request_target {what}"));
            };
            if uses.starts_with("actions/checkout") {
                if !text(&step["with"]["ref"]).is_empty() {
                    problem("checks out the pull request (`ref:`)");
                }
                if text(&step["with"]["persist-credentials"]) != "false" {
                    problem("keeps the checkout's credentials (set persist-credentials: false)");
                }
            }
            if uses.starts_with("./") {
                problem("runs an action from the workspace");
            }
            if uses.starts_with("actions/cache") {
                problem("uses a cache");
            }
            if let Some(what) = runs_pull_request_code(&text(&step["run"])) {
                problem(what);
            }
        }
    }
    problems
}

/// Every writer holds `tooljet-<its environment>` without cancelling; `writer_groups` are all
/// the examples' writers' groups, which no other job may hold.
fn concurrency_problems(name: &str, workflow: &Yaml, writer_groups: &[String]) -> Vec<String> {
    let mut problems = Vec::new();
    for job in github_jobs(workflow) {
        let own = format!("tooljet-{}", job.environment);
        let at = format!("{name}: job `{}`", job.name);
        if job.writes {
            if job.environment.is_empty() {
                problems.push(format!(
                    "{at} writes to an instance but names no environment"
                ));
            } else if job.group != own {
                problems.push(format!(
                    "{at} writes to `{}` in concurrency group {:?}, not {own:?}",
                    job.environment, job.group
                ));
            }
            if job.cancels {
                problems.push(format!("{at} cancels a writer in progress"));
            }
        } else if job.uses_action && !job.group.is_empty() && writer_groups.contains(&job.group) {
            problems.push(format!(
                "{at} only reads but holds the writers' group {:?}: a burst of reads would cancel a pending write",
                job.group
            ));
        }
    }
    problems
}

/// A GitLab job as the template include and the job's own keys make it.
struct GitLabJob {
    name: String,
    operation: String,
    writes: bool,
    environment: String,
    resource_group: String,
    merge_request: bool,
    /// Everything the job says, its include's inputs and what it extends included.
    words: Vec<String>,
}

fn gitlab_jobs(pipeline: &Yaml) -> Vec<GitLabJob> {
    let includes: Vec<&Yaml> = pipeline["include"]
        .as_vec()
        .map(|items| items.iter().collect())
        .unwrap_or_default();
    let input_of = |job: &str| {
        includes
            .iter()
            .map(|include| &include["inputs"])
            .find(|inputs| text(&inputs["job-name"]) == job)
    };
    entries(pipeline)
        .into_iter()
        .filter(|(name, job)| !name.starts_with('.') && job.as_hash().is_some())
        .filter(|(name, _)| {
            !["include", "stages", "variables", "default", "workflow"].contains(&name.as_str())
        })
        .map(|(name, job)| {
            let extended: Vec<&Yaml> = match &job["extends"] {
                Yaml::Array(items) => items.iter().map(|e| &pipeline[text(e).as_str()]).collect(),
                Yaml::String(e) => vec![&pipeline[e.as_str()]],
                _ => Vec::new(),
            };
            let inputs = input_of(&name);
            let mut words = scalars(job);
            words.extend(extended.iter().flat_map(|e| scalars(e)));
            words.extend(inputs.map(scalars).unwrap_or_default());
            let rules: Vec<String> = std::iter::once(job)
                .chain(extended.iter().copied())
                .flat_map(|j| scalars(&j["rules"]))
                .collect();
            let operation = inputs.map(|i| text(&i["operation"])).unwrap_or_default();
            let dry = inputs.is_some_and(|i| text(&i["dry-run"]) == "true");
            GitLabJob {
                writes: inputs.is_some() && !READ_ONLY.contains(&operation.as_str()) && !dry,
                operation,
                environment: named(job, "environment"),
                resource_group: text(&job["resource_group"]),
                merge_request: rules.iter().any(|r| r.contains("merge_request_event")),
                words,
                name,
            }
        })
        .collect()
}

fn gitlab_problems(name: &str, pipeline: &Yaml) -> Vec<String> {
    let jobs = gitlab_jobs(pipeline);
    let mut problems = Vec::new();
    for job in &jobs {
        let at = format!("{name}: job `{}`", job.name);
        let own = format!("tooljet-{}", job.environment);
        if job.writes && job.resource_group != own {
            problems.push(format!(
                "{at} writes to `{}` with resource_group {:?}, not {own:?}",
                job.environment, job.resource_group
            ));
        }
        if !job.writes && !job.resource_group.is_empty() {
            problems.push(format!(
                "{at} only reads but holds resource_group {:?}",
                job.resource_group
            ));
        }
        if job.merge_request && job.words.iter().any(|w| w.contains(TOKEN_VARIABLE)) {
            problems.push(format!(
                "{at} runs for merge requests and names {TOKEN_VARIABLE}"
            ));
        }
        if job.merge_request && !job.operation.is_empty() && job.operation != "diff" {
            problems.push(format!(
                "{at} runs `{}` for merge requests, which get only `diff`",
                job.operation
            ));
        }
    }
    problems
}

/// The calls of the Jenkins step in `text`: where each starts, and its arguments.
fn jenkins_calls(text: &str) -> Vec<(usize, &str)> {
    text.match_indices("toolJetGitSync(")
        .map(|(at, call)| {
            let rest = text.get(at + call.len()..).unwrap_or_default();
            (at, rest.split(')').next().unwrap_or_default())
        })
        .collect()
}

/// The blocks `opener … { … }` in `text`, as byte ranges, for each `opener` found.
fn blocks(text: &str, opener: &str) -> Vec<(String, std::ops::Range<usize>)> {
    text.match_indices(opener)
        .filter_map(|(at, _)| {
            let open = at + text.get(at..)?.find('{')?;
            let mut depth = 0;
            for (offset, c) in text.get(open..)?.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' => depth -= 1,
                    _ => {}
                }
                if depth == 0 {
                    return Some((text.get(at..open)?.to_owned(), at..open + offset));
                }
            }
            None
        })
        .collect()
}

/// A Jenkins step argument's quoted value (`instance: 'staging'` -> `staging`).
fn argument(call: &str, name: &str) -> Option<String> {
    let (_, rest) = call.split_once(&format!("{name}:"))?;
    Some(
        rest.trim_start()
            .trim_start_matches(['\'', '"'])
            .split(['\'', '"'])
            .next()?
            .to_owned(),
    )
}

fn jenkins_problems(name: &str, text: &str, every_branch_runs_it: bool) -> Vec<String> {
    let mut problems = Vec::new();
    if every_branch_runs_it {
        for reach in ["credentialsId", "withCredentials", "credentials("] {
            if text.contains(reach) {
                problems.push(format!(
                    "{name}: every branch runs it, and it names `{reach}`"
                ));
            }
        }
    }
    let locks = blocks(text, "lock(");
    for (at, call) in jenkins_calls(text) {
        let operation = argument(call, "operation").unwrap_or_default();
        if every_branch_runs_it && operation != "diff" {
            problems.push(format!(
                "{name}: every branch runs it, and it runs `{operation}`"
            ));
        }
        let writes = !READ_ONLY.contains(&operation.as_str()) && !call.contains("dryRun: true");
        if !writes {
            continue;
        }
        let held = locks.iter().find(|(_, range)| range.contains(&at));
        let wanted = argument(call, "instance").map(|instance| format!("'tooljet-{instance}'"));
        match (held, wanted) {
            (None, _) => problems.push(format!("{name}: `{operation}` holds no lock('tooljet-…')")),
            (Some((opener, _)), Some(wanted)) if !opener.contains(&wanted) => problems.push(
                format!("{name}: `{operation}` holds {opener:?}, not the lock {wanted}"),
            ),
            (Some((opener, _)), _) if !opener.contains("'tooljet-") => problems.push(format!(
                "{name}: `{operation}` holds {opener:?}, no tooljet- lock"
            )),
            _ => {}
        }
    }
    let timeouts = blocks(text, "timeout(");
    for (at, _) in text.match_indices("input message:") {
        if !timeouts.iter().any(|(_, range)| range.contains(&at)) {
            problems.push(format!(
                "{name}: an approval (`input`) waits without a timeout"
            ));
        }
    }
    problems
}

fn github_workflows() -> Vec<(String, Yaml)> {
    files_under("examples/workflows")
        .into_iter()
        .map(|name| {
            let workflow = yaml(&read(&name));
            (name, workflow)
        })
        .collect()
}

/// Every writer's group across the examples, for the rule that readers hold none of them.
fn writer_groups(workflows: &[(String, Yaml)]) -> Vec<String> {
    workflows
        .iter()
        .flat_map(|(_, workflow)| github_jobs(workflow))
        .filter(|job| job.writes)
        .map(|job| job.group)
        .collect()
}

#[test]
fn the_github_examples_keep_the_token_from_pull_requests_and_one_writer_per_instance() {
    let workflows = github_workflows();
    let groups = writer_groups(&workflows);
    let mut problems = Vec::new();
    for (name, workflow) in &workflows {
        problems.extend(pull_request_problems(name, workflow));
        problems.extend(pull_request_target_problems(name, workflow));
        problems.extend(concurrency_problems(name, workflow, &groups));
    }
    assert!(problems.is_empty(), "{problems:#?}");
    let writers = workflows
        .iter()
        .flat_map(|(_, w)| github_jobs(w))
        .filter(|job| job.writes)
        .count();
    assert!(writers >= 8, "the writers were found: {writers}");
}

#[test]
fn the_gitlab_examples_hold_a_resource_group_per_instance_and_keep_the_token_from_merge_requests() {
    let mut merge_request_jobs = 0;
    for name in [
        "examples/other-ci/.gitlab-ci.yml",
        "examples/other-ci/gitops.gitlab-ci.yml",
    ] {
        let pipeline = yaml(&read(name));
        let problems = gitlab_problems(name, &pipeline);
        assert!(problems.is_empty(), "{problems:#?}");
        merge_request_jobs += gitlab_jobs(&pipeline)
            .iter()
            .filter(|job| job.merge_request)
            .count();
    }
    assert!(merge_request_jobs >= 2, "the merge request jobs were found");
}

#[test]
fn the_jenkinsfiles_keep_credentials_from_branches_lock_each_write_and_time_out_approvals() {
    let jenkinsfiles: Vec<String> = files_under("examples/other-ci")
        .into_iter()
        .filter(|name| name.contains("Jenkinsfile"))
        .collect();
    assert!(jenkinsfiles.len() >= 3, "{jenkinsfiles:?}");
    for name in &jenkinsfiles {
        let problems = jenkins_problems(
            name,
            &read(name),
            BRANCH_JENKINSFILES.contains(&name.as_str()),
        );
        assert!(problems.is_empty(), "{problems:#?}");
    }
}

/// Each check trips on the slip it is there for.
mod slips {
    use super::*;

    fn github(snippet: &str) -> Vec<String> {
        let workflow = yaml(snippet);
        let groups = writer_groups(&[("w".to_owned(), workflow.clone())]);
        let mut problems = pull_request_problems("w", &workflow);
        problems.extend(pull_request_target_problems("w", &workflow));
        problems.extend(concurrency_problems("w", &workflow, &groups));
        problems
    }

    fn tripped(problems: &[String], what: &str) {
        assert!(
            problems.iter().any(|p| p.contains(what)),
            "no problem says {what:?}: {problems:#?}"
        );
    }

    #[test]
    fn a_pull_request_job_that_names_a_secret() {
        let problems = github(
            "on: pull_request\njobs:\n  plan:\n    steps:\n      - run: echo\n        env:\n          T: ${{ secrets.TOOLJET_ACCESS_TOKEN }}\n",
        );
        tripped(&problems, "runs on pull_request and names a secret");
        let inherited = github(
            "on: [pull_request]\njobs:\n  call:\n    uses: ./.github/workflows/x.yml\n    secrets: inherit\n",
        );
        tripped(&inherited, "names a secret");
    }

    #[test]
    fn a_pull_request_target_job_that_checks_out_or_runs_the_pull_request() {
        let checkout = github(
            "on:\n  pull_request_target:\njobs:\n  plan:\n    steps:\n      - uses: actions/checkout@v7\n        with:\n          ref: ${{ github.event.pull_request.head.sha }}\n",
        );
        tripped(&checkout, "checks out the pull request");
        tripped(&checkout, "persist-credentials");
        let fetched = github(
            "on: pull_request_target\njobs:\n  plan:\n    steps:\n      - run: |\n          git fetch origin \"$SHA\"\n          git checkout FETCH_HEAD\n",
        );
        tripped(&fetched, "checks out code in a shell script");
        let ran = github(
            "on: pull_request_target\njobs:\n  plan:\n    steps:\n      - run: ./scripts/plan.sh\n      - uses: ./\n      - uses: actions/cache@v4\n",
        );
        tripped(&ran, "runs a program from the workspace");
        tripped(&ran, "runs an action from the workspace");
        tripped(&ran, "uses a cache");
        let text = github(
            "on: pull_request_target\njobs:\n  plan:\n    steps:\n      - run: echo \"${{ github.event.pull_request.title }}\"\n",
        );
        tripped(&text, "`${{ }}` in a shell script");
    }

    #[test]
    fn two_writers_to_one_instance_in_different_groups() {
        let writer = |group: &str| {
            format!(
                "    environment: production\n    concurrency:\n      group: {group}\n      cancel-in-progress: false\n    steps:\n      - uses: tooljet-gitsync-action/tooljet-gitsync-action@v1\n        with:\n          operation: deploy\n"
            )
        };
        let problems = github(&format!(
            "on: push\njobs:\n  a:\n{}  b:\n{}",
            writer("tooljet-production"),
            writer("tooljet-production-Inventory")
        ));
        tripped(&problems, "not \"tooljet-production\"");
        assert_eq!(problems.len(), 1, "{problems:#?}");
        let cancelling = github(
            "on: push\njobs:\n  a:\n    environment: staging\n    concurrency:\n      group: tooljet-staging\n      cancel-in-progress: true\n    steps:\n      - uses: ./\n        with:\n          operation: apply\n",
        );
        tripped(&cancelling, "cancels a writer in progress");
    }

    #[test]
    fn a_plan_in_a_writers_group() {
        let problems = github(
            "on: push\njobs:\n  apply:\n    environment: staging\n    concurrency: tooljet-staging\n    steps:\n      - uses: ./\n        with:\n          operation: apply\n  plan:\n    environment: staging\n    concurrency: tooljet-staging\n    steps:\n      - uses: ./\n        with:\n          operation: apply\n          dry-run: true\n",
        );
        tripped(&problems, "only reads but holds the writers' group");
    }

    const INCLUDE: &str = "include:\n  - remote: https://example.com/t.yml\n    inputs:\n      job-name: apply-production\n      operation: apply\n  - remote: https://example.com/t.yml\n    inputs:\n      job-name: plan\n      operation: check\n";

    #[test]
    fn a_gitlab_writer_without_its_resource_group_and_a_plan_with_one() {
        let pipeline = format!(
            "{INCLUDE}apply-production:\n  environment: {{ name: production }}\n  resource_group: tooljet-production-inventory\nplan:\n  environment: production\n  resource_group: tooljet-production\n"
        );
        let problems = gitlab_problems("g", &yaml(&pipeline));
        tripped(&problems, "not \"tooljet-production\"");
        tripped(&problems, "only reads but holds resource_group");
    }

    #[test]
    fn a_gitlab_merge_request_job_that_names_the_token_or_plans() {
        let pipeline = format!(
            "{INCLUDE}.mr:\n  rules:\n    - if: $CI_PIPELINE_SOURCE == \"merge_request_event\"\napply-production:\n  environment: production\n  resource_group: tooljet-production\nplan:\n  extends: .mr\n  variables:\n    TOKEN: $TOOLJET_ACCESS_TOKEN\n"
        );
        let problems = gitlab_problems("g", &yaml(&pipeline));
        tripped(
            &problems,
            "runs for merge requests and names TOOLJET_ACCESS_TOKEN",
        );
        tripped(&problems, "runs `check` for merge requests");
    }

    #[test]
    fn a_branch_jenkinsfile_with_a_credential_an_unlocked_write_and_an_endless_approval() {
        let branch = "toolJetGitSync(operation: 'check', instance: 'production', credentialsId: 'tooljet-production-token')";
        let problems = jenkins_problems("J", branch, true);
        tripped(&problems, "names `credentialsId`");
        tripped(&problems, "runs `check`");
        let main = "stage('x') { steps {\n  input message: 'Apply?'\n  lock('tooljet-staging') {\n    toolJetGitSync(operation: 'apply', instance: 'production', credentialsId: 'p')\n  }\n  toolJetGitSync(operation: 'deploy', appName: 'A', credentialsId: 'p')\n} }";
        let problems = jenkins_problems("J", main, false);
        tripped(&problems, "not the lock 'tooljet-production'");
        tripped(&problems, "`deploy` holds no lock");
        tripped(&problems, "waits without a timeout");
        let fine = "timeout(time: 1, unit: 'HOURS') { input message: 'Apply?' }\nlock('tooljet-production') { toolJetGitSync(operation: 'apply', instance: 'production', credentialsId: 'p') }";
        assert_eq!(jenkins_problems("J", fine, false), Vec::<String>::new());
    }
}
