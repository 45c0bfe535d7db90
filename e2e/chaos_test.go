package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// TestChaos drives a real engine with random requests — configure, delete,
// load and unload in either mode, calls — while it kills action servers
// and the engine itself with SIGKILL (by the PIDs the engine reported) and
// starts the engine again on the same data directory. After every restart
// the engine must hold what it acknowledged: each module configured or not
// as its last 2xx said, each requested mode one that a request could have
// left (the acknowledged one, or one a request that got no answer asked
// for). No action server may outlive the engine that started it (checked
// by PID and process group), and no call may answer 500.
//
// The run is bounded (chaosBudget, or JSORC_CHAOS_SECONDS) and seeded:
// JSORC_CHAOS_SEED=N replays one; a failure prints its seed.
func TestChaos(t *testing.T) {
	slow(t)
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("JSORC_CHAOS_SEED"); s != "" {
		v, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("JSORC_CHAOS_SEED %q: %v", s, err)
		}
		seed = v
	}
	t.Logf("chaos seed %d", seed)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("replay this run with JSORC_CHAOS_SEED=%d go test -run TestChaos ./e2e/", seed)
		}
	})
	budget := chaosBudget
	if s := os.Getenv("JSORC_CHAOS_SECONDS"); s != "" {
		v, err := strconv.ParseFloat(s, 64)
		if err != nil {
			t.Fatalf("JSORC_CHAOS_SECONDS %q: %v", s, err)
		}
		budget = time.Duration(v * float64(time.Second))
	}
	c := newChaos(t, seed)
	deadline := time.Now().Add(budget)
	for c.ops = 0; time.Now().Before(deadline); c.ops++ {
		c.step()
	}
	c.restart("final", syscall.SIGTERM)
	c.e.signal(t, syscall.SIGTERM)
	if !c.e.wait(engineStopTimeout) {
		t.Fatalf("the engine did not stop after SIGTERM")
	}
	c.checkNoOrphans("final stop")
	t.Logf("%d operations, %d engine kills, %d server kills, %d restarts checked; calls: %d answered, by status %v",
		c.ops, c.engineKills, c.serverKills, c.restarts, c.callCount.Load(), c.callStatuses())
}

// chaosBudget bounds the random operations; restarts and checks come on
// top (the whole test takes about a minute).
const chaosBudget = 40 * time.Second

// chaosModes is what the model knows of one module: whether it is
// configured, and the requested modes it may have now ("" for none).
type chaosModule struct {
	configured map[bool]bool
	modes      map[string]bool
}

// chaos is one run: the engine, the model of what it acknowledged, and the
// PIDs it reported.
type chaos struct {
	t   *testing.T
	rng *rand.Rand
	dir string
	e   *engine
	tok string
	hc  *http.Client

	mods map[string]*chaosModule
	next int // the next new module's number
	// pids are the action servers the running engine reported, with the
	// engine's PID they belong to.
	pids map[int]bool

	ops, engineKills, serverKills, restarts int

	callers   sync.WaitGroup
	stopCalls context.CancelFunc
	callCount atomic.Int64
	mu        sync.Mutex
	statuses  map[int]int
	bad       []string
}

func newChaos(t *testing.T, seed uint64) *chaos {
	c := &chaos{
		t:        t,
		rng:      rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
		dir:      t.TempDir(),
		hc:       &http.Client{Timeout: 30 * time.Second},
		mods:     map[string]*chaosModule{},
		pids:     map[int]bool{},
		statuses: map[int]int{},
	}
	for _, name := range []string{"echo", "textenc", "synth"} {
		c.mods[name] = &chaosModule{configured: map[bool]bool{true: true}, modes: map[string]bool{"": true}}
	}
	c.start()
	t.Cleanup(c.stopCallers)
	return c
}

// start runs an engine on the data directory and the background callers.
func (c *chaos) start() {
	c.e = startEngine(c.t, c.dir)
	c.tok = c.e.token(c.t)
	ctx, cancel := context.WithCancel(context.Background())
	c.stopCalls = cancel
	for range 2 {
		c.callers.Go(func() { c.callLoop(ctx) })
	}
}

func (c *chaos) stopCallers() {
	if c.stopCalls != nil {
		c.stopCalls()
	}
	c.callers.Wait()
}

