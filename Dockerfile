# Image of one service binary of the workspace (every service: same Dockerfile).
#   docker build --build-arg SERVICE=demand-catalog -t qiancheng/demand-catalog:0.1.0 .
# The binary is the image's ENTRYPOINT; the Helm charts pass only the subcommand
# as args: serve (Deployment, the default CMD), migrate and topics (migration Job).
# Migrations and the sample data are compiled into the binary.
# Needs BuildKit (Docker 23 or later: its built-in frontend, no `# syntax=` image).
#
# Base images are pinned by digest (the tag is for people): a re-pushed tag
# cannot change what we build. To move to a new one, read its digest with
# `docker buildx imagetools inspect <tag>` (or let Renovate/Dependabot propose
# it) and change tag and digest together; scripts/supply-chain.sh refuses a FROM without one.
ARG SERVICE=demand-catalog

FROM rust:1.95-bookworm@sha256:6258907abe69656e41cd992e0b705cdcfabcbbe3db374f92ed2d47121282d4a1 AS builder
ARG SERVICE
# rdkafka builds librdkafka from source with its configure script (a C toolchain
# and make), linked against Debian's OpenSSL for TLS and SCRAM (libssl-dev; the
# runtime image carries the same libssl3, with Debian's security fixes). zlib is
# built from source and linked statically (LIBZ_SYS_STATIC), so the runtime
# image needs no libz.so.1.
RUN apt-get update \
 && apt-get install -y --no-install-recommends build-essential pkg-config libssl-dev \
 && rm -rf /var/lib/apt/lists/*
ENV LIBZ_SYS_STATIC=1 \
    CARGO_TERM_COLOR=never
WORKDIR /src
COPY . .
# The caches (BuildKit) keep downloaded crates and compiled dependencies between
# builds; the binary is copied out of the cached target/ in the same step.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/usr/local/cargo/git \
    --mount=type=cache,target=/src/target,sharing=locked \
    cargo build --release --locked -p "${SERVICE}" \
 && install -D -m 0755 "target/release/${SERVICE}" /out/service

FROM gcr.io/distroless/cc-debian12:nonroot@sha256:9dac0a79194e45a7da0158a9c6da57b217585af0786db3845d1f0ec1a0dd182f
ARG SERVICE
LABEL org.opencontainers.image.title="qiancheng-${SERVICE}" \
      org.opencontainers.image.licenses="Apache-2.0"
COPY --from=builder /out/service /usr/local/bin/service
# nonroot = 65532:65532, as the charts' securityContext (numeric, so the kubelet
# can check runAsNonRoot without a runAsUser).
USER 65532:65532
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/service"]
CMD ["serve"]
