package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/jsorc/jsorc/api/types"
	"github.com/jsorc/jsorc/engine/services"
)

func runServiceInfo(ctx context.Context, r *runner, _ []string) error {
	var out struct {
		Services map[string]services.Info `json:"services"`
	}
	return r.admin(ctx, "service_info", nil, &out, func() {
		t := newTable("SERVICE", "STATE", "PID", "ENDPOINT", "RESTARTS", "LAST PROBE", "LAST ERROR")
		for _, name := range sortedNames(out.Services) {
			i := out.Services[name]
			probe := "-"
			if !i.LastProbe.IsZero() {
				probe = i.LastProbe.Local().Format(time.TimeOnly)
				if !i.ProbeOK {
					probe += " failed"
				}
			}
			pid := "-"
			if i.PID > 0 {
				pid = fmt.Sprint(i.PID)
			}
			t.row(name, string(i.State), pid, dash(i.Endpoint), fmt.Sprint(i.Restarts), probe, dash(firstLine(i.LastError)))
		}
		t.print(r.env.Stdout)
		printServiceAccess(r.env.Stdout, out.Services)
	})
}

// printServiceAccess lists who runs each service and where its credentials
// are kept (a file or a Secret; never the secret itself).
func printServiceAccess(w io.Writer, infos map[string]services.Info) {
	t := newTable("SERVICE", "RUNS AS", "CREDENTIALS", "URL")
	rows := 0
	for _, name := range sortedNames(infos) {
		i := infos[name]
		if i.Credentials == "" && i.User == "" {
			continue
		}
		t.row(name, dash(i.User), dash(i.Credentials), dash(i.URL))
		rows++
	}
	if rows > 0 {
		fmt.Fprintln(w)
		t.print(w)
	}
}

func runServiceConfig(ctx context.Context, r *runner, pos []string) error {
	b, err := os.ReadFile(pos[0])
	if err != nil {
		return fmt.Errorf("reading services file: %w", err)
	}
	abs, err := filepath.Abs(pos[0])
	if err != nil {
		abs = pos[0]
	}
	var out struct {
		Services []string `json:"services"`
	}
	return r.admin(ctx, "service_config", types.AppConfigParams{Config: string(b), Source: abs}, &out, func() {
		fmt.Fprintf(r.env.Stdout, "defined %s (add them to META_CONFIG's keep_alive to run them)\n", strings.Join(out.Services, ", "))
	})
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	if len(line) > 80 {
		line = line[:77] + "..."
	}
	return line
}