// callLoop calls the actions of loaded modules until ctx ends, recording
// every answer's status.
func (c *chaos) callLoop(ctx context.Context) {
	for ctx.Err() == nil {
		name := []string{"echo", "c0", "c1", "c2"}[rand.IntN(4)]
		code, body, err := c.post(ctx, "actions_call", map[string]any{"name": name + ".echo", "ctx": map[string]any{"value": "x"}})
		if err != nil {
			time.Sleep(20 * time.Millisecond) // the engine is down
			continue
		}
		c.callCount.Add(1)
		c.mu.Lock()
		c.statuses[code]++
		if code == http.StatusInternalServerError && len(c.bad) < 5 {
			c.bad = append(c.bad, body)
		}
		c.mu.Unlock()
		time.Sleep(2 * time.Millisecond)
	}
}

func (c *chaos) callStatuses() map[int]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return maps.Clone(c.statuses)
}

// post sends one admin request and returns its status and body; err is a
// request that got no answer.
func (c *chaos) post(ctx context.Context, endpoint string, params any) (int, string, error) {
	b, err := json.Marshal(params)
	if err != nil {
		c.t.Fatal(err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.e.URL+"/js_admin/"+endpoint, bytes.NewReader(b))
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+c.tok)
	resp, err := c.hc.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, "", err
	}
	return resp.StatusCode, string(body), nil
}

// step runs one random operation.
func (c *chaos) step() {
	names := slices.Sorted(maps.Keys(c.mods))
	name := names[c.rng.IntN(len(names))]
	switch r := c.rng.IntN(100); {
	case r < 30:
		mode := []string{"module", "remote"}[c.rng.IntN(2)]
		params := map[string]any{"name": name, "mode": mode}
		if c.rng.IntN(2) == 0 {
			params["wait"], params["timeout"] = true, 10
		}
		c.change(name, "jsorc_actions_load", params, func(m *chaosModule) { m.modes = map[string]bool{mode: true} },
			func(m *chaosModule) { m.modes[mode] = true })
	case r < 50:
		c.change(name, "jsorc_actions_unload", map[string]any{"name": name}, func(m *chaosModule) { m.modes = map[string]bool{"": true} },
			func(m *chaosModule) { m.modes[""] = true })
	case r < 62:
		// A new module, or a config again of one of the chaos modules.
		n := "c" + strconv.Itoa(c.rng.IntN(c.next+1))
		if n == "c"+strconv.Itoa(c.next) {
			c.next++
		}
		if c.mods[n] == nil {
			c.mods[n] = &chaosModule{configured: map[bool]bool{false: true}, modes: map[string]bool{"": true}}
		}
		src := n + ": {builtin: echo, local_mem_requirement: 1}\n"
		c.change(n, "jsorc_actions_config", map[string]any{"name": n, "config": src},
			func(m *chaosModule) { m.configured = map[bool]bool{true: true} },
			func(m *chaosModule) { m.configured[true] = true })
	case r < 70:
		if !strings.HasPrefix(name, "c") {
			return // the built-ins stay, so there is something to load
		}
		c.change(name, "jsorc_actions_delete", map[string]any{"name": name, "force": true},
			func(m *chaosModule) { m.configured, m.modes = map[bool]bool{false: true}, map[string]bool{"": true} },
			func(m *chaosModule) { m.configured[false], m.modes[""] = true, true })
	case r < 85:
		c.killServer()
	case r < 92:
		c.restart("kill -9", syscall.SIGKILL)
	default:
		time.Sleep(time.Duration(c.rng.IntN(100)) * time.Millisecond)
	}
}

// change sends a request that changes module name: acked applies its 2xx
// to the model, maybe what a request without an answer may have done.
// Other answers (4xx, a 504 of a wait) change what they say they did not
// change, or, for a 5xx, may have changed it.
func (c *chaos) change(name, endpoint string, params map[string]any, acked, maybe func(*chaosModule)) {
	code, body, err := c.post(context.Background(), endpoint, params)
	m := c.mods[name]
	switch {
	case err != nil:
		maybe(m)
	case code/100 == 2:
		acked(m)
	case code == http.StatusGatewayTimeout && endpoint == "jsorc_actions_load":
		acked(m) // the mode is stored before the wait: only the wait ran out
	case code >= 500:
		maybe(m)
	case code == http.StatusBadRequest || code == http.StatusConflict || code == http.StatusNotFound:
		// refused: nothing changed
	default:
		c.t.Errorf("%s %v: unexpected %d %s", endpoint, params, code, body)
	}
	c.notePIDs()
}

// notePIDs records the action servers the engine reports now.
func (c *chaos) notePIDs() {
	code, body, err := c.post(context.Background(), "jsorc_actions_status", map[string]any{})
	if err != nil || code != http.StatusOK {
		return
	}
	var ans struct { // every module's full status (action_status is JSORC's {name: {mode}})
		Status map[string]actionStatus `json:"modules"`
	}
	if err := json.Unmarshal([]byte(body), &ans); err != nil {
		c.t.Fatalf("status: %v: %s", err, body)
	}
	for _, st := range ans.Status {
		if st.Remote.PID > 0 {
			c.pids[st.Remote.PID] = true
		}
	}
}

