package ui

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/jsorc/jsorc/api/types"
)

// handleRan takes in the answer of a verb run from the command line: what
// it did goes to the status line (and whole to the console's log), and
// what it may have changed is read again.
func (m *model) handleRan(msg ranMsg) tea.Cmd {
	if msg.err != nil {
		m.say(toneErr, fmt.Sprintf("%s: %v", msg.path, msg.err))
		return nil
	}
	text := said(msg.path, msg.args, msg.answer)
	m.c.log.Info("command done", "verb", msg.path, "said", text)
	m.report(toneOK, text, answerBody(msg.answer))
	return m.readAll()
}

// said says in one line what a verb run from the command line did.
func said(path string, args []string, answer any) string {
	switch a := answer.(type) {
	case *types.MessageAnswer:
		return a.Message
	case *types.ConfiguredAnswer:
		return fmt.Sprintf("configured %s from %s", strings.Join(a.Configured, ", "), args[len(args)-1])
	case *types.AppNamesAnswer:
		return "defined " + strings.Join(a.Apps, ", ")
	case *types.ServiceNamesAnswer:
		return fmt.Sprintf("defined %s (add them to META_CONFIG's keep_alive to run them)", strings.Join(a.Services, ", "))
	case *types.AppsAnswer:
		return appsText(a.Apps)
	case *types.AppResult:
		return fmt.Sprintf("%s → %s (%.2f ms, %d steps)", args[0], compactJSON(a.Result), a.LatencyMS, len(a.StepsMS))
	case *types.ConfigValueAnswer:
		return fmt.Sprintf("%s = %s", args[0], compactJSON(json.RawMessage(a.Value)))
	case *types.ReportsAnswer:
		return reportsText(args[0], a.Reports)
	case *types.LoadTestAnswer:
		return loadTestText(a.Result)
	case *types.Empty:
		if path == "config set" {
			return args[0] + " set; `service refresh meta` applies it"
		}
		return path + " " + strings.Join(args, " ") + ": done"
	}
	return path + ": done"
}

// answerBody is an answer in full for the output history: its JSON,
// unless the headline already says all it holds.
func answerBody(answer any) string {
	switch a := answer.(type) {
	case *types.MessageAnswer, *types.Empty, *types.ConfiguredAnswer, *types.AppNamesAnswer, *types.ServiceNamesAnswer, nil:
		return ""
	case *types.ConfigValueAnswer:
		return prettyJSON(json.RawMessage(a.Value))
	}
	return prettyJSON(answer)
}

// appsText lists the apps with their number of steps.
func appsText(apps map[string]types.App) string {
	if len(apps) == 0 {
		return "no app is defined (app config FILE defines some)"
	}
	names := make([]string, 0, len(apps))
	for name := range apps {
		names = append(names, name)
	}
	sort.Strings(names)
	for i, name := range names {
		names[i] = fmt.Sprintf("%s (%d steps)", name, len(apps[name].Steps))
	}
	return "apps: " + strings.Join(names, ", ")
}

// reportsText says how many reports of a kind are kept and when the newest
// was made; their contents are for `jsorc reports` or the API.
func reportsText(kind string, rs []types.StoredReport) string {
	if len(rs) == 0 {
		return "no " + kind + " report is kept"
	}
	newest := rs[len(rs)-1].TS.Local().Format("2006-01-02 15:04:05")
	return fmt.Sprintf("%d %s reports kept, the newest of %s (`jsorc reports %s` prints them)", len(rs), kind, newest, kind)
}

// loadTestText sums a load test up: each run's requests and mean latency.
func loadTestText(res types.LoadTestResult) string {
	var parts []string
	for app, runs := range res {
		pols := make([]string, 0, len(runs))
		for pol := range runs {
			pols = append(pols, pol)
		}
		sort.Strings(pols)
		for _, pol := range pols {
			r := runs[pol]
			parts = append(parts, fmt.Sprintf("%s under %s: %d requests, %d errors, mean %.2f ms", app, pol, r.Requests, r.Errors, r.MeanMS))
		}
	}
	sort.Strings(parts)
	return "load test done: " + strings.Join(parts, "; ")
}

// compactJSON renders a value as JSON on one line.
func compactJSON(v any) string {
	if raw, ok := v.(json.RawMessage); ok {
		var x any
		if json.Unmarshal(raw, &x) == nil {
			v = x
		}
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}
