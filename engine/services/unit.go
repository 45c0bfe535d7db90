package services

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jsorc/jsorc/engine/local"
)

// heartbeat is how often the Supervisor asks a ready service's unit whether
// the keep-alive probes call for a restart. The probes themselves run every
// probe period; the heartbeat only reads their verdict.
const heartbeat = 250 * time.Millisecond

// unit is one incarnation of a kept-alive service: a Supervisor for its
// process and a loop that probes it every period. Refresh and definition
// changes replace the unit; the new one starts once the old has stopped.
type unit struct {
	m       *Manager
	name    string
	def     Definition
	dataDir string
	logPath string
	sup     *local.Supervisor
	cancel  context.CancelFunc
	done    chan struct{} // closed once this unit and its predecessors have stopped
	permit  atomic.Bool   // may start once with automation off (Refresh)

	targetsMu sync.Mutex // serialises writes of the targets file

	mu          sync.Mutex
	st          local.State // the Supervisor's, from OnState
	port        int         // sticky across restarts while free
	endpoint    string
	acct        *account // the user it runs as, from the last prepare
	password    string   // its password (Definition.Password), from the last prepare
	verified    bool     // the last good probe reached the process jsorc started
	preparing   bool
	prepMissing bool // the last prepare failed for want of a program
	probed      bool
	lastProbe   time.Time
	probeErr    error
	failures    int  // consecutive failed probes while ready
	installed   bool // the program was found at the last observe-only check
	lastErr     string
}

// newUnit returns the unit for def; run starts it.
func newUnit(m *Manager, def Definition) *unit {
	u := &unit{
		m:         m,
		name:      def.Name,
		def:       def,
		dataDir:   m.dataDir(def.Name),
		logPath:   m.logPath(def.Name),
		done:      make(chan struct{}),
		installed: true,
		st:        local.State{Phase: local.PhaseStopped},
	}
	if def.Port != 0 {
		u.port = def.Port
		u.endpoint = net.JoinHostPort(m.opts.Host, strconv.Itoa(def.Port))
	}
	startTimeout := def.StartTimeout
	if startTimeout == 0 {
		startTimeout = m.opts.StartTimeout
	}
	u.sup = local.NewSupervisor(local.Spec{Name: "service-" + def.Name}, local.SupervisorOptions{
		Prepare:        u.prepare,
		Probe:          u.supervisorProbe,
		OnState:        u.onState,
		ProbeTimeout:   m.opts.ProbeTimeout,
		StartTimeout:   startTimeout,
		HealthInterval: heartbeat,
		HealthFailures: 1,
		BackoffMin:     m.opts.BackoffMin,
		BackoffMax:     m.opts.BackoffMax,
	})
	return u
}

// run waits for prev (the previous incarnation) to stop, then supervises
// until ctx ends. done is closed only after prev has stopped too.
func (u *unit) run(ctx context.Context, prev <-chan struct{}) {
	defer close(u.done)
	if prev != nil {
		select {
		case <-prev:
		case <-ctx.Done():
			<-prev
			return
		}
	}
	var wg sync.WaitGroup
	wg.Go(func() { u.observe(ctx) })
	err := u.sup.Run(ctx)
	wg.Wait()
	if err != nil {
		u.m.log.Error("service not confirmed stopped", attrService, u.name, attrError, err)
		u.m.noteErr(fmt.Errorf("service %s: %w", u.name, err))
	}
}

// prepare is the Supervisor's Prepare: it waits while automation is off
// (unless permitted once), then readies everything the next start needs.
func (u *unit) prepare(ctx context.Context) (local.Spec, string, error) {
	for {
		auto, _, changed := u.m.settings()
		if auto {
			u.permit.Store(false) // a Refresh's permit is spent by this start
			break
		}
		if u.permit.CompareAndSwap(true, false) {
			break
		}
		select {
		case <-ctx.Done():
			return local.Spec{}, "", ctx.Err()
		case <-changed:
		}
	}
	u.mu.Lock()
	u.preparing = true
	u.mu.Unlock()
	spec, endpoint, err := u.build(ctx)
	u.mu.Lock()
	u.preparing = false
	u.prepMissing = errors.Is(err, local.ErrNotInstalled)
	u.mu.Unlock()
	return spec, endpoint, err
}

