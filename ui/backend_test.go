package ui_test

import (
	"github.com/jsorc/jsorc/api"
	"github.com/jsorc/jsorc/api/client"
	"github.com/jsorc/jsorc/ui"
)

// The HTTP client of an attached engine and the in-process caller of the
// console's own engine must both stay a Backend.
var (
	_ ui.Backend = (*client.Client)(nil)
	_ ui.Backend = (*api.LocalEngine)(nil)
)
