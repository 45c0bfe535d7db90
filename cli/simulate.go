package cli

import (
	"context"
	"flag"
	"fmt"

	"github.com/jsorc/jsorc/engine/policy"
)

func simulateFlags(fs *flag.FlagSet, o *opts) {
	fs.Float64Var(&o.seed, "seed", 1, "seed of the simulated per-call noise")
}

// runSimulate is `jsorc simulate`: the deterministic comparison of the
// policies on JSORC's experiment. -o json prints the rows.
func runSimulate(_ context.Context, r *runner, _ []string) error {
	rep, err := policy.SimulateReport(policy.SimConfig{Seed: uint64(r.o.seed)})
	if err != nil {
		return fmt.Errorf("simulate: %w", err)
	}
	if r.o.output == "json" {
		printJSON(r.env.Stdout, rep.Rows)
		return nil
	}
	fmt.Fprint(r.env.Stdout, rep.String())
	if len(rep.Misses) > 0 {
		return fmt.Errorf("simulate: %d targets missed", len(rep.Misses))
	}
	return nil
}
