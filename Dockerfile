# syntax=docker/dockerfile:1
# Build a static feedd binary, then ship it alone on a minimal non-root image.
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
COPY --from=build --chown=65532:65532 /out/data /data
COPY config.yaml /etc/feedd/config.yaml
ENV FEEDD_ADMIN_TOKEN=""
USER 65532:65532
VOLUME ["/data"]
EXPOSE 8080
WORKDIR /data
ENTRYPOINT ["/usr/local/bin/feedd"]
CMD ["serve", "--config", "/etc/feedd/config.yaml", "--addr", "0.0.0.0:8080"]
