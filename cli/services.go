package cli

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/jsorc/jsorc/api/types"
)

// printServices prints the state of every kept-alive service, then who
// runs each and where its credentials are.
func printServices(w io.Writer, infos map[string]types.ServiceInfo) {
	t := newTable("SERVICE", "STATE", "PID", "ENDPOINT", "RESTARTS", "LAST PROBE", "LAST ERROR")
	for _, name := range sortedNames(infos) {
		i := infos[name]
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
	t.print(w)
	printServiceAccess(w, infos)
}

// printServiceAccess lists who runs each service and where its credentials
// are kept (a file or a Secret; never the secret itself).
func printServiceAccess(w io.Writer, infos map[string]types.ServiceInfo) {
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

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	if len(line) > 80 {
		line = line[:77] + "..."
	}
	return line
}
