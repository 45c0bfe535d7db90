package ui

import (
	"errors"
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/jsorc/jsorc/api/types"
)

// The measuring tools of the engine, driven from the console: the
// benchmark (b, :benchmark start|report|stop), action tracking (t,
// :trackact start|stop) and system tracking (s, :tracksys
// start|report|stop). The benchmark's report and whether tracksys runs
// are read with everything else on each refresh; trackact has no report
// until it stops, so the console knows it runs only when it started it
// (or when the engine refuses a second start).

// Tools, as the CLI names them.
const (
	toolBenchmark = "benchmark"
	toolTrackAct  = "trackact"
	toolTrackSys  = "tracksys"
)

// sysReadEvery is how many refreshes apart tracksys is read while it does
// not run and there is no event stream, to notice a start from the CLI:
// its report holds every state of the run, so it is not read each second
// for nothing. With the stream up, its start is an event.
const sysReadEvery = 5

// fullReadEvery is how many refreshes apart everything is read while the
// event stream is up (a safety net: events say what changed; the statuses
// of 200 modules cost an attached console more to decode than anything
// else it reads).
const fullReadEvery = 30

// measuring is what the console knows of the measuring tools.
type measuring struct {
	// epoch counts the answers to starts and stops: a refresh planned in
	// an earlier epoch may predate the answer, and what it read of the
	// benchmark and tracksys is left out.
	epoch uint64
	// busy marks the tools with a start or stop under way.
	busy map[string]bool
	// trackact is whether action tracking runs, as far as the console
	// knows.
	trackact bool
	// sysKnown is set once tracksys was read; sys is its last report's
	// gist.
	sysKnown  bool
	sysActive bool
	sysSource string
	sysStates int
	// sysWait counts the refreshes since tracksys was last read.
	sysWait int
	// fullWait counts the refreshes since everything was last read.
	fullWait int
}

// plan says what the next read covers; tick is set for the 1 Hz refresh,
// which reads everything only while there is no event stream, or every
// fullReadEvery refreshes.
func (m *model) plan(tick bool) readPlan {
	p := readPlan{samples: m.samplesWanted(), epoch: m.meas.epoch,
		status: true, services: true, policy: true, bench: true, load: true}
	if m.lost() {
		// Only a probe while the engine is away: one read a second, not
		// seven that fail.
		return readPlan{samples: p.samples, epoch: p.epoch, probe: true}
	}
	if mod := m.graphs.module; mod != "" {
		p.module, p.moduleSince = mod, lastTS(m.graphs.modPts)
	}
	if tick && m.events != nil {
		m.meas.fullWait++
		if m.meas.fullWait < fullReadEvery {
			// A policy that acts has a phase and a countdown worth a
			// read each second; one that does not changes only by event.
			p.status, p.services = false, false
			p.policy = m.policyNow.Name != "" && m.policyNow.Name != types.DefaultPolicy
			p.bench, p.load = m.bench.running, m.bench.load.Running
		} else {
			m.meas.fullWait = 0
		}
	}
	// The stream's periodic full read covers tracksys too.
	full := tick && p.status && m.events != nil
	switch {
	case !m.meas.sysKnown || m.meas.sysActive || full:
		p.sys = true
	case tick && m.events == nil:
		// Without events, a start elsewhere shows only by reading.
		m.meas.sysWait++
		p.sys = m.meas.sysWait >= sysReadEvery
	}
	if p.sys {
		m.meas.sysWait = 0
	}
	return p
}

// takeSys takes in a tracksys report: whether it runs, its source, how
// many states it holds. The Graphs pane shows it.
func (m *model) takeSys(r types.SysReport) {
	m.meas.sysKnown, m.meas.sysActive = true, r.Active
	m.meas.sysSource, m.meas.sysStates = r.Source, len(r.States)
	info := ""
	if r.Active {
		info = "tracksys " + sysSourceText(r.Source) + fmt.Sprintf(" · %d states", len(r.States))
	}
	m.graphs.setSysInfo(info)
}

// sysSourceText names tracksys's source: prometheus or proc, or that no
// state came yet.
func sysSourceText(source string) string {
	if source == "" {
		return "(no sample yet)"
	}
	return source
}

// measuringNow lists the tools that run, for the header.
func (m *model) measuringNow() []string {
	var on []string
	if m.bench.running {
		on = append(on, toolBenchmark)
	}
	if m.meas.trackact {
		on = append(on, toolTrackAct)
	}
	if m.meas.sysActive {
		on = append(on, toolTrackSys)
	}
	return on
}

// benchmarkKey starts a benchmark, or stops the running one.
func (m *model) benchmarkKey() tea.Cmd {
	return m.measure(toolBenchmark, startOrStop(m.bench.running))
}

// trackactKey starts action tracking, or stops it.
func (m *model) trackactKey() tea.Cmd { return m.measure(toolTrackAct, startOrStop(m.meas.trackact)) }

// tracksysKey starts system tracking, or stops it.
func (m *model) tracksysKey() tea.Cmd { return m.measure(toolTrackSys, startOrStop(m.meas.sysActive)) }

func startOrStop(running bool) string {
	if running {
		return "stop"
	}
	return "start"
}

