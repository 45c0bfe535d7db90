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

// PromPathPrefix is where the engine's API serves the kept-alive
// Prometheus's UI and API (api/prometheus.go); promon is told so, so its
// pages link under it.
const PromPathPrefix = "/prometheus"

// PromScrapeInterval is how often the bundled Prometheus (promon) scrapes on
// the local backend; its promonConfig says the same.
const PromScrapeInterval = 2 * time.Second

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

// redisConfig is Redis's configuration file: the password, and the
// commands an authenticated client must not have, since they reconfigure
// or stop the server, load code into it, or copy its data elsewhere.
// Options on the command line follow it and win.
const redisConfig = `# Written by jsorc before every start of redis; edits are lost.
requirepass {password}
rename-command CONFIG ""
rename-command DEBUG ""
rename-command MODULE ""
rename-command SLAVEOF ""
rename-command REPLICAOF ""
rename-command MIGRATE ""
rename-command SHUTDOWN ""
`

// pgHBA is PostgreSQL's client authentication file: every connection,
// over the Unix socket in the data directory or TCP on loopback, proves the
// password with SCRAM-SHA-256; nothing is trusted and no OS user maps to a
// role.
const pgHBA = `# Written by jsorc before every start of db; edits are lost.
# TYPE  DATABASE  USER  ADDRESS        METHOD
local   all       all                  scram-sha-256
host    all       all   127.0.0.1/32   scram-sha-256
host    all       all   ::1/128        scram-sha-256
`

// pgRekey sets the superuser's password in a cluster that predates it
// (trust authentication, or a deleted password file), in single-user mode:
// as a SCRAM verifier, so the password itself reaches neither the server
// nor its log, and exit_on_error makes a failure fail the step.
const pgRekey = "ALTER ROLE jsorc WITH PASSWORD '{password_scram}';\n"

// Bundled returns the definitions jsorc ships, keyed by name: redis,
// promon and db. Each runs as its Debian package's user when the engine is
// root, binds loopback, and redis and db require a password jsorc
// generates. Each call returns fresh values the caller may modify.
func Bundled() map[string]Definition {
	return map[string]Definition{
		Redis: {
			Name: Redis,
			Doc:  "Redis (redis-server): the platform's cache and queue (password required)",
			Command: []string{
				"redis-server",
				"{config}",
				"--port", "{port}",
				"--bind", "{host}",
				"--dir", "{data}",
				"--daemonize", "no",
				"--save", "",
				"--appendonly", "no",
				"--protected-mode", "yes",
			},
			User:     "redis",
			Password: true,
			Files:    []File{{Path: "redis.conf", Content: redisConfig, Mode: 0o600}},
			Probe:    Probe{Kind: ProbeRedis},
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
				// Its UI is reached through the engine's /prometheus/:
				// links and redirects carry that prefix, while it
				// serves at its root for the engine's own queries.
				"--web.external-url=http://{addr}" + PromPathPrefix + "/",
				"--web.route-prefix=/",
			},
			User:        "prometheus",
			Files:       []File{{Path: "prometheus.yml", Content: promonConfig, Mode: 0o600}},
			TargetsFile: "targets.json",
			Probe:       Probe{Kind: ProbeHTTP, Path: "/-/ready"},
		},
		DB: {
			Name:       DB,
			Doc:        "PostgreSQL: the platform's database (superuser jsorc, SCRAM-SHA-256 password)",
			SearchPath: []string{"/usr/lib/postgresql/*/bin"},
			Command: []string{
				"postgres",
				"-D", "{data}",
				"-p", "{port}",
				"-k", "{data}",
				"-c", "listen_addresses={host}",
				"-c", "password_encryption=scram-sha-256",
			},
			User:     "postgres",
			Password: true,
			Init: []Step{
				{
					Command: []string{"initdb", "-D", "{data}", "-U", "jsorc", "--pwfile={password_file}",
						"--auth=scram-sha-256", "--encoding=UTF8", "--no-locale"},
					Creates: "PG_VERSION",
				},
				{
					Command: []string{"postgres", "--single", "-c", "exit_on_error=on", "-D", "{data}", "postgres"},
					Stdin:   pgRekey,
					Rekey:   true,
				},
			},
			Files: []File{{Path: "pg_hba.conf", Content: pgHBA, Mode: 0o600}},
			Probe: Probe{Kind: ProbePostgres, User: "jsorc", Database: "postgres"},
			// SIGINT is PostgreSQL's fast shutdown; SIGTERM waits for clients.
			StopSignal: syscall.SIGINT,
			StopGrace:  10 * time.Second,
		},
	}
}
