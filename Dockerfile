# syntax=docker/dockerfile:1
#
# Rollcall API image.
#   docker build -t rollcall .
#   docker run -p 8080:8080 rollcall     # SQLite in /home/nonroot, mail as .eml files
# Configuration is by environment variables (see the README); docker-compose.yml
# runs it with MySQL 8.4, Redis 7.4 and Mailpit.
#
# Every base image is pinned (deploy_test.go checks it): the Go toolchain to
# the patch release go.mod names, the runtime by digest, since distroless
# publishes no version tags. To move the runtime on:
#   crane digest gcr.io/distroless/static-debian12:nonroot

FROM golang:1.26.8 AS build
WORKDIR /src
ENV CGO_ENABLED=0 GOFLAGS=-mod=readonly
# Dependencies first, so source edits do not re-download modules.
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod \
    go mod download
COPY . .
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/rollcall .

# Static, shell-less runtime; the :nonroot tag runs as uid/gid 65532.
FROM gcr.io/distroless/static-debian12:nonroot@sha256:afa5c872c891853ca7fcf1f12c3edb23f7eeef36189728842dd51042ff57f7ab
COPY --from=build /out/rollcall /usr/local/bin/rollcall
# Writable for uid 65532: the default DATABASE_URL (sqlite:rollcall.db) and
# MAIL_URL (file:mail) are relative paths and land here. Mount a volume on
# /home/nonroot to keep them across container restarts.
WORKDIR /home/nonroot
USER 65532:65532
ENV HTTP_ADDR=:8080
EXPOSE 8080
# There is no shell or curl in the image: the binary asks itself (GET
# /readyz on HTTP_ADDR, 2 s at most; exit 0 ready or degraded, 1 otherwise).
# start-period covers STARTUP_TIMEOUT (60 s), the wait for MySQL.
HEALTHCHECK --interval=10s --timeout=3s --start-period=90s --retries=3 \
    CMD ["/usr/local/bin/rollcall", "healthcheck"]
# A stop (SIGTERM) drains requests and closes websockets for up to
# SHUTDOWN_TIMEOUT (20 s): give it longer than that (docker stop -t 30;
# compose's stop_grace_period).
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/rollcall"]
