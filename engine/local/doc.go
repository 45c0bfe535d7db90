// Package local runs and supervises child processes on the engine's own
// machine: the local backend's remote action servers and platform services
// (redis-server, prometheus, postgres, …) bound to loopback. It knows nothing
// of actions, modes or HTTP; it starts programs, stops them, and keeps them
// running.
//
// # Pieces
//
//   - Expand fills "{name}" placeholders in a command line ("{port}",
//     "{data}", …); FreePort picks a loopback port for one.
//   - Start runs a Spec as a child Process; Process.Stop ends it.
//   - Supervisor keeps one Spec running: start, readiness probe, restart with
//     exponential back-off, and a State snapshot for consoles.
//
// # Process groups
//
// Every child leads its own process group (Setpgid), and the package only
// ever signals groups it created, by their id (the child's PID), and only
// while that child has not been reaped — never by name, and never a number
// the kernel may have recycled. Stop signals the whole group, so helpers the
// child forked stop with it. When the child exits on its own, whatever is
// left of its group is killed before the child is reaped. A program that
// daemonizes into a new session (setsid) escapes the group; run such
// programs in the foreground (e.g. redis-server --daemonize no).
//
// # No orphans when the engine dies
//
// Each child is started with Pdeathsig=SIGKILL, so the kernel kills it when
// the engine dies, even by kill -9. Go's caveat (see syscall.SysProcAttr):
// the signal is tied to the OS thread that forked the child, not to the
// process, and the runtime terminates a thread whenever a goroutine exits
// while locked to it — any code calling Start from such a goroutine would
// take its children down with it. Start therefore forks from a
// dedicated goroutine that calls runtime.LockOSThread first and then, still
// locked, waits for the child and reaps it: the forking thread can neither
// run other goroutines nor be retired while the child lives, so the signal
// fires only when the engine itself dies. This costs one parked OS thread
// per running child. (The race where the engine dies between fork and the
// child's prctl is closed by the runtime, which has the child check its
// parent after prctl.)
//
// Limits: Pdeathsig reaches the direct child only, so after a kill -9 of
// the engine a grandchild (a helper the child forked) survives unless the
// child cleans up or sets its own; and the kernel clears Pdeathsig when the
// child execs a set-user-ID, set-group-ID or file-capability program.
//
// # Logs
//
// A child's stdout and stderr go through a pipe that the engine copies to
// Spec.LogPath, a Log that rotates by size (LogLimits: 10 MiB and three
// older files by default, PATH.1 the newest of them), so neither a chatty
// action server nor a service in a crash loop fills the disk. Done is
// closed once the copy has caught up, so the log is complete then.
//
// # Supervision
//
// A Supervisor moves through Phases: Starting (process running, probe not
// yet ok) → Ready → on an unexpected exit Crashed → after a back-off delay
// (BackoffMin doubling to BackoffMax; reset to BackoffMin if the process had
// stayed Ready for ResetAfter) Starting again. A process not Ready within
// StartTimeout is stopped and counts as a crash. A missing program yields
// NotInstalled and is looked for again on the same back-off schedule rather
// than in a tight loop. When Run's context ends the process is stopped with
// its grace period and the Supervisor is Stopped.
package local
