package local

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// DefaultStopGrace is how long Stop waits after the stop signal before it
// kills the process group, when Spec.StopGrace is zero.
const DefaultStopGrace = 5 * time.Second

// ErrNotInstalled is wrapped by Start's error when the program to run does
// not exist (not found on PATH, or no file at the given path). The message
// reads "not installed: <path>".
var ErrNotInstalled = errors.New("not installed")

// Spec describes one process to run.
type Spec struct {
	// Name labels the process in errors (and, for a Supervisor, its
	// states). Empty means Argv[0].
	Name string
	// Argv is the program and its arguments. Argv[0] is looked up on PATH
	// unless it contains a slash; a relative path with a slash is taken
	// relative to Dir (or the engine's working directory when Dir is empty).
	// Use Expand to fill in placeholders first.
	Argv []string
	// Env holds "KEY=value" entries added to the engine's own environment
	// (os.Environ()); an entry here overrides an inherited one of the same
	// key.
	Env []string
	// Dir is the working directory; empty means the engine's. It must exist.
	Dir string
	// LogPath is a file that receives the process's stdout and stderr,
	// appended. It is created with mode 0600 and its parent directory with
	// 0700 if missing, and rotates by LogLimits. Empty discards the output.
	LogPath string
	// LogLimits bound the log; the zero value means DefaultLogMaxBytes
	// and DefaultLogKeep.
	LogLimits LogLimits
	// Stdin is written to the process's standard input, which is then
	// closed; nil means /dev/null. It never appears on a command line, so
	// it may carry a secret.
	Stdin []byte
	// StopGrace is how long Stop waits for the process to exit after the
	// stop signal before it sends SIGKILL; zero means DefaultStopGrace.
	StopGrace time.Duration
	// StopSignal is the signal Stop sends first; zero means SIGTERM.
	// (PostgreSQL, for one, does a fast shutdown on SIGINT but waits for
	// clients to disconnect on SIGTERM.)
	StopSignal syscall.Signal
}

// label is the name used for s in messages.
func (s Spec) label() string {
	if s.Name != "" {
		return s.Name
	}
	if len(s.Argv) > 0 {
		return s.Argv[0]
	}
	return "(unnamed)"
}

// Process is a child process started by Start. It leads its own process
// group, whose id equals its PID. All methods are safe for concurrent use.
type Process struct {
	name    string
	pid     int
	grace   time.Duration
	stopSig syscall.Signal

	done    chan struct{}
	exitErr error         // written once, before done is closed
	logDone chan struct{} // closed once the log copier has ended; nil without a log

	mu       sync.Mutex
	exited   bool // the leader has exited: its pid/pgid must not be signalled any more
	sigsSent bool // the stop signal has been sent
}

// Start runs spec as a child process and returns once it has been started
// (the program was exec'd), not when it is ready for work. The child:
//
//   - leads a new process group (Setpgid), so Stop can signal it and
//     everything it forked without affecting the engine, and terminal
//     signals aimed at the engine do not reach it;
//   - receives SIGKILL if the engine dies, even by kill -9 (Pdeathsig); see
//     the package documentation for the thread caveat and how Start handles
//     it;
//   - has its group killed as soon as it exits itself, so helpers it forked
//     do not outlive it.
//
// ctx bounds the start only: once Start has returned the process runs until
// it exits or Stop is called, whatever becomes of ctx. A missing program is
// an error wrapping ErrNotInstalled.
func Start(ctx context.Context, spec Spec) (*Process, error) {
	name := spec.label()
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("local: start %s: %w", name, err)
	}
	if len(spec.Argv) == 0 || spec.Argv[0] == "" {
		return nil, fmt.Errorf("local: start %s: empty argv", name)
	}
	if spec.StopGrace < 0 {
		return nil, fmt.Errorf("local: start %s: negative stop grace %s", name, spec.StopGrace)
	}
	if spec.Dir != "" {
		fi, err := os.Stat(spec.Dir)
		if err != nil {
			return nil, fmt.Errorf("local: start %s: working directory: %w", name, err)
		}
		if !fi.IsDir() {
			return nil, fmt.Errorf("local: start %s: working directory %s is not a directory", name, spec.Dir)
		}
	}
	path, err := resolveProgram(spec.Argv[0], spec.Dir)
	if err != nil {
		return nil, fmt.Errorf("local: start %s: %w", name, err)
	}
	var logR, logW *os.File
	var log *Log
	if spec.LogPath != "" {
		if log, err = OpenLog(spec.LogPath, spec.LogLimits); err != nil {
			return nil, fmt.Errorf("local: start %s: %w", name, err)
		}
		if logR, logW, err = os.Pipe(); err != nil {
			_ = log.Close()
			return nil, fmt.Errorf("local: start %s: log pipe: %w", name, err)
		}
	}

	cmd := &exec.Cmd{
		Path: path,
		Args: append([]string(nil), spec.Argv...),
		Env:  append(os.Environ(), spec.Env...),
		Dir:  spec.Dir,
		SysProcAttr: &syscall.SysProcAttr{
			Setpgid:   true,
			Pdeathsig: syscall.SIGKILL,
		},
	}
	if logW != nil {
		// The child writes into a pipe that the engine copies to the
		// rotating log. The write end is an *os.File, handed to the child
		// as is: exec starts no copier of its own, so Wait never blocks on
		// a grandchild that inherited the descriptor.
		cmd.Stdout = logW
		cmd.Stderr = logW
	}
	if spec.Stdin != nil {
		cmd.Stdin = bytes.NewReader(spec.Stdin)
	}

	p := &Process{
		name:    name,
		grace:   spec.StopGrace,
		stopSig: spec.StopSignal,
		done:    make(chan struct{}),
	}
	if p.grace == 0 {
		p.grace = DefaultStopGrace
	}
	if p.stopSig == 0 {
		p.stopSig = syscall.SIGTERM
	}
	if log != nil {
		p.logDone = make(chan struct{})
		go copyLog(logR, log, p.logDone)
	}

	started := make(chan error, 1)
	go p.own(ctx, cmd, started)
	// Not a select on ctx: the receive is bounded by one fork+exec, which
	// cannot be interrupted anyway, and own checks ctx right before it.
	err = <-started
	if logW != nil {
		_ = logW.Close() // the child holds its own copy
		if err != nil {
			_ = logR.Close()
			_ = log.Close()
		}
	}
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			// Removed between resolveProgram and exec, or a script whose
			// interpreter is missing.
			err = fmt.Errorf("%w: %s (%w)", ErrNotInstalled, path, err)
		}
		return nil, fmt.Errorf("local: start %s: %w", name, err)
	}
	return p, nil
}

