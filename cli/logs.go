package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/jsorc/jsorc/api/types"
)

// logsPoll is how often `jsorc logs -f` asks for what the log gained.
const logsPoll = 500 * time.Millisecond

// runLogs prints the end of a module's or a service's log and, with -f,
// what it gains until ctx ends (ctrl+c), across rotations and restarts.
func runLogs(ctx context.Context, r *runner, pos []string) error {
	v := r.verb()
	params, err := r.params(v, pos)
	if err != nil {
		return err
	}
	c, err := r.client()
	if err != nil {
		return err
	}
	p := params.(types.LogsParams)
	follow := r.o.vals.Bool("f")
	for {
		a, err := types.Call(ctx, c, types.Logs, p)
		if err != nil {
			if follow && ctx.Err() != nil {
				return nil
			}
			return r.explain(err)
		}
		if a.Reset && p.ID != "" {
			fmt.Fprintf(r.env.Stderr, "-- %s: the log started again (rotated or restarted) --\n", a.Source)
		}
		fmt.Fprint(r.env.Stdout, a.Text)
		if !follow {
			return nil
		}
		p.Offset, p.ID, p.Max = a.Next, a.ID, types.MaxLogBytes
		if a.Next < a.Size {
			continue // more is there already
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(logsPoll):
		}
	}
}
