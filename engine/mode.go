package engine

// Mode is where a module serves its calls.
type Mode string

// Modes. ModeNone means the module is configured but not loaded.
const (
	ModeNone   Mode = ""
	ModeModule Mode = "module"
	ModeRemote Mode = "remote"
	// ModeAuto is accepted by unload only: whatever the module serves in now.
	ModeAuto Mode = "auto"
)

// ParseLoadMode reads the mode of a load request; "local" is JSORC's alias
// of "module".
func ParseLoadMode(s string) (Mode, error) {
	switch s {
	case "module", "local":
		return ModeModule, nil
	case "remote":
		return ModeRemote, nil
	}
	return ModeNone, errorf(ErrInvalid, "mode %q: want module, local or remote", s)
}

// ParseUnloadMode reads the mode of an unload request; empty means auto.
func ParseUnloadMode(s string) (Mode, error) {
	switch s {
	case "", "auto":
		return ModeAuto, nil
	case "module", "local":
		return ModeModule, nil
	case "remote":
		return ModeRemote, nil
	}
	return ModeNone, errorf(ErrInvalid, "mode %q: want auto, module, local or remote", s)
}
