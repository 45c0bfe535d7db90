// Package ui is jsorc's operations console, a Bubble Tea program: panes for
// services, actions, policy, benchmark and live graphs, k9s-style keys, and a
// command line that takes the CLI's syntax.
//
// The console knows the engine only through Backend — the engine's exported
// API in-process, or its HTTP API when attached — and never reaches into the
// engine's internals. All engine work runs in tea.Cmds.
package ui
