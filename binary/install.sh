#!/usr/bin/env bash
# The binary variant's first step (binary/action.yml): puts the release's static binary for this
# runner in the tool cache, once, and says where it is (`binary=<path>` in GITHUB_OUTPUT).
#  - The asset is picked for runner.os and runner.arch: Linux X64 or Linux ARM64.
#  - It runs only bytes whose SHA-256 is the one pinned below, in this file, by the release
#    commit; never a sum read from the release itself, so a moved tag or a replaced asset fails.
#    A cached copy is checked again before every use.
#  - Where `gh` can, it also verifies the release workflow's build attestation
#    (verify-attestation: auto, true or false).
#  - A copy that is not a release (@main, a branch, a fork) pins nothing: it builds the binary
#    from its own source with cargo, or refuses if cargo is not there.
# Its settings come from the step's environment, never from text spliced into the script:
#   TOOLJET_GITSYNC_OS, TOOLJET_GITSYNC_ARCH   runner.os, runner.arch
#   TOOLJET_GITSYNC_BINARY_URL                 the binary-url input ('' for the release page)
#   TOOLJET_GITSYNC_VERIFY_ATTESTATION         the verify-attestation input
#   GH_TOKEN                                   for gh, the job's token
# and the runner's RUNNER_TOOL_CACHE, RUNNER_TEMP, GITHUB_SERVER_URL and GITHUB_OUTPUT.
set -euo pipefail

# Pinned by the release commit (.ci/pin-other-ci); empty on main, which is not a release.
RELEASE=''
SHA256_LINUX_X64=''
SHA256_LINUX_ARM64=''

REPOSITORY=tooljet-gitsync-action/tooljet-gitsync-action
NAME=tooljet-gitsync-action

# A workflow command's data with its escapes (%, CR, LF), as the runner reads it.
escape() {
  local text=${1//%/%25}
  text=${text//$'\r'/%0D}
  printf '%s' "${text//$'\n'/%0A}"
}
fail() {
  echo "::error title=tooljet-gitsync-action/binary::$(escape "$1")"
  exit 1
}
warn() { echo "::warning title=tooljet-gitsync-action/binary::$(escape "$1")"; }

os=${TOOLJET_GITSYNC_OS:?runner.os} arch=${TOOLJET_GITSYNC_ARCH:?runner.arch}
binary_url=${TOOLJET_GITSYNC_BINARY_URL:-}
verify=${TOOLJET_GITSYNC_VERIFY_ATTESTATION:-auto}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
case $verify in
  auto | true | false) ;;
  *) fail "verify-attestation must be auto, true or false; got '$verify'" ;;
esac

# The platforms this copy can run on, as runner.os and runner.arch name them.
platforms=()
if [[ -z $RELEASE ]]; then
  platforms=("Linux X64" "Linux ARM64")
else
  [[ -n $SHA256_LINUX_X64 ]] && platforms+=("Linux X64")
  [[ -n $SHA256_LINUX_ARM64 ]] && platforms+=("Linux ARM64")
fi
case "$os $arch" in
  "Linux X64") asset=$NAME-linux-amd64 sum=$SHA256_LINUX_X64 cache_arch=x64 ;;
  "Linux ARM64") asset=$NAME-linux-arm64 sum=$SHA256_LINUX_ARM64 cache_arch=arm64 ;;
  *) asset='' sum='' cache_arch='' ;;
esac
if [[ -z $asset ]] || [[ -n $RELEASE && -z $sum ]]; then
  have=$(printf '%s and ' ${platforms[@]+"${platforms[@]}"})
  elsewhere=''
  [[ $os != Linux ]] && elsewhere=' Run this step in a Linux job (runs-on: ubuntu-latest, ubuntu-24.04-arm or ubuntu-slim).'
  fail "There is no binary for $os $arch: $NAME ${RELEASE:-(built from source)} has binaries for ${have% and } only.$elsewhere The README's \"Where it runs\" says what to use where"
fi

out() { echo "binary=$1" >>"$GITHUB_OUTPUT"; }

# Not a release: build from this copy's source, as the container action's image: Dockerfile does.
# What a release's download is asked to do cannot be done here: said, never skipped silently.
if [[ -z $RELEASE ]]; then
  [[ -n $binary_url ]] &&
    fail "binary-url names where a release's binary is downloaded from, and this copy of the action is not a release (@main, a branch or a fork): it builds from source. Use a release (uses: $REPOSITORY/binary@v1), or leave binary-url out"
  [[ $verify == true ]] &&
    fail "verify-attestation: true checks a release's build attestation, and this copy of the action is not a release (@main, a branch or a fork): it builds from source. Use a release (uses: $REPOSITORY/binary@v1)"
  command -v cargo >/dev/null ||
    fail "This copy of the action is not a release (@main, a branch or a fork), so it pins no binary, and cargo is not on this runner to build one from source. Use a release: uses: $REPOSITORY/binary@v1"
  root=$(dirname "$here")
  target=${CARGO_TARGET_DIR:-$root/target}
  echo "::group::Not a release: building $NAME from source with cargo ($root)"
  # The crates' build scripts run here: the job's tokens stay out of their reach.
  env -u GH_TOKEN -u GITHUB_TOKEN -u ACTIONS_RUNTIME_TOKEN -u ACTIONS_ID_TOKEN_REQUEST_TOKEN \
    cargo build --release --locked --manifest-path "$root/Cargo.toml" --target-dir "$target" \
    -p "$NAME" --bin "$NAME" >&2
  echo "::endgroup::"
  out "$target/release/$NAME"
  exit 0
