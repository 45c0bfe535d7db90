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
//	DATA/services/<name>/       the service's own data ({data}), e.g. the
//	                            PostgreSQL cluster or the Prometheus TSDB
//	DATA/logs/service-<name>.log its stdout and stderr, and init steps' output
//
// # Running as another user
//
// PostgreSQL refuses to run as root. A Definition may name a User; when the
// engine runs as root, the service's init steps and command are run as that
// user through setpriv(1) (util-linux) with --pdeathsig KILL, because a
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
