package cliargs

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

// ErrHelp is returned when the user asked for help; it is not a failure.
var ErrHelp = errors.New("help requested")

// Parse reads args into fs, allowing flags anywhere: between positionals,
// with one or two dashes, as -name value or -name=value. "--" ends the flags.
// It returns the positional arguments.
func Parse(fs *flag.FlagSet, args []string) ([]string, error) {
	fs.SetOutput(io.Discard)
	var pos []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			pos = append(pos, args[i+1:]...)
			break
		}
		if len(a) < 2 || a[0] != '-' || IsNumber(a) {
			pos = append(pos, a)
			continue
		}
		name, value, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if name == "h" || name == "help" {
			return nil, ErrHelp
		}
		f := fs.Lookup(name)
		if f == nil {
			return nil, fmt.Errorf("unknown flag %s (see `jsorc %s -h`)", a, fs.Name())
		}
		if !hasValue {
			if bf, ok := f.Value.(interface{ IsBoolFlag() bool }); ok && bf.IsBoolFlag() {
				value = "true"
				// A following true/false belongs to the flag (-retire_svc false).
				if i+1 < len(args) && (args[i+1] == "true" || args[i+1] == "false") {
					value = args[i+1]
					i++
				}
			} else {
				if i+1 >= len(args) {
					return nil, fmt.Errorf("flag %s needs a value", a)
				}
				value = args[i+1]
				i++
			}
		}
		if err := fs.Set(name, value); err != nil {
			return nil, fmt.Errorf("flag %s: %w", a, err)
		}
	}
	return pos, nil
}

// IsNumber reports whether s is a number, possibly negative: "-5" is a
// positional, not a flag.
func IsNumber(s string) bool {
	s = strings.TrimPrefix(s, "-")
	if s == "" {
		return false
	}
	for _, r := range s {
		if (r < '0' || r > '9') && r != '.' {
			return false
		}
	}
	return true
}