// killServer kills one running action server by the PID the engine
// reports.
func (c *chaos) killServer() {
	c.notePIDs()
	var live []int
	for pid := range c.pids {
		if s := procState(pid); s != "" && !strings.HasPrefix(s, "Z") {
			live = append(live, pid)
		}
	}
	if len(live) == 0 {
		return
	}
	slices.Sort(live)
	if err := syscall.Kill(live[c.rng.IntN(len(live))], syscall.SIGKILL); err == nil {
		c.serverKills++
	}
}

// restart stops the engine with sig, checks that its action servers went
// with it, starts it again and checks what it restored.
func (c *chaos) restart(why string, sig syscall.Signal) {
	c.notePIDs()
	c.stopCallers()
	c.e.signal(c.t, sig)
	if !c.e.wait(engineStopTimeout) {
		c.t.Fatalf("%s: the engine did not end", why)
	}
	if sig == syscall.SIGKILL {
		c.engineKills++
	}
	c.checkNoOrphans(why)
	c.start()
	c.restarts++
	c.check(why)
}

// checkNoOrphans waits until no process the engine reported, nor any
// process of their process groups, is left.
func (c *chaos) checkNoOrphans(why string) {
	c.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		left, pids := c.survivors()
		if len(left) == 0 {
			c.pids = map[int]bool{}
			return
		}
		if time.Now().After(deadline) {
			for _, pid := range pids { // leave nothing behind the failure
				_ = syscall.Kill(pid, syscall.SIGKILL)
			}
			c.t.Fatalf("after %s (operation %d): action servers outlived their engine: %v", why, c.ops, left)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// survivors lists the live processes whose PID or process group is one of
// the reported action servers', described and by PID.
func (c *chaos) survivors() ([]string, []int) {
	var out []string
	var pids []int
	procs, _ := filepath.Glob("/proc/[0-9]*/stat")
	for _, p := range procs {
		b, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		// pid (comm) state ppid pgrp ...
		s := string(b)
		i := strings.LastIndexByte(s, ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(s[i+1:])
		if len(f) < 3 || f[0] == "Z" {
			continue
		}
		pid, _ := strconv.Atoi(strings.Fields(s)[0])
		pgrp, _ := strconv.Atoi(f[2])
		if c.pids[pid] || c.pids[pgrp] {
			out = append(out, fmt.Sprintf("pid %d (group %d, state %s)", pid, pgrp, f[0]))
			pids = append(pids, pid)
		}
	}
	return out, pids
}

// check compares what the engine restored with the model.
func (c *chaos) check(why string) {
	c.t.Helper()
	code, body, err := c.post(context.Background(), "jsorc_actions_status", map[string]any{})
	if err != nil || code != http.StatusOK {
		c.t.Fatalf("after %s: status: %d %v %s", why, code, err, body)
	}
	var ans struct { // every module's full status (action_status is JSORC's {name: {mode}})
		Status map[string]actionStatus `json:"modules"`
	}
	if err := json.Unmarshal([]byte(body), &ans); err != nil {
		c.t.Fatalf("after %s: status: %v", why, err)
	}
	for name, m := range c.mods {
		st, configured := ans.Status[name]
		if !m.configured[configured] {
			c.t.Errorf("after %s (operation %d): %s configured %v; acknowledged %v", why, c.ops, name, configured, slices.Collect(maps.Keys(m.configured)))
			continue
		}
		// What it is now is what the next operations start from.
		m.configured = map[bool]bool{configured: true}
		if !configured {
			m.modes = map[string]bool{"": true}
			continue
		}
		var mode string
		if err := json.Unmarshal(st.RequestedMode, &mode); err != nil && string(st.RequestedMode) != "null" {
			c.t.Fatalf("%s: requested mode %s: %v", name, st.RequestedMode, err)
		}
		if !m.modes[mode] {
			c.t.Errorf("after %s (operation %d): %s restored in mode %q; acknowledged %q", why, c.ops, name, mode, slices.Sorted(maps.Keys(m.modes)))
		}
		m.modes = map[string]bool{mode: true}
	}
	for name := range ans.Status {
		if c.mods[name] == nil {
			c.t.Errorf("after %s: %s is configured, but no request configured it", why, name)
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if n := c.statuses[http.StatusInternalServerError]; n > 0 {
		c.t.Fatalf("after %s: %d calls answered 500, e.g. %q", why, n, c.bad)
	}
}
