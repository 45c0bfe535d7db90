// Package cliargs parses a command line's flags the way jsorc's CLI takes
// them: anywhere between the positionals, with one dash or two, as -name
// value or -name=value. It knows nothing of the commands; it depends on the
// standard library only, so its fuzz test builds in seconds.
package cliargs
