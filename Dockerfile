# syntax=docker/dockerfile:1
# unleak in a container: a build stage with the Rust toolchain, and a small runtime stage that
# holds only the binary and runs it as an unprivileged user.
#
#   docker build -t unleak .                                   # full build (AWS judge too)
#   docker build --build-arg FEATURES=scanner -t unleak .      # scanner only, builds faster
#   docker run --rm --mount type=bind,src="$(pwd)",dst=/src,readonly unleak scan .
#
# Not built on the machine this was written on (it has no Docker engine); see the README.

ARG RUST_VERSION=1.95

FROM rust:${RUST_VERSION}-slim-bookworm AS build
# `full` (default features) or `scanner` (--no-default-features: no AWS SDK).
ARG FEATURES=full
# cmake: aws-lc-sys (TLS for the AWS SDK) falls back to it on some targets. libgit2 and zlib
# are vendored and built with the C compiler the image has.
RUN apt-get update \
    && apt-get install -y --no-install-recommends cmake pkg-config \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /build
COPY . .
RUN if [ "$FEATURES" = scanner ]; then flags=--no-default-features; else flags=; fi \
    && cargo install --locked --path . --root /out $flags \
    && /out/bin/unleak --version

FROM debian:bookworm-slim AS runtime
# ca-certificates: the AWS judge talks HTTPS. No git: libgit2 is built into the binary. It
# refuses a repository owned by another user (a mounted checkout is owned by the host's uid),
# so the system git config marks mounted repositories safe.
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --create-home --home-dir /home/unleak unleak \
    && printf '[safe]\n\tdirectory = *\n' > /etc/gitconfig
COPY --from=build /out/bin/unleak /usr/local/bin/unleak
USER 10001:10001
WORKDIR /src
ENTRYPOINT ["unleak"]
CMD ["--help"]
