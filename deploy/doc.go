// Package deploy holds no code: the directory keeps feedd's deployment
// files, and its tests check them without a container engine or systemd.
//
//	compose.yaml          two feedd replicas on one PostgreSQL (docker compose)
//	config.yaml           the container image's configuration (SQLite in /data)
//	config.postgres.yaml  the replicas' shared configuration
//	initdb/               the PostgreSQL container's first-start SQL
//	feedd.service         a hardened systemd unit
//
// The image itself is built by the repository's Dockerfile.
package deploy
