// Package verbs is jsorc's one table of commands: every verb of the CLI
// (`jsorc actions load NAME -mode remote`), which the console's `:` line
// takes in the same words. For each verb it holds the path, usage, summary,
// positional bounds and flags — so parsing, usage errors, completion and
// help agree everywhere — and, for a verb that talks to an engine, the API
// endpoint it calls (api/types) and how its arguments become that
// endpoint's parameters. A verb that runs on this machine only (serve,
// doctor, ...) says what it does instead, which the console shows when it
// is asked for one.
//
// The CLI adds its own flags (the engine's address, the output format,
// serve's settings) and prints answers its way; the console runs some
// verbs natively (loads it follows, panes it opens) and every other API
// verb through Params and the endpoint.
package verbs
