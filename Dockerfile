# The action's image: one statically linked binary and a CA bundle, nothing else.
#
# GitHub builds this file as it is (`image: Dockerfile`), so the builder defaults to the public
# Rust image, pinned by digest (Dependabot keeps it current). Where no registry is reachable,
# pass a local one:
#   podman build --network=host --build-arg BUILDER_IMAGE=localhost/rust-builder:1.95.0 .
ARG BUILDER_IMAGE=docker.io/library/rust:1.95.0-slim-bookworm@sha256:d7482085ff5b415f84dba5647ae71606650bdef00db7aeb69f4b3d170c3e4082

FROM ${BUILDER_IMAGE} AS build
WORKDIR /src
# glibc, statically linked, so that the binary runs in an empty image. The explicit --target
# keeps +crt-static off build scripts and proc macros.
ENV RUSTFLAGS="-C target-feature=+crt-static" \
    CARGO_TERM_COLOR=never

# One RUN and a small layer. A hosted runner keeps no layer cache, so every job builds cold; a
# separate dependency layer made that build 16% slower (its 170 MB commit, and the crate
# compiled only after the last dependency instead of beside it) to speed up warm rebuilds
# that only a self-hosted runner or a contributor's machine ever sees.
# action.yml is compiled in: --help lists its inputs. build.rs stamps SOURCE_COMMIT into
# --version (there is no .git here); the release workflow passes it.
ARG SOURCE_COMMIT=""
COPY Cargo.toml Cargo.lock action.yml build.rs ./
COPY harness/Cargo.toml harness/
COPY bench/Cargo.toml bench/
COPY src ./src
RUN mkdir harness/src bench/src && touch harness/src/lib.rs bench/src/main.rs \
 && target="$(uname -m)-unknown-linux-gnu" \
 && cargo build --release --locked -p tooljet-gitsync-action --bin tooljet-gitsync-action --target "$target" \
 && cp "target/$target/release/tooljet-gitsync-action" /tooljet-gitsync-action \
 && rm -rf target "${CARGO_HOME:-$HOME/.cargo}/registry"

# The shell variant's static busybox: the local builder has Debian's busybox-static already;
# the public Rust image gets it from Debian.
FROM ${BUILDER_IMAGE} AS busybox
# hadolint ignore=DL3008
RUN if [ ! -x /bin/busybox ]; then \
      apt-get update && apt-get install -y --no-install-recommends busybox-static \
      && rm -rf /var/lib/apt/lists/*; \
    fi \
 && /bin/busybox --help >/dev/null

# What both images carry: their labels and the CA bundle. VERSION is kept equal to Cargo.toml's
# (a test checks); the release workflow stamps the tag's.
FROM scratch AS base
ARG VERSION=0.1.0
LABEL org.opencontainers.image.title="tooljet-gitsync-action" \
      org.opencontainers.image.description="Runs ToolJet GitSync CI/CD operations from GitHub Actions, GitLab CI and Jenkins" \
      org.opencontainers.image.source="https://github.com/tooljet-gitsync-action/tooljet-gitsync-action" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.licenses="MIT"
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt

# `podman build --target shell`: the same binary with a static busybox (sh, cat, coreutils) and
# no distribution, for CIs that run a job's script in its image (GitLab's docker executor,
# Jenkins' docker agents). No ENTRYPOINT, so neither needs an override; any uid can run it.
FROM base AS shell
LABEL org.opencontainers.image.title="tooljet-gitsync-action-shell" \
      org.opencontainers.image.description="tooljet-gitsync-action with a POSIX shell, for GitLab CI and Jenkins"
COPY --from=busybox /bin/busybox /bin/busybox
RUN ["/bin/busybox", "sh", "-c", "/bin/busybox --install -s /bin && mkdir -m 1777 /tmp"]
COPY --from=build /tooljet-gitsync-action /usr/local/bin/tooljet-gitsync-action
ENV PATH=/usr/local/bin:/bin
CMD ["/bin/sh"]

# The default image, last so that `image: Dockerfile` builds it.
FROM base
COPY --from=build /tooljet-gitsync-action /tooljet-gitsync-action
# The runner needs root (no USER) to write the workspace and file-command files, and sets the
# working directory itself; the binary is PID 1 and handles SIGTERM and SIGINT.
ENTRYPOINT ["/tooljet-gitsync-action"]