fi

sha256() { sha256sum "$1" | cut -d ' ' -f 1; }

# The tool cache's layout (<tool>/<version>/<arch>), where the runner keeps it; else this job's
# temporary directory.
dir=${RUNNER_TOOL_CACHE:-}/$NAME/${RELEASE#v}/$cache_arch
if [[ -z ${RUNNER_TOOL_CACHE:-} ]] || ! mkdir -p "$dir" 2>/dev/null || [[ ! -w $dir ]]; then
  dir=${RUNNER_TEMP:?RUNNER_TEMP}/$NAME/${RELEASE#v}/$cache_arch
  mkdir -p "$dir"
fi
binary=$dir/$NAME
cached=false
if [[ -f $binary && $(sha256 "$binary") == "$sum" ]]; then
  cached=true
fi
[[ $cached == false && -e $binary ]] && echo "The cached $binary does not have the sha256 $RELEASE pins: downloading it again"

base=${binary_url:-https://github.com/$REPOSITORY/releases/download/$RELEASE}
base=${base//\{tag\}/$RELEASE}
url=${base%/}/$asset
# A mirror's URL may carry a user and password (up to the host's last @): never printed, nor
# any part of them that a tool's own message quotes.
userinfo=$(sed -nE 's#^[a-zA-Z][a-zA-Z0-9+.-]*://([^/]*)@.*#\1#p' <<<"$url")
hide() {
  local text=$1
  [[ -n $userinfo ]] && text=${text//"$userinfo"/***}
  printf '%s' "$text"
}
shown=$(hide "$url")
# curl reads the lower-case http_proxy only; the action's own binary reads HTTP_PROXY too.
if [[ -z ${http_proxy:-} && -n ${HTTP_PROXY:-} ]]; then
  export http_proxy=$HTTP_PROXY
fi

download() {
  local said
  case $url in
    file://*) said=$(cp -- "${url#file://}" "$part" 2>&1) || fail "Could not copy $shown: $(hide "$said")" ;;
    *)
      if command -v curl >/dev/null; then
        # --globoff: braces and brackets in a password are text, not a pattern to expand.
        said=$(curl -fsSL --globoff --retry 3 --retry-connrefused --connect-timeout 30 \
          --max-time 600 --max-filesize $((64 * 1024 * 1024)) -o "$part" -- "$url" 2>&1) ||
          fail "Could not download $shown (curl exit $?: $(hide "$(tail -n 1 <<<"$said")")). Behind a proxy, set HTTPS_PROXY (or http_proxy); for a mirror with a private CA, CURL_CA_BUNDLE"
      elif command -v wget >/dev/null; then
        said=$(wget -q --tries=3 --timeout=60 -O "$part" -- "$url" 2>&1) ||
          fail "Could not download $shown (wget exit $?: $(hide "$(tail -n 1 <<<"$said")"))"
      else
        fail "Neither curl nor wget is on this runner, so $shown cannot be downloaded"
      fi
      ;;
  esac
}

if [[ $cached == false ]]; then
  part=$(mktemp "$dir/.$NAME.XXXXXX")
  trap 'rm -f "$part"' EXIT
  echo "Downloading $NAME $RELEASE for $os $arch from $shown"
  download
  got=$(sha256 "$part")
  if [[ $got != "$sum" ]]; then
    fail "$shown is not the binary $RELEASE pins: its sha256 is $got, not $sum. Nothing was run. A release's assets never change: a mirror (binary-url) serving another release, or an asset replaced after the release, looks like this"
  fi
else
  # The cached copy is what is checked: with verify-attestation: true, on every use.
  part=$binary
  echo "$NAME $RELEASE for $os $arch from the tool cache, $binary: sha256 $sum, as this release pins"
fi

# The build attestation: the release workflow of $REPOSITORY built these bytes.
attest() {
  local said
  if said=$(gh attestation verify "$part" --repo "$REPOSITORY" 2>&1); then
    echo "gh verified the build attestation: built by $REPOSITORY's release workflow"
  elif [[ $verify == true ]]; then
    fail "gh could not verify the build attestation of $shown (verify-attestation: true): $(tail -n 1 <<<"$said")"
  else
    warn "gh could not verify the build attestation of $shown ($(tail -n 1 <<<"$said")); it runs, as its sha256 is the one $RELEASE pins. verify-attestation: true makes this an error, false skips the check"
  fi
}
if [[ $verify == false ]] || [[ $cached == true && $verify == auto ]]; then
  :
elif ! command -v gh >/dev/null; then
  [[ $verify == true ]] && fail "verify-attestation: true needs the GitHub CLI (gh) on the runner, and it is not there"
  echo "No gh on this runner: the build attestation is not checked (the pinned sha256 is)"
elif [[ $verify == auto && ${GITHUB_SERVER_URL:-https://github.com} != https://github.com ]]; then
  echo "On $GITHUB_SERVER_URL: the build attestation, kept on github.com, is not checked (the pinned sha256 is); verify-attestation: true checks it"
else
  attest
fi

if [[ $cached == false ]]; then
  chmod 755 "$part"
  mv -f "$part" "$binary"
  echo "$NAME $RELEASE for $os $arch: sha256 $sum, as this release pins; cached at $binary"
fi
out "$binary"