// build resolves the programs, prepares the data directory, runs the Init
// steps, writes the files and returns the Spec of the service's process
// with its endpoint.
func (u *unit) build(ctx context.Context) (local.Spec, string, error) {
	def := u.def
	prog, err := findProgram(def.Command[0], "", def.SearchPath)
	if err != nil {
		// Let local.Start find it missing: the Supervisor then reports
		// NotInstalled and looks again on its back-off schedule.
		return local.Spec{Name: "service-" + u.name, Argv: []string{def.Command[0]}, LogPath: u.logPath}, "", nil
	}
	acct, err := lookupAccount(def.User)
	if err != nil {
		return local.Spec{}, "", err
	}
	setpriv := ""
	if acct != nil {
		if setpriv, err = findProgram("setpriv", "", nil); err != nil {
			return local.Spec{}, "", fmt.Errorf("run as %s: %w (setpriv is part of util-linux)", acct.name, err)
		}
	}
	servicesDir := filepath.Dir(u.dataDir)
	if err := os.MkdirAll(servicesDir, 0o711); err != nil {
		return local.Spec{}, "", fmt.Errorf("data directory: %w", err)
	}
	if err := os.MkdirAll(u.dataDir, 0o700); err != nil {
		return local.Spec{}, "", fmt.Errorf("data directory: %w", err)
	}
	inUse, err := dirInUse(u.dataDir)
	if err != nil {
		return local.Spec{}, "", fmt.Errorf("data directory: %w", err)
	}
	if acct != nil {
		if err := acct.reach(u.dataDir, u.m.opts.DataDir, servicesDir); err != nil {
			return local.Spec{}, "", err
		}
		if err := acct.own(u.dataDir); err != nil {
			return local.Spec{}, "", err
		}
	}
	port, err := u.pickPort()
	if err != nil {
		return local.Spec{}, "", err
	}
	host := u.m.opts.Host
	endpoint := net.JoinHostPort(host, strconv.Itoa(port))
	password, fresh, scram := "", false, ""
	passwordFile := u.m.passwordPath(u.name)
	if def.Password {
		if password, fresh, err = ensurePassword(passwordFile, acct); err != nil {
			return local.Spec{}, "", err
		}
		if scram, err = SCRAMVerifier(password); err != nil {
			return local.Spec{}, "", err
		}
		if fresh {
			u.logLine(fmt.Sprintf("jsorc: generated the password of %s in %s", u.name, passwordFile))
		}
	}
	var config string
	if len(def.Files) > 0 {
		config = filepath.Join(u.dataDir, def.Files[0].Path)
	}
	portText := strconv.Itoa(port)
	vars := templateVars(def, false, portText, host, endpoint, u.dataDir, config, passwordFile, "", "")
	private := templateVars(def, true, portText, host, endpoint, u.dataDir, config, passwordFile, password, scram)
	env, err := expandEnv(def.Env, private)
	if err != nil {
		return local.Spec{}, "", err
	}
	u.mu.Lock()
	u.acct, u.password = acct, password
	u.mu.Unlock()

	rekey := fresh && inUse
	for i, step := range def.Init {
		if step.Rekey && !rekey {
			continue
		}
		if step.Creates != "" {
			if _, err := os.Stat(filepath.Join(u.dataDir, step.Creates)); err == nil {
				continue
			}
		}
		argv, err := local.Expand(step.Command, vars)
		if err != nil {
			return local.Spec{}, "", fmt.Errorf("init step %d: %w", i+1, err)
		}
		if argv[0], err = findProgram(argv[0], filepath.Dir(prog), def.SearchPath); err != nil {
			return local.Spec{}, "", fmt.Errorf("init step %d: %w", i+1, err)
		}
		if acct != nil {
			argv = acct.wrap(setpriv, argv)
		}
		var stdin []byte
		if step.Stdin != "" {
			in, err := local.Expand([]string{step.Stdin}, private)
			if err != nil {
				return local.Spec{}, "", fmt.Errorf("init step %d: stdin: %w", i+1, err)
			}
			stdin = []byte(in[0])
		}
		if err := u.runStep(ctx, i+1, argv, env, stdin); err != nil {
			if step.Rekey {
				// Forget the password the data did not take, so that the
				// next start generates one and tries again.
				_ = os.Remove(passwordFile)
			}
			return local.Spec{}, "", err
		}
		if step.Rekey {
			u.logLine(fmt.Sprintf("jsorc: set the new password of %s in its existing data (init step %d)", u.name, i+1))
			u.m.log.Warn("service data predates its password: set a new one", attrService, u.name, "credentials", passwordFile)
		}
	}
	for i, f := range def.Files {
		content, err := local.Expand([]string{f.Content}, private)
		if err != nil {
			return local.Spec{}, "", fmt.Errorf("file %d: %w", i+1, err)
		}
		mode := f.Mode
		if mode == 0 {
			mode = 0o600
		}
		if err := u.writeFile(filepath.Join(u.dataDir, f.Path), []byte(content[0]), mode); err != nil {
			return local.Spec{}, "", err
		}
	}
	if err := u.syncTargets(); err != nil {
		return local.Spec{}, "", err
	}

	argv, err := local.Expand(def.Command, vars)
	if err != nil {
		return local.Spec{}, "", fmt.Errorf("command: %w", err)
	}
	argv[0] = prog
	if acct != nil {
		argv = acct.wrap(setpriv, argv)
	}
	u.mu.Lock()
	u.port, u.endpoint = port, endpoint
	u.mu.Unlock()
	return local.Spec{
		Name:       "service-" + u.name,
		Argv:       argv,
		Env:        env,
		Dir:        u.dataDir,
		LogPath:    u.logPath,
		StopSignal: def.StopSignal,
		StopGrace:  def.StopGrace,
	}, endpoint, nil
}