// own starts cmd and then waits for it, all on one locked OS thread.
//
// PR_SET_PDEATHSIG fires when the *thread* that forked the child exits, not
// when the process does, and the Go runtime may retire an OS thread whenever
// a goroutine that locked it returns. So the goroutine that forks holds
// runtime.LockOSThread from before the fork until the child has been reaped:
// the thread cannot run any other goroutine, cannot be retired, and lives
// exactly as long as the child (or until the engine dies, which is the
// point). It costs one parked OS thread per running child.
func (p *Process) own(ctx context.Context, cmd *exec.Cmd, started chan<- error) {
	runtime.LockOSThread()
	if err := ctx.Err(); err != nil {
		runtime.UnlockOSThread()
		started <- err
		return
	}
	if err := cmd.Start(); err != nil {
		runtime.UnlockOSThread()
		started <- err
		return
	}
	p.pid = cmd.Process.Pid // published to Start by the channel send
	started <- nil

	p.awaitExit()
	err := cmd.Wait() // reaps the leader
	p.awaitLog()
	p.mu.Lock()
	p.exited = true // already set by awaitExit unless waitid failed
	p.mu.Unlock()
	// The child is gone: the thread may go back to the pool (had we returned
	// still locked, the runtime would have terminated it, also harmless now).
	runtime.UnlockOSThread()

	p.exitErr = err
	close(p.done)
}

// logDrain bounds the wait, after the leader exited, for the output still
// in the log pipe: the group is killed by then, so the pipe ends at once
// unless a process that left the group (setsid) still holds it.
const logDrain = time.Second

// awaitLog waits for the log copier to write out what the process left in
// the pipe, so that the log is complete when Done is closed.
func (p *Process) awaitLog() {
	if p.logDone == nil {
		return
	}
	t := time.NewTimer(logDrain)
	defer t.Stop()
	select {
	case <-p.logDone:
	case <-t.C:
	}
}

// copyLog copies the child's output from r to log until every writer has
// closed the pipe, then closes both and done. A failing log (a full disk)
// drops output rather than stall the child on a full pipe.
func copyLog(r *os.File, log *Log, done chan<- struct{}) {
	defer close(done)
	buf := make([]byte, 32<<10)
	for {
		n, err := r.Read(buf)
		if n > 0 {
			_, _ = log.Write(buf[:n])
		}
		if err != nil {
			break
		}
	}
	_ = r.Close()
	_ = log.Close()
}

