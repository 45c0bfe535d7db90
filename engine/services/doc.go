// Package services keeps jsorc's platform services alive on the local
// backend: redis (redis-server), promon (Prometheus) and db (PostgreSQL),
// plus user-defined ones read from a YAML file. It is JSORC's MetaService
// for one machine: every probe period it probes each service named in
// META_CONFIG's keep_alive and, when automation is on, starts, repairs and
// restarts it; with automation off it only observes.
//
// It builds on package local: every service runs as a child process under a
// local.Supervisor (process groups, Pdeathsig, exponential back-off, the
// not-installed phase). This package adds what is particular to services:
// their definitions, one-time initialisation (initdb), configuration files,
// the scrape-target file Prometheus reads, a real protocol probe per kind,
// the keep-alive period, observe-only mode and the per-service Info the
// service_info API and the console show.
//
// It knows nothing of the engine's API, of actions, of Kubernetes (a
// Definition only carries opaque manifests for the kube backend) or of the
// console.
//
// # Layout on disk
//
// Under the engine's data directory DATA:
//
//	DATA/services/<name>/          the service's own data ({data}), e.g. the
//	                               PostgreSQL cluster or the Prometheus TSDB
//	DATA/services/<name>.password  its generated password (Definition.Password):
//	                               one line, mode 0600, owned by the service's user
//	DATA/logs/service-<name>.log   its stdout and stderr, and init steps' output;
//	                               rotated (.1 … .3) at 10 MiB
//
// # Credentials
//
// The bundled redis and db require a password that jsorc generates once per
// data directory (256 bits): redis reads it from its configuration file
// (requirepass; CONFIG, DEBUG, MODULE, REPLICAOF/SLAVEOF, MIGRATE and
// SHUTDOWN are disabled), db was initialised with it as the SCRAM-SHA-256
// password of its superuser jsorc and its pg_hba.conf, rewritten before
// every start, accepts nothing else, on the Unix socket as on TCP. The
// probes authenticate (AUTH before PING; a full SCRAM exchange whose
// server signature is checked). A password never appears on a command
// line; Info names the file, never the secret. Data from before
// passwords — a PostgreSQL cluster made with trust authentication, or one
// whose password file was deleted — gets a new password at the next start
// through the definition's Rekey steps (single-user mode, given a SCRAM
// verifier), and keeps its data.
//
// # Identity
//
// After each good probe of a process it started, the Manager checks that
// the socket listening on the service's endpoint belongs to that process
// (/proc/net/tcp and the process's open files): Info.Verified. A service
// redefined with a fixed port on which something else listens may probe
// well, but is never verified; the API proxies only to a verified promon.
//
// # Running as another user
//
// No service runs as root: each bundled one names its Debian package's
// user (redis, prometheus, postgres; nobody when that user is missing). A
// Definition may name a User; when the engine runs as root, the service's
// init steps and command are run as that user through setpriv(1) (util-linux) with --pdeathsig KILL, because a
// change of user clears the parent-death signal that local.Start sets. The
// service's data directory is then owned by that user, and DATA and
// DATA/services get search permission for others (o+x, not read) so that
// the user can reach it; a directory above DATA that the user cannot search
// is reported as the service's error, naming the directory. When the engine
// is not root, User is ignored and the service runs as the engine's user.
//
// # States
//
// Info reports one State per service: ready, starting, crashed, not
// installed, unknown service (named in keep_alive without a definition, as
// JSORC's default "task" and "mail"), stopped, stopping, and, with
// automation off, observing (nothing known yet) or down (the probe fails
// and nothing will restart it).
package services
