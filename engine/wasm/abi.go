package wasm

// The names and codes of jsorc's WebAssembly action ABI, version 1
// (docs/wasm-abi.md).

// ABIVersion is the version of the ABI this package speaks. A module
// declares the version it was built for through ExportABIVersion.
const ABIVersion = 1

// What a module exports.
const (
	// ExportABIVersion is `jsorc_abi_version() -> i32`: the ABI version the
	// module speaks.
	ExportABIVersion = "jsorc_abi_version"
	// ExportSpec is `jsorc_spec() -> i32`: the module hands its spec (JSON)
	// to the host through ImportOutput and returns StatusOK.
	ExportSpec = "jsorc_spec"
	// ExportCall is `jsorc_call(action_len i32, args_len i32) -> i32`: the
	// module allocates room for the action's name and its arguments, asks
	// the host to fill it through ImportInput, runs the action, hands the
	// result (or the error) to the host through ImportOutput and returns a
	// status.
	ExportCall = "jsorc_call"
	// ExportMemory is the module's linear memory, through which every byte
	// travels.
	ExportMemory = "memory"
	// exportInitialize is the reactor's initializer (WASI), run once when
	// an instance is made, before any other export.
	exportInitialize = "_initialize"
)

// What the host offers a module, in the import module HostModule.
const (
	// HostModule is the import module of the host's functions.
	HostModule = "jsorc"
	// ImportInput is `input(action_ptr i32, args_ptr i32)`: the host writes
	// the action's name (action_len bytes of UTF-8) at action_ptr and the
	// argument object (args_len bytes of JSON) at args_ptr, in memory the
	// module owns.
	ImportInput = "input"
	// ImportOutput is `output(ptr i32, len i32)`: the host copies len bytes
	// at ptr — the result's JSON, or the error — before it returns, so the
	// module may free them at once. A later call replaces an earlier one.
	ImportOutput = "output"
	// wasiModule is the WASI preview 1 import module.
	wasiModule = "wasi_snapshot_preview1"
)

// Status is what jsorc_call returns.
type Status uint32

// The statuses of a call.
const (
	// StatusOK: the output is the result, as JSON (no output: null).
	StatusOK Status = 0
	// StatusArgError: the caller's arguments were wrong; the output says
	// why (HTTP 422 from an action server, 400 from jsorc's API).
	StatusArgError Status = 1
	// StatusFailed: the action failed on good arguments; the output says
	// why (HTTP 500 from an action server).
	StatusFailed Status = 2
)

// MaxOutputBytes bounds what one output may hand the host.
const MaxOutputBytes = 64 << 20