// awaitExit blocks until the leader has exited, without reaping it. While
// the leader is an unreaped zombie its PID — and so the group id — cannot be
// reused, which makes it safe to signal -pid; awaitExit uses that window to
// SIGKILL whatever is left of the group, then marks the process exited so
// that Stop never signals a number that may since belong to someone else.
func (p *Process) awaitExit() {
	for {
		var info unix.Siginfo
		err := unix.Waitid(unix.P_PID, p.pid, &info, unix.WEXITED|unix.WNOWAIT, nil)
		if err == nil {
			break
		}
		if errors.Is(err, unix.EINTR) {
			continue
		}
		// Not expected (we have not reaped the child, so not ECHILD). Let
		// cmd.Wait reap it without tearing the group down.
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	_ = unix.Kill(-p.pid, unix.SIGKILL) // ESRCH: nothing left, fine
	p.exited = true
}

// Name returns Spec.Name (or Argv[0] when that was empty).
func (p *Process) Name() string { return p.name }

// PID returns the process id, which is also its process group id.
func (p *Process) PID() int { return p.pid }

// Done returns a channel that is closed once the process has exited and
// been reaped (and the rest of its group killed).
func (p *Process) Done() <-chan struct{} { return p.done }

// ExitErr returns how the process ended once Done is closed: nil for exit
// status 0, otherwise an error such as *exec.ExitError ("exit status 3",
// "signal: killed"). Before Done is closed it returns nil.
func (p *Process) ExitErr() error {
	select {
	case <-p.done:
		return p.exitErr
	default:
		return nil
	}
}

// Wait blocks until the process has exited and returns ExitErr, or returns
// ctx's error (wrapped) if ctx ends first.
func (p *Process) Wait(ctx context.Context) error {
	select {
	case <-p.done:
		return p.exitErr
	case <-ctx.Done():
		return fmt.Errorf("local: wait %s (pid %d): %w", p.name, p.pid, ctx.Err())
	}
}

// Stop ends the process: it sends the stop signal (SIGTERM unless
// Spec.StopSignal says otherwise) to the process group, waits up to
// Spec.StopGrace for the process to exit, then sends SIGKILL to the group
// and waits for the exit. The group is addressed by its id, the PID, and
// only while the process has not been reaped, so a recycled PID is never
// signalled.
//
// Stop returns nil once the process has exited, including when it had
// already exited before the call; it is idempotent and safe to call
// concurrently (the stop signal is sent once). If ctx ends first, Stop sends
// SIGKILL at once if it had not already and returns ctx's error wrapped;
// the process is then normally gone moments later (watch Done).
func (p *Process) Stop(ctx context.Context) error {
	select {
	case <-p.done:
		return nil
	default:
	}
	if err := p.signal(p.stopSig, true); err != nil {
		return err
	}
	grace := time.NewTimer(p.grace)
	defer grace.Stop()
	select {
	case <-p.done:
		return nil
	case <-grace.C:
	case <-ctx.Done():
	}
	if err := p.signal(syscall.SIGKILL, false); err != nil {
		return err
	}
	select {
	case <-p.done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("local: stop %s (pid %d): killed, not yet reaped: %w", p.name, p.pid, ctx.Err())
	}
}

// signal sends sig to the process group, and to the leader directly should
// it have moved to another group. With once set, sig is sent at most once
// over the life of p.
func (p *Process) signal(sig syscall.Signal, once bool) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.exited {
		return nil
	}
	if once {
		if p.sigsSent {
			return nil
		}
		p.sigsSent = true
	}
	err := unix.Kill(-p.pid, sig)
	if err != nil && !errors.Is(err, unix.ESRCH) {
		return fmt.Errorf("local: signal %s to group %d (%s): %w", sig, p.pid, p.name, err)
	}
	if pgid, gerr := unix.Getpgid(p.pid); gerr == nil && pgid != p.pid {
		if err := unix.Kill(p.pid, sig); err != nil && !errors.Is(err, unix.ESRCH) {
			return fmt.Errorf("local: signal %s to pid %d (%s): %w", sig, p.pid, p.name, err)
		}
	}
	return nil
}

// resolveProgram finds the executable for argv0 the way the kernel will run
// it, reporting a missing one as ErrNotInstalled.
func resolveProgram(argv0, dir string) (string, error) {
	if !strings.Contains(argv0, "/") {
		path, err := exec.LookPath(argv0)
		if err != nil {
			if errors.Is(err, exec.ErrNotFound) || errors.Is(err, fs.ErrNotExist) {
				return "", fmt.Errorf("%w: %s (not on PATH)", ErrNotInstalled, argv0)
			}
			return "", fmt.Errorf("look up %s: %w", argv0, err)
		}
		if !filepath.IsAbs(path) {
			// exec.LookPath refuses results relative to the working directory
			// (exec.ErrDot), so this is a relative PATH entry made absolute.
			if abs, aerr := filepath.Abs(path); aerr == nil {
				path = abs
			}
		}
		return path, nil
	}
	check := argv0
	if !filepath.IsAbs(argv0) && dir != "" {
		check = filepath.Join(dir, argv0)
	}
	fi, err := os.Stat(check)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return "", fmt.Errorf("%w: %s", ErrNotInstalled, check)
		}
		return "", fmt.Errorf("stat %s: %w", check, err)
	}
	if fi.IsDir() || fi.Mode().Perm()&0o111 == 0 {
		return "", fmt.Errorf("%s is not an executable file", check)
	}
	// Keep argv0 as given: the child chdirs to Dir before exec, so a
	// relative path resolves there.
	return argv0, nil
}
