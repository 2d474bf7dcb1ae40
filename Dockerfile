# syntax=docker/dockerfile:1
# feedd in a container: a static binary (CGO_ENABLED=0; the SQLite driver is
# pure Go) on distroless, run as a non-root user, its SQLite database in the
# /data volume.
#
#   docker build -t feedd .
#   docker run -p 8080:8080 -v feedd-data:/data \
#       -e FEEDD_ADMIN_TOKEN=... -e FEEDD_BASE_URL=https://blog.example.org feedd
#
# Configuration: /etc/feedd/config.yaml (deploy/config.yaml, SQLite in
# /data); mount a file of your own there to change it (-v
# ./config.yaml:/etc/feedd/config.yaml:ro). The file may name environment
# variables as ${VAR}, e.g. store: {driver: postgres, dsn: ${FEEDD_DSN}}.
# Variables read: FEEDD_ADMIN_TOKEN (the admin API's token, overrides
# admin_token), FEEDD_BASE_URL (site.base_url in the default file), and
# whichever ${VAR} a mounted file names.

FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/feedd ./cmd/feedd \
 && mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/feedd /usr/local/bin/feedd
# The volume's mount point, owned by the user that runs feedd, so that a
# new named volume starts out writable by it.
COPY --from=build --chown=65532:65532 /out/data /data
COPY deploy/config.yaml /etc/feedd/config.yaml
# distroless's "nonroot" user, by number: Kubernetes' runAsNonRoot can
# check a numeric user only.
USER 65532:65532
VOLUME ["/data"]
WORKDIR /data
EXPOSE 8080
# GET /healthz on 127.0.0.1:8080, by the binary itself: the image has no
# shell and no curl.
HEALTHCHECK --interval=30s --timeout=5s --start-period=15s --retries=3 \
  CMD ["/usr/local/bin/feedd","healthcheck"]
ENTRYPOINT ["/usr/local/bin/feedd"]
CMD ["serve", "--config", "/etc/feedd/config.yaml", "--addr", "0.0.0.0:8080"]
