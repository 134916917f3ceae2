# syntax=docker/dockerfile:1
#
# Rollcall API image.
#   docker build -t rollcall .
#   docker run -p 8080:8080 rollcall     # SQLite in /home/nonroot, mail as .eml files
# Configuration is by environment variables (see the README); docker-compose.yml
# runs it with MySQL 8.4, Redis 7 and Mailpit.

FROM golang:1.26 AS build
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
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/rollcall /usr/local/bin/rollcall
# Writable for uid 65532: the default DATABASE_URL (sqlite:rollcall.db) and
# MAIL_URL (file:mail) are relative paths and land here. Mount a volume on
# /home/nonroot to keep them across container restarts.
WORKDIR /home/nonroot
USER 65532:65532
ENV HTTP_ADDR=:8080
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/rollcall"]
