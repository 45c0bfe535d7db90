package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sort"
	"strings"

	"github.com/jsorc/jsorc/api/types"
	"github.com/jsorc/jsorc/internal/cliargs"
	"github.com/jsorc/jsorc/internal/verbs"
)

// Env is what the CLI may touch of the process: its output streams and its
// environment.
type Env struct {
	Stdout io.Writer
	Stderr io.Writer
	Getenv func(string) string
	// Version is printed by `jsorc version`.
	Version string
	// RouteLogs, when set, is called once by the commands that run an
	// engine, with the logger they log to: main uses it to send client-go's
	// process-wide log output there instead of to the terminal.
	RouteLogs func(*slog.Logger)
}

// command is one verb of the CLI.
type command struct {
	path    string // words that select it, e.g. "actions load"
	usage   string // arguments after the path
	summary string
	// flags defines the verb's own flags; nil for none.
	flags func(fs *flag.FlagSet, o *opts)
	run   func(ctx context.Context, r *runner, pos []string) error
	// min and max bound the positional arguments (max -1: no bound).
	min, max int
	// offline marks a verb that talks to no engine: it takes no token.
	offline bool
	// verb is the verb of the shared table.
	verb *verbs.Verb
}

// opts holds every flag value a verb may define.
type opts struct {
	server, output       string
	params, addr, socket string
	data, name, logLevel string
	theme, attach        string
	recover, readOnly    bool
	seed                 float64
	// vals holds the values of the verb's flags of the shared table.
	vals verbs.Values
	// serve's backend flags (serveFlags).
	backend, kubeconfig, namespace, image string
	inCluster                             bool
	// the token and TLS (clientFlags, serveTrustFlags).
	token, tokenFile, tlsCA, tlsCert, tlsKey string
	allowOrigins, allowHosts                 listFlag
	maxConns                                 int
	// serve-action's WebAssembly module (--wasm, --wasm-config, --wasm-cache).
	wasm, wasmConfig, wasmCache string
}

// runner carries what every verb needs.
type runner struct {
	env  Env
	o    *opts
	path string
	// tokenSource says which token the client sent (clientToken).
	tokenSource string
	// serverSource is the URL file the engine's address was read from,
	// "" when it came from --server, $JSORC_SERVER or the default.
	serverSource string
}

// ErrUsage marks a mistake in the command line; main exits with status 2.
// It is the shared table's (internal/verbs), so a verb's own checks of its
// arguments are usage errors too.
var ErrUsage = verbs.ErrUsage

// Run runs the command line args (without the program name).
func Run(ctx context.Context, args []string, env Env) error {
	// A zero Env is usable: no output, an empty environment.
	if env.Stdout == nil {
		env.Stdout = io.Discard
	}
	if env.Stderr == nil {
		env.Stderr = io.Discard
	}
	if env.Getenv == nil {
		env.Getenv = func(string) string { return "" }
	}
	cmds := commands()
	// No arguments opens the console, when there is a terminal to draw on.
	if len(args) == 0 && isTerminal(os.Stdin) && isTerminal(env.Stdout) {
		args = []string{"console"}
	}
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		printHelp(env.Stdout, cmds)
		return nil
	}
	args = moveLeadingFlags(args)
	cmd, rest := find(cmds, args)
	if cmd == nil {
		return fmt.Errorf("%w: unknown command %q; `jsorc help` lists the commands", ErrUsage, strings.Join(firstWords(args, 2), " "))
	}
	o := &opts{}
	fs := cmd.flagSet(o)
	pos, err := cliargs.Parse(fs, rest)
	if errors.Is(err, cliargs.ErrHelp) {
		printUsage(env.Stdout, cmd, fs)
		return nil
	}
	if err != nil {
		return fmt.Errorf("%w: %v", ErrUsage, err)
	}
	if o.output != "table" && o.output != "json" {
		return fmt.Errorf("%w: -o %q: want table or json", ErrUsage, o.output)
	}
	if len(pos) < cmd.min || (cmd.max >= 0 && len(pos) > cmd.max) {
		return fmt.Errorf("%w: jsorc %s %s", ErrUsage, cmd.path, cmd.usage)
	}
	return cmd.run(ctx, &runner{env: env, o: o, path: cmd.path}, pos)
}

// flagSet defines every flag of the verb into o: the global ones, the
// verb's own and, for a verb that talks to an engine, the client's.
func (c *command) flagSet(o *opts) *flag.FlagSet {
	fs := flag.NewFlagSet(c.path, flag.ContinueOnError)
	fs.StringVar(&o.server, "server", "", "URL of the engine (default $JSORC_SERVER or http://"+types.DefaultAddr+")")
	fs.StringVar(&o.output, "o", "table", "output: table or json (the API answer)")
	if c.flags != nil {
		c.flags(fs, o)
	}
	if !c.offline {
		clientFlags(fs, o)
	}
	return fs
}

// find picks the command whose path matches the most leading words (as
// the console's line does: verbs.Find).
func find(cmds []command, args []string) (*command, []string) {
	vs := make([]verbs.Verb, len(cmds))
	for i := range cmds {
		vs[i] = verbs.Verb{Path: cmds[i].path}
	}
	v, rest := verbs.Find(vs, args)
	if v == nil {
		return nil, nil
	}
	for i := range cmds {
		if cmds[i].path == v.Path {
			return &cmds[i], rest
		}
	}
	return nil, nil
}

func firstWords(args []string, n int) []string {
	if len(args) < n {
		return args
	}
	return args[:n]
}

func printHelp(w io.Writer, cmds []command) {
	fmt.Fprintln(w, "jsorc — action orchestrator and operations console")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Usage: jsorc COMMAND [ARGS] [FLAGS]   (flags take one dash or two, anywhere)")
	fmt.Fprintln(w)
	sorted := append([]command(nil), cmds...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].path < sorted[j].path })
	for _, c := range sorted {
		fmt.Fprintf(w, "  %-46s %s\n", strings.TrimSpace(c.path+" "+c.usage), c.summary)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Every command that talks to an engine takes --server URL (or $JSORC_SERVER) and -o json; it sends")
	fmt.Fprintln(w, "the engine's API token from --token, $JSORC_TOKEN or the data directory (--data, $JSORC_DATA).")
	fmt.Fprintln(w, "`jsorc COMMAND -h` shows a command's flags.")
}

func printUsage(w io.Writer, c *command, fs *flag.FlagSet) {
	fmt.Fprintf(w, "Usage: jsorc %s %s\n\n%s\n\nFlags:\n", c.path, c.usage, c.summary)
	fs.SetOutput(w)
	fs.PrintDefaults()
}

// moveLeadingFlags moves the global flags given before the verb (jsorc
// --server URL actions status) behind it, where the verb's parser reads them.
func moveLeadingFlags(args []string) []string {
	var lead []string
	for len(args) > 0 && strings.HasPrefix(args[0], "-") {
		name, _, hasValue := strings.Cut(strings.TrimLeft(args[0], "-"), "=")
		switch name {
		case "server", "o", "token", "data", "tls-ca":
		default:
			return append(append([]string(nil), args...), lead...)
		}
		n := 2
		if hasValue {
			n = 1
		}
		if len(args) < n {
			break
		}
		lead = append(lead, args[:n]...)
		args = args[n:]
	}
	return append(append([]string(nil), args...), lead...)
}