// toolKey is the key that starts and stops a tool.
func toolKey(tool string) string {
	switch tool {
	case toolBenchmark:
		return "b"
	case toolTrackAct:
		return "t"
	}
	return "s"
}

// measure asks the engine to start, report or stop a tool. A second start
// or stop of the same tool waits for the first one's answer.
func (m *model) measure(tool, verb string) tea.Cmd {
	if verb != "report" {
		if m.meas.busy[tool] {
			m.say(toneWarn, tool+": the last start or stop has not answered yet")
			return nil
		}
		m.meas.busy[tool] = true
	}
	m.c.log.Info("measuring", "tool", tool, "verb", verb)
	return m.fetch.measure(tool, verb)
}

// handleMeasure takes in the answer of a start, report or stop. Failures
// (a 409 when the tool already runs or does not) go to the status line,
// and what they say of the tool is believed, so the key does the right
// thing next.
func (m *model) handleMeasure(msg measureMsg) tea.Cmd {
	if msg.verb != "report" {
		m.meas.busy[msg.tool] = false
		m.meas.epoch++
	}
	if msg.err != nil {
		hint := ""
		switch {
		case errors.Is(msg.err, types.ErrAlreadyStarted):
			m.setRunning(msg.tool, true, msg)
			hint = " (" + toolKey(msg.tool) + " stops it)"
		case errors.Is(msg.err, types.ErrNotStarted):
			m.setRunning(msg.tool, false, msg)
			hint = " (" + toolKey(msg.tool) + " starts it)"
		}
		m.say(toneErr, fmt.Sprintf("%s %s: %v%s", msg.tool, msg.verb, msg.err, hint))
		return nil
	}
	clock := msg.at.In(m.c.loc).Format("15:04:05")
	switch msg.tool + " " + msg.verb {
	case "benchmark start":
		m.bench.started(msg.at)
		m.say(toneOK, "benchmark started: every request is measured from now on; its live report is in the Benchmark pane (b stops it)")
		return m.readAll()
	case "benchmark report":
		m.bench.setRead(benchRead{running: true, report: msg.report}, msg.at)
		m.showHelp = false
		m.setFocus(paneBenchmark)
		m.say(toneOK, "benchmark report of "+clock+" in the Benchmark pane")
	case "benchmark stop":
		m.bench.stopped(msg.report, msg.at)
		m.say(toneOK, "benchmark stopped at "+clock+": its last report stays in the Benchmark pane")
	case "trackact start":
		m.meas.trackact = true
		m.say(toneOK, "trackact started: each action's mean latency per second, and every placement change (t stops it)")
	case "trackact stop":
		m.meas.trackact = false
		m.say(toneOK, fmt.Sprintf("trackact stopped with %d entries (kept: `jsorc reports trackact`)", len(msg.entries)))
	case "tracksys start":
		m.takeSys(types.SysReport{Active: true})
		m.say(toneOK, "tracksys started: CPU, memory and network of the engine and each action server, each second; its source shows in the Graphs pane (s stops it)")
		return m.readAll()
	case "tracksys report":
		m.takeSys(msg.sys)
		switch {
		case !msg.sys.Active && len(msg.sys.States) == 0:
			m.say(toneWarn, "tracksys is not running and holds no states: s (or :tracksys start) starts it")
		case !msg.sys.Active:
			m.report(toneOK, fmt.Sprintf("tracksys is not running; its last run holds %d states from %s", len(msg.sys.States), sysSourceText(msg.sys.Source)), lastState(msg.sys))
		default:
			m.report(toneOK, fmt.Sprintf("tracksys running: %d states so far from %s", len(msg.sys.States), sysSourceText(msg.sys.Source)), lastState(msg.sys))
		}
	case "tracksys stop":
		m.takeSys(msg.sys)
		m.say(toneOK, fmt.Sprintf("tracksys stopped with %d states from %s", len(msg.sys.States), sysSourceText(msg.sys.Source)))
		if msg.sys.Note != "" {
			m.c.log.Info("tracksys", "note", msg.sys.Note)
		}
	}
	return nil
}

// setRunning believes the engine that tool runs, or does not.
func (m *model) setRunning(tool string, running bool, msg measureMsg) {
	switch tool {
	case toolBenchmark:
		// One that runs unknown to the console shows from the next read.
		if running && !m.bench.running {
			m.bench.setRead(benchRead{running: true, report: types.Report{}}, msg.at)
		} else if !running {
			m.bench.setRead(benchRead{}, msg.at)
		}
	case toolTrackAct:
		m.meas.trackact = running
	case toolTrackSys:
		if running != m.meas.sysActive {
			m.takeSys(types.SysReport{Active: running, Source: m.meas.sysSource})
		}
	}
}

// measuringHeader is the header's list of the tools that run.
func (m *model) measuringHeader() string { return strings.Join(m.measuringNow(), ", ") }

// lastState is the latest state of a tracksys report, for the output
// (the whole report is `jsorc tracksys report`'s).
func lastState(r types.SysReport) string {
	if len(r.States) == 0 {
		return ""
	}
	return "latest state:\n" + prettyJSON(r.States[len(r.States)-1])
}
