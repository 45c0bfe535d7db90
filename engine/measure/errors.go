package measure

import (
	"fmt"
	"time"

	"github.com/jsorc/jsorc/api/types"
)

// ErrNotStarted is matched (with errors.Is) by the errors of reading, ticking
// or stopping a tracker that is not running. It is the API's kind of the
// same name, so it keeps its identity over HTTP.
var ErrNotStarted = types.ErrNotStarted

// ErrAlreadyStarted is matched (with errors.Is) by the error of starting a
// tracker that is already running (the API's kind of the same name).
var ErrAlreadyStarted = types.ErrAlreadyStarted

// notStarted explains that tracker (a CLI noun such as "benchmark") is not
// running and how to start it.
func notStarted(tracker string) error {
	return fmt.Errorf("%s is %w: start it first with `jsorc %s start`", tracker, ErrNotStarted, tracker)
}

// alreadyStarted explains that tracker runs since since and how to restart it.
func alreadyStarted(tracker string, since time.Time) error {
	return fmt.Errorf("%s is %w (since %s): stop it first with `jsorc %s stop`",
		tracker, ErrAlreadyStarted, since.Format(time.RFC3339), tracker)
}

// unixSeconds converts t to JSORC's timestamps: Unix seconds as a float.
func unixSeconds(t time.Time) float64 {
	return float64(t.UnixNano()) / 1e9
}
