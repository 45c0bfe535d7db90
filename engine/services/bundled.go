package services

import (
	"syscall"
	"time"
)

// The names of the bundled services.
const (
	// Redis is redis-server, Debian package redis-server.
	Redis = "redis"
	// Promon is Prometheus, Debian package prometheus.
	Promon = "promon"
	// DB is PostgreSQL, Debian package postgresql.
	DB = "db"
)

// promonConfig is Prometheus' configuration: it scrapes itself and every
// target listed in the targets file, whose "job" label names the job.
const promonConfig = `# Written by jsorc before every start of promon; edits are lost.
global:
  scrape_interval: 2s
  scrape_timeout: 1s
  evaluation_interval: 2s
scrape_configs:
  - job_name: promon
    static_configs:
      - targets: ['{addr}']
  - job_name: jsorc
    file_sd_configs:
      - files: ['{data}/targets.json']
        refresh_interval: 1s
`

// Bundled returns the definitions jsorc ships, keyed by name: redis,
// promon and db. Each call returns fresh values the caller may modify.
func Bundled() map[string]Definition {
	return map[string]Definition{
		Redis: {
			Name: Redis,
			Doc:  "Redis (redis-server): the platform's cache and queue",
			Command: []string{
				"redis-server",
				"--port", "{port}",
				"--bind", "{host}",
				"--dir", "{data}",
				"--daemonize", "no",
				"--save", "",
				"--appendonly", "no",
				"--protected-mode", "yes",
			},
			Probe: Probe{Kind: ProbeRedis},
		},
		Promon: {
			Name: Promon,
			Doc:  "Prometheus: scrapes the engine and its action servers",
			Command: []string{
				"prometheus",
				"--config.file={config}",
				"--storage.tsdb.path={data}/tsdb",
				"--storage.tsdb.retention.time=7d",
				"--web.listen-address={addr}",
			},
			Files:       []File{{Path: "prometheus.yml", Content: promonConfig, Mode: 0o600}},
			TargetsFile: "targets.json",
			Probe:       Probe{Kind: ProbeHTTP, Path: "/-/ready"},
		},
		DB: {
			Name:       DB,
			Doc:        "PostgreSQL: the platform's database (superuser jsorc, trust auth on loopback)",
			SearchPath: []string{"/usr/lib/postgresql/*/bin"},
			Command: []string{
				"postgres",
				"-D", "{data}",
				"-p", "{port}",
				"-k", "{data}",
				"-c", "listen_addresses={host}",
			},
			User: "postgres",
			Init: []Step{{
				Command: []string{"initdb", "-D", "{data}", "-U", "jsorc", "--auth=trust", "--encoding=UTF8", "--no-locale"},
				Creates: "PG_VERSION",
			}},
			Probe: Probe{Kind: ProbePostgres, User: "jsorc", Database: "postgres"},
			// SIGINT is PostgreSQL's fast shutdown; SIGTERM waits for clients.
			StopSignal: syscall.SIGINT,
			StopGrace:  10 * time.Second,
		},
	}
}
