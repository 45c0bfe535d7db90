package engine

import (
	"fmt"

	"github.com/jsorc/jsorc/api/types"
	"github.com/jsorc/jsorc/engine/services"
)

// watchServices tells of every change of the kept-alive services since
// prev, what the sampler saw last time: a new state, a restart. It returns
// what it saw now. The keep-alive loop is the cause of what it does to its
// services.
func (e *Engine) watchServices(prev map[string]services.Info) map[string]services.Info {
	now := e.ServiceInfo()
	if prev == nil {
		return now // the first look: nothing changed yet
	}
	for _, name := range sortedKeys(now) {
		in, was := now[name], prev[name]
		switch {
		case in.Restarts > was.Restarts:
			msg := fmt.Sprintf("restarted (restart %d), now %s", in.Restarts, in.State)
			if in.LastError != "" {
				msg += "; last error: " + in.LastError
			}
			e.publish(types.CauseKeepAlive, EventService, name, msg)
		case in.State != was.State:
			from := string(was.State)
			if from == "" {
				from = "none"
			}
			e.publish(types.CauseKeepAlive, EventService, name, fmt.Sprintf("%s → %s", from, in.State))
		}
	}
	for name := range prev {
		if _, ok := now[name]; !ok {
			e.publish(types.CauseKeepAlive, EventService, name, "no longer kept alive")
		}
	}
	return now
}
