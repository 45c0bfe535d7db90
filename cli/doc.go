// Package cli is jsorc's command line: the JSORC verbs word for word
// (`jsorc actions load use_enc -mode remote`), which talk to a running
// engine through package api, and the commands that run one (`serve`,
// `serve-action`). main.go hands it the arguments and nothing else.
//
// Flags may come before, between or after positional arguments and take one
// dash or two, as JSORC's CLI allowed.
package cli
