package ui

import (
	"context"
	"encoding/json"
	"time"

	"github.com/jsorc/jsorc/api/types"
)

// The fake backend's logs and descriptions, for the tests of the logs
// view, the output, the description and the call form.

// fakeLogSource is where the fake says its logs are.
const fakeLogSource = "/var/lib/jsorc/logs/action-textenc.log"

// appendLog adds text to the fake's log.
func (f *fakeBackend) appendLog(text string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.log = append(f.log, text...)
}

func (f *fakeBackend) opsEndpoints() map[string]func(ctx context.Context, params, answer any) error {
	return map[string]func(ctx context.Context, params, answer any) error{
		types.Logs.Name(): types.Bind(types.Logs, func(_ context.Context, p types.LogsParams) (types.LogsAnswer, error) {
			f.mu.Lock()
			defer f.mu.Unlock()
			if _, ok := f.modules[p.Name]; !ok && p.Kind != types.LogService {
				return types.LogsAnswer{}, types.Errorf(types.ErrNotFound, "module %q is not configured", p.Name)
			}
			limit := p.Max
			if limit == 0 {
				limit = types.DefaultLogBytes
			}
			size := int64(len(f.log))
			off := p.Offset
			if off < 0 {
				off = max(0, size-int64(limit))
			}
			off = min(off, size)
			end := min(size, off+int64(limit))
			return types.LogsAnswer{Name: p.Name, Kind: types.LogModule, Source: fakeLogSource, ID: "1",
				Text: string(f.log[off:end]), Offset: off, Next: end, Size: size}, nil
		}),
		types.EngineInfo.Name(): types.Bind(types.EngineInfo, func(context.Context, types.NoParams) (types.EngineInfoAnswer, error) {
			return types.EngineInfoAnswer{Backend: "local"}, nil
		}),
		types.ActionsDescribe.Name(): types.Bind(types.ActionsDescribe, func(_ context.Context, p types.NameParams) (types.DescribeAnswer, error) {
			f.mu.Lock()
			defer f.mu.Unlock()
			st, ok := f.modules[p.Name]
			if !ok {
				return types.DescribeAnswer{}, types.Errorf(types.ErrNotFound, "module %q is not configured", p.Name)
			}
			cfg, _ := json.Marshal(map[string]any{"builtin": st.Module.Builtin, "local_mem_requirement": st.Module.LocalMemRequirement, "source": st.Source})
			d := types.DescribeAnswer{Name: p.Name, Status: st, Config: cfg, Backend: "local", Log: fakeLogSource, Actions: []types.ActionSpec{}}
			for _, a := range st.Actions {
				spec := types.ActionSpec{Name: p.Name + "." + a}
				switch a {
				case "encode":
					spec.Params = []types.ParamSpec{{Name: "text", Kind: types.ParamRequired, Type: "str"}}
					spec.Doc = "encode a sentence as a vector"
				case "topk":
					spec.Params = []types.ParamSpec{{Name: "query", Kind: types.ParamRequired, Type: "str"}, {Name: "candidates", Kind: types.ParamRequired, Type: "list"}, {Name: "k", Kind: types.ParamOptional, Type: "int", Default: 3.0}}
				case "echo":
					spec.Params = []types.ParamSpec{{Name: "value", Kind: types.ParamRequired, Type: "any"}}
				default:
					spec.Params = []types.ParamSpec{{Name: "a", Kind: types.ParamRequired}, {Name: "**opts", Kind: types.ParamOpts}}
				}
				d.Actions = append(d.Actions, spec)
			}
			if p.Name == "textenc" {
				d.History = []types.Event{
					{Seq: 3, Type: types.EventLoad, Name: "textenc", At: goldenNow.Add(-80 * time.Second), Message: "load in remote mode", Cause: types.CauseConsole},
					{Seq: 5, Type: types.EventSwitch, Name: "textenc", At: goldenNow.Add(-79 * time.Second), Message: "module → remote", Cause: types.CauseConsole},
					{Seq: 9, Type: types.EventRestart, Name: "textenc", At: goldenNow.Add(-20 * time.Second), Message: "action server started again after: exit status 2: the server's own error message is long and says exactly what went wrong, in full", Cause: types.CauseKeepAlive},
				}
				d.Moves = f.policy.Decisions[:1]
			}
			return d, nil
		}),
	}
}
