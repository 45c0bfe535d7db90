package verbs

import (
	"errors"
	"flag"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/jsorc/jsorc/internal/cliargs"
)

// ErrUsage marks a mistake in a command line: a missing or extra argument,
// an unknown flag, a value a flag does not take.
var ErrUsage = errors.New("usage")

// ArgKind says what a verb's positional arguments name, for completion.
type ArgKind int

// What positional arguments name.
const (
	ArgNone ArgKind = iota
	ArgModule
	ArgAction
	ArgPolicy
	ArgApp
	ArgFile
	// ArgReportKind is a kind of stored report (Values lists them).
	ArgReportKind
)

// Values lists the values a positional of this kind may take when they are
// fixed, for completion; nil otherwise.
func (a ArgKind) Values() []string {
	if a == ArgReportKind {
		return slices.Clone(reportKinds)
	}
	return nil
}

// FlagKind is the type of a flag's value.
type FlagKind int

// Kinds of flag values.
const (
	// String takes any text (Values, when set, lists what it accepts).
	String FlagKind = iota
	// Bool is true or false; given alone it is true.
	Bool
	// Number is a decimal number.
	Number
)

// Flag is one flag of a verb.
type Flag struct {
	Name    string
	Kind    FlagKind
	Default string
	Usage   string
	// Values lists the accepted values, for checks and completion; nil
	// accepts any.
	Values []string
	// CLI marks a flag only the CLI takes (it writes a file, say); the
	// console refuses it saying so.
	CLI bool
}

// Verb is one command of jsorc's command line.
type Verb struct {
	// Path is the words that select the verb, e.g. "actions load".
	Path string
	// Usage shows the arguments after the path; Summary says what it does.
	Usage, Summary string
	// Min and Max bound the positional arguments (Max -1: no bound).
	Min, Max int
	// Args says what the positionals name.
	Args  ArgKind
	Flags []Flag
	// Endpoint is the API endpoint the verb calls (a name of api/types),
	// and Params builds its parameters from the parsed arguments; both
	// are empty for a verb that runs on this machine.
	Endpoint string
	Params   func(in Input) (any, error)
	// Here says, for a verb that runs on this machine, why it is not run
	// through an engine's API (the console shows it when asked for one).
	Here string
	// Long marks a verb whose call lasts as long as its parameters say (a
	// load test), not a request's time.
	Long bool
}

// Input is a parsed command line: the positionals and every flag's value
// (given, or its default), and how to read the files it names.
type Input struct {
	Args  []string
	Flags Values
	// ReadFile reads a file the verb names (os.ReadFile).
	ReadFile func(string) ([]byte, error)
}

// Values holds flag values by name, as text.
type Values map[string]string

// Bool is a boolean flag's value.
func (v Values) Bool(name string) bool { return v[name] == "true" }

// Number is a number flag's value (0 when empty).
func (v Values) Number(name string) float64 {
	f, _ := strconv.ParseFloat(v[name], 64)
	return f
}

// Text is the usage of the verb: its path and arguments.
func (v *Verb) Text() string { return strings.TrimSpace(v.Path + " " + v.Usage) }

// Flag returns the verb's flag of a name, or nil.
func (v *Verb) Flag(name string) *Flag {
	for i := range v.Flags {
		if v.Flags[i].Name == name {
			return &v.Flags[i]
		}
	}
	return nil
}

// Define defines the verb's flags in fs; their values, defaults first,
// land in the returned Values as fs is parsed.
func (v *Verb) Define(fs *flag.FlagSet) Values {
	vals := Values{}
	for _, f := range v.Flags {
		vals[f.Name] = f.Default
		fs.Var(&flagValue{f: f, vals: vals}, f.Name, f.help())
	}
	return vals
}

// help is the flag's usage with its accepted values.
func (f Flag) help() string {
	if len(f.Values) > 0 {
		return f.Usage + " (" + strings.Join(f.Values, ", ") + ")"
	}
	return f.Usage
}

// Parse parses the arguments after the verb's path: flags anywhere, one
// dash or two, checked against their kinds and values, and the number of
// positionals. Errors wrap ErrUsage, or are cliargs.ErrHelp for -h.
func (v *Verb) Parse(args []string) (Input, error) {
	fs := flag.NewFlagSet(v.Path, flag.ContinueOnError)
	vals := v.Define(fs)
	pos, err := cliargs.Parse(fs, args)
	if errors.Is(err, cliargs.ErrHelp) {
		return Input{}, err
	}
	if err != nil {
		return Input{}, fmt.Errorf("%w: %s: %v", ErrUsage, v.Path, err)
	}
	if err := v.CheckArgs(pos); err != nil {
		return Input{}, err
	}
	return Input{Args: pos, Flags: vals}, nil
}

// CheckArgs checks the number of positional arguments.
func (v *Verb) CheckArgs(pos []string) error {
	if len(pos) < v.Min || (v.Max >= 0 && len(pos) > v.Max) {
		return fmt.Errorf("%w: %s", ErrUsage, v.Text())
	}
	return nil
}

// flagValue is a flag.Value that checks its kind and accepted values and
// stores the text in Values.
type flagValue struct {
	f    Flag
	vals Values
}

func (fv *flagValue) String() string {
	if fv.vals == nil {
		return fv.f.Default
	}
	return fv.vals[fv.f.Name]
}

func (fv *flagValue) Set(s string) error {
	switch fv.f.Kind {
	case Bool:
		if s != "true" && s != "false" {
			return fmt.Errorf("want true or false, not %q", s)
		}
	case Number:
		if _, err := strconv.ParseFloat(s, 64); err != nil {
			return fmt.Errorf("%q is not a number", s)
		}
	}
	if fv.f.Values != nil && !slices.Contains(fv.f.Values, s) {
		return fmt.Errorf("%q is not one of %s", s, strings.Join(fv.f.Values, ", "))
	}
	fv.vals[fv.f.Name] = s
	return nil
}

// IsBoolFlag lets a boolean flag stand alone (-wait).
func (fv *flagValue) IsBoolFlag() bool { return fv.f.Kind == Bool }

// Find picks the verb whose path matches the most leading words of args,
// and returns the arguments after it; nil when none matches.
func Find(vs []Verb, args []string) (*Verb, []string) {
	var best *Verb
	bestLen := 0
	for i := range vs {
		words := strings.Fields(vs[i].Path)
		if len(words) > len(args) || len(words) <= bestLen {
			continue
		}
		if slices.Equal(words, args[:len(words)]) {
			best, bestLen = &vs[i], len(words)
		}
	}
	if best == nil {
		return nil, nil
	}
	return best, args[bestLen:]
}

// NextWords returns the words that can follow words in a path of vs,
// sorted; nil when words already are a whole path and no longer one
// continues them.
func NextWords(vs []Verb, words []string) []string {
	var out []string
	for _, v := range vs {
		path := strings.Fields(v.Path)
		if len(path) <= len(words) || !slices.Equal(path[:len(words)], words) {
			continue
		}
		if !slices.Contains(out, path[len(words)]) {
			out = append(out, path[len(words)])
		}
	}
	slices.Sort(out)
	return out
}