// pickPort returns the definition's fixed port, else the port of the
// previous start while it is free, else a free one.
func (u *unit) pickPort() (int, error) {
	if u.def.Port != 0 {
		return u.def.Port, nil
	}
	u.mu.Lock()
	port := u.port
	u.mu.Unlock()
	host := u.m.opts.Host
	if port != 0 {
		if ln, err := net.Listen("tcp", net.JoinHostPort(host, strconv.Itoa(port))); err == nil {
			_ = ln.Close()
			return port, nil
		}
	}
	port, err := local.FreePort(host)
	if err != nil {
		return 0, fmt.Errorf("port: %w", err)
	}
	return port, nil
}

// runStep runs one Init step to completion, its output going to the
// service's log, under Options.InitTimeout.
func (u *unit) runStep(ctx context.Context, n int, argv, env []string, stdin []byte) error {
	u.logLine(fmt.Sprintf("jsorc: init step %d: %q", n, argv))
	ctx, cancel := context.WithTimeout(ctx, u.m.opts.InitTimeout)
	defer cancel()
	p, err := local.Start(ctx, local.Spec{
		Name:    fmt.Sprintf("service-%s init %d", u.name, n),
		Argv:    argv,
		Env:     env,
		Dir:     u.dataDir,
		LogPath: u.logPath,
		Stdin:   stdin,
	})
	if err != nil {
		return fmt.Errorf("init step %d: %w", n, err)
	}
	if err := p.Wait(ctx); err != nil {
		if ctx.Err() != nil {
			sctx, scancel := context.WithTimeout(context.WithoutCancel(ctx), local.DefaultStopGrace+time.Second)
			defer scancel()
			if serr := p.Stop(sctx); serr != nil {
				err = errors.Join(err, serr)
			}
		}
		return fmt.Errorf("init step %d (%s): %w; see %s", n, filepath.Base(argv[0]), err, u.logPath)
	}
	return nil
}

// logLine appends a line of jsorc's own to the service's log.
func (u *unit) logLine(line string) {
	_ = local.AppendLine(u.logPath, local.LogLimits{}, time.Now().Format(time.RFC3339)+" "+line)
}

// dirInUse reports whether dir holds anything: data from an earlier start.
func dirInUse(dir string) (bool, error) {
	f, err := os.Open(dir)
	if err != nil {
		return false, err
	}
	defer func() { _ = f.Close() }()
	names, err := f.Readdirnames(1)
	if len(names) > 0 {
		return true, nil
	}
	if err != nil && !errors.Is(err, io.EOF) {
		return false, err
	}
	return false, nil
}

