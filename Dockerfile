# syntax=docker/dockerfile:1
# Image of one service binary of the workspace (every service: same Dockerfile).
#   docker build --build-arg SERVICE=demand-catalog -t qiancheng/demand-catalog:0.1.0 .
# The binary is the image's ENTRYPOINT; the Helm charts pass only the subcommand
# as args: serve (Deployment, the default CMD), migrate and topics (migration Job).
# Migrations and the sample data are compiled into the binary.
ARG SERVICE=demand-catalog

FROM rust:1-bookworm AS builder
ARG SERVICE
# rdkafka builds librdkafka from source with its configure script (a C toolchain
# and make). zlib is built from source too and linked statically
# (LIBZ_SYS_STATIC), so the runtime image needs no libz.so.1.
RUN apt-get update \
 && apt-get install -y --no-install-recommends build-essential \
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

FROM gcr.io/distroless/cc-debian12:nonroot
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
