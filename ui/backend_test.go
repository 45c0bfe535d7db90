package ui_test

import (
	"github.com/jsorc/jsorc/api"
	"github.com/jsorc/jsorc/ui"
)

// The HTTP client of an attached engine must stay a Backend.
var _ ui.Backend = (*api.Client)(nil)