// writeFile replaces path atomically with data, owned by the service's
// user if it has one.
func (u *unit) writeFile(path string, data []byte, mode fs.FileMode) (err error) {
	u.mu.Lock()
	acct := u.acct
	u.mu.Unlock()
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	tmp, err := os.CreateTemp(dir, ".jsorc-*.tmp")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			_ = os.Remove(tmp.Name())
		}
	}()
	_, err = tmp.Write(data)
	if err == nil {
		err = tmp.Chmod(mode)
	}
	if err == nil && acct != nil {
		err = tmp.Chown(acct.uid, acct.gid)
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// targetGroup is one entry of a Prometheus file_sd file.
type targetGroup struct {
	Targets []string          `json:"targets"`
	Labels  map[string]string `json:"labels"`
}

// syncTargets writes the Manager's current scrape targets to the
// service's targets file, if it has one and its data directory exists.
func (u *unit) syncTargets() error {
	if u.def.TargetsFile == "" {
		return nil
	}
	u.targetsMu.Lock()
	defer u.targetsMu.Unlock()
	if _, err := os.Stat(u.dataDir); errors.Is(err, fs.ErrNotExist) {
		return nil // written before the first start
	}
	targets := u.m.scrapeTargets()
	jobs := make([]string, 0, len(targets))
	for job := range targets {
		jobs = append(jobs, job)
	}
	slices.Sort(jobs)
	groups := make([]targetGroup, 0, len(jobs))
	for _, job := range jobs {
		if len(targets[job]) > 0 {
			groups = append(groups, targetGroup{Targets: targets[job], Labels: map[string]string{"job": job}})
		}
	}
	data, err := json.MarshalIndent(groups, "", "  ")
	if err != nil {
		return fmt.Errorf("scrape targets: %w", err)
	}
	return u.writeFile(filepath.Join(u.dataDir, u.def.TargetsFile), append(data, '\n'), 0o644)
}

// onState records the Supervisor's state changes and logs them.
func (u *unit) onState(st local.State) {
	u.mu.Lock()
	changed := st.Phase != u.st.Phase
	if changed {
		u.failures = 0
	}
	if st.LastError != "" && st.LastError != u.st.LastError {
		u.lastErr = st.LastError
	}
	u.st = st
	endpoint := u.endpoint
	u.mu.Unlock()
	if !changed {
		return
	}
	switch st.Phase {
	case local.PhaseCrashed, local.PhaseNotInstalled:
		u.m.log.Warn("service "+string(st.Phase), attrService, u.name, attrError, st.LastError, "retry_at", st.RetryAt)
	default:
		u.m.log.Info("service "+string(st.Phase), attrService, u.name, attrPID, st.PID, attrEndpoint, endpoint)
	}
}

// supervisorProbe is the Supervisor's Probe. While the process is
// starting it probes for real; once ready it only reports the verdict of
// the periodic probes: an error (which makes the Supervisor restart the
// process) after UnhealthyAfter consecutive failures, with automation on.
func (u *unit) supervisorProbe(ctx context.Context, endpoint string) error {
	u.mu.Lock()
	phase, failures, last := u.st.Phase, u.failures, u.probeErr
	u.mu.Unlock()
	if phase != local.PhaseReady {
		return u.probe(ctx, endpoint)
	}
	if auto, _, _ := u.m.settings(); auto && failures >= u.m.opts.UnhealthyAfter {
		return fmt.Errorf("keep-alive: %d consecutive probes failed, last: %w", failures, last)
	}
	return nil
}

// probe checks the service at endpoint and records the result, and
// whether what answered is the process jsorc started.
func (u *unit) probe(ctx context.Context, endpoint string) error {
	err := u.def.Probe.CheckWithPassword(ctx, endpoint, u.credential())
	u.mu.Lock()
	pid := u.st.PID
	u.mu.Unlock()
	verified := false
	if err == nil && pid > 0 {
		verified, _ = ownsListener(endpoint, pid)
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	u.probed, u.lastProbe, u.probeErr, u.verified = true, time.Now(), err, verified
	ready := u.st.Phase == local.PhaseReady
	switch {
	case err == nil:
		u.failures = 0
	case ready:
		u.failures++
		u.lastErr = err.Error()
	}
	return err
}

// observe probes the service every probe period: the keep-alive check of
// a ready service with automation on, and all there is with it off.
func (u *unit) observe(ctx context.Context) {
	for {
		_, interval, changed := u.m.settings()
		t := time.NewTimer(interval)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-changed:
			t.Stop()
			continue
		case <-t.C:
		}
		u.tick(ctx)
	}
}

// credential is the password the probe gives: the one the last prepare
// read, else (automation off: jsorc did not start it) the password file's.
func (u *unit) credential() string {
	if !u.def.Password {
		return ""
	}
	u.mu.Lock()
	pw := u.password
	u.mu.Unlock()
	if pw != "" {
		return pw
	}
	b, err := os.ReadFile(u.m.passwordPath(u.name))
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

// tick is one periodic probe.
func (u *unit) tick(ctx context.Context) {
	auto, _, _ := u.m.settings()
	u.mu.Lock()
	phase, endpoint := u.st.Phase, u.endpoint
	u.mu.Unlock()
	if auto && phase != local.PhaseReady {
		return // the Supervisor is starting or restarting it
	}
	if endpoint == "" {
		return // never started, no fixed port: nothing to probe
	}
	pctx, cancel := context.WithTimeout(ctx, u.m.opts.ProbeTimeout)
	err := u.probe(pctx, endpoint)
	cancel()
	if !auto {
		installed := true
		if err != nil {
			_, ferr := findProgram(u.def.Command[0], "", u.def.SearchPath)
			installed = ferr == nil
		}
		u.mu.Lock()
		u.installed = installed
		if err != nil && phase != local.PhaseReady {
			u.lastErr = err.Error()
		}
		u.mu.Unlock()
	}
}

// info returns the unit's Info; automation is the Manager's flag.
func (u *unit) info(automation bool) Info {
	u.mu.Lock()
	defer u.mu.Unlock()
	in := Info{
		Name:       u.name,
		Doc:        u.def.Doc,
		Enabled:    true,
		Automation: automation,
		State:      u.state(automation),
		Since:      u.st.Since,
		LastProbe:  u.lastProbe,
		ProbeOK:    u.probed && u.probeErr == nil,
		LastError:  u.lastErr,
		Restarts:   u.st.Restarts,
		PID:        u.st.PID,
		Endpoint:   u.endpoint,
		RetryAt:    u.st.RetryAt,
		DataDir:    u.dataDir,
		LogPath:    u.logPath,
		Verified:   u.verified && u.st.PID > 0 && u.probeErr == nil,
	}
	if u.acct != nil {
		in.User = u.acct.name
	}
	if u.def.Password {
		in.Credentials = u.m.passwordPath(u.name)
	}
	if u.probeErr != nil {
		in.ProbeError = u.probeErr.Error()
	}
	if in.State == StateObserving && u.endpoint == "" && in.LastError == "" {
		in.LastError = "automation off: not started by jsorc, and no fixed port to probe"
	}
	if u.endpoint != "" {
		in.URL = u.def.url(u.endpoint)
	}
	return in
}

// state derives the unit's State. u.mu is held.
func (u *unit) state(automation bool) State {
	switch u.st.Phase {
	case local.PhaseStarting:
		return StateStarting
	case local.PhaseNotInstalled:
		return StateNotInstalled
	case local.PhaseCrashed:
		switch {
		case u.prepMissing:
			return StateNotInstalled
		case !automation:
			return StateDown
		case u.preparing:
			return StateStarting
		default:
			return StateCrashed
		}
	case local.PhaseReady:
		if automation {
			return StateReady
		}
		return u.observed()
	default: // PhaseStopped: before the first start
		if automation || u.preparing {
			return StateStarting
		}
		return u.observed()
	}
}

// observed is the State with automation off, from the periodic probes.
// u.mu is held.
func (u *unit) observed() State {
	switch {
	case !u.probed:
		return StateObserving
	case u.probeErr == nil:
		return StateReady
	case !u.installed:
		return StateNotInstalled
	default:
		return StateDown
	}
}

// url is how a client reaches the service at endpoint.
func (d Definition) url(endpoint string) string {
	switch d.Probe.Kind {
	case ProbeHTTP:
		return "http://" + endpoint + "/"
	case ProbeRedis:
		return "redis://" + endpoint
	case ProbePostgres:
		user, db := d.Probe.User, d.Probe.Database
		if user == "" {
			user = "jsorc"
		}
		if db == "" {
			db = "postgres"
		}
		return "postgres://" + user + "@" + endpoint + "/" + db
	default:
		return "tcp://" + endpoint
	}
}

// expandEnv expands the values of env and returns "KEY=value" entries in
// key order.
func expandEnv(env map[string]string, vars map[string]string) ([]string, error) {
	keys := make([]string, 0, len(env))
	for k := range env {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	out := make([]string, 0, len(keys))
	for _, k := range keys {
		v, err := local.Expand([]string{env[k]}, vars)
		if err != nil {
			return nil, fmt.Errorf("env %s: %w", k, err)
		}
		out = append(out, k+"="+v[0])
	}
	return out, nil
}
