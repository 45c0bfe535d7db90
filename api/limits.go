package api

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/jsorc/jsorc/api/types"
	"github.com/jsorc/jsorc/internal/jsonscan"
)

// Limits bound what one request may cost the engine. Zero fields take the
// values of DefaultLimits.
type Limits struct {
	// SmallBody bounds the body of an endpoint that takes a few parameters.
	SmallBody int64
	// LargeBody bounds the body of one that takes a file's text or call
	// arguments: the config endpoints, actions_call, app_run, loadtest.
	LargeBody int64
	// ConfigBody bounds the body of jsorc_actions_config, which may carry
	// WebAssembly modules (base64, a third larger than the files).
	ConfigBody int64
	// HeavyBody is the body size from which a request counts as heavy.
	HeavyBody int64
	// Heavy bounds the heavy requests served at once: bodies over
	// HeavyBody, configurations (parsed from YAML) and stored reports. One
	// more gets 429 with Retry-After.
	Heavy int
	// MaxValues bounds the JSON values (scalars, arrays, objects) of one
	// body, and MaxDepth their nesting: decoding costs memory per value, so
	// both are checked before decoding.
	MaxValues int
	MaxDepth  int
}

// DefaultLimits returns the limits a Server applies unless told otherwise.
// Decoding a JSON value into Go costs up to about 40 bytes, so MaxValues
// bounds one body's decoded size to some 40 MB, and Heavy such bodies to
// four at once.
func DefaultLimits() Limits {
	return Limits{
		SmallBody:  64 << 10,
		LargeBody:  8 << 20,
		ConfigBody: 96 << 20,
		HeavyBody:  256 << 10,
		Heavy:      4,
		MaxValues:  1 << 20,
		MaxDepth:   64,
	}
}

func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	orDefault(&l.SmallBody, d.SmallBody)
	orDefault(&l.LargeBody, d.LargeBody)
	orDefault(&l.ConfigBody, d.ConfigBody)
	orDefault(&l.HeavyBody, d.HeavyBody)
	orDefault(&l.Heavy, d.Heavy)
	orDefault(&l.MaxValues, d.MaxValues)
	orDefault(&l.MaxDepth, d.MaxDepth)
	return l
}

// orDefault sets *v to def unless it is positive.
func orDefault[T int | int64](v *T, def T) {
	if *v <= 0 {
		*v = def
	}
}

// heavySlots is the semaphore of heavy requests.
type heavySlots chan struct{}

// tryAcquire takes a slot if one is free.
func (h heavySlots) tryAcquire() bool {
	select {
	case h <- struct{}{}:
		return true
	default:
		return false
	}
}

func (h heavySlots) release() { <-h }

// readParams reads and checks the body of a call of endpoint: within its
// size limit, a heavy slot taken when it needs one, valid UTF-8, nesting
// and number of values within bounds, all before any decoding. release
// gives the slot back; it is never nil.
func (s *Server) readParams(w http.ResponseWriter, r *http.Request, rt route) (body []byte, release func(), err error) {
	endpoint := rt.info.Name
	lim := s.limits
	limit := lim.SmallBody
	if rt.large {
		limit = lim.LargeBody
	}
	if endpoint == types.ActionsConfig.Name() {
		limit = max(limit, lim.ConfigBody)
	}
	release = func() {}
	heavy := false
	takeSlot := func() error {
		if heavy {
			return nil
		}
		if !s.heavy.tryAcquire() {
			return fmt.Errorf("%w: %d heavy requests (configurations, reports, bodies over %d bytes) are being served, the most at once: retry after %d s", errBusy, lim.Heavy, lim.HeavyBody, int(retryAfter.Seconds()))
		}
		heavy, release = true, s.heavy.release
		return nil
	}
	if r.ContentLength > limit {
		return nil, release, tooLarge(endpoint, limit)
	}
	if rt.heavy || r.ContentLength > lim.HeavyBody {
		if err := takeSlot(); err != nil {
			return nil, release, err
		}
	}
	var buf bytes.Buffer
	if r.ContentLength > 0 {
		buf.Grow(int(r.ContentLength) + 1)
	}
	in := http.MaxBytesReader(w, r.Body, limit)
	// A body of unknown length takes a slot once it grows past HeavyBody.
	n, err := io.CopyN(&buf, in, lim.HeavyBody+1)
	if err == nil && n > lim.HeavyBody {
		if err = takeSlot(); err == nil {
			_, err = io.Copy(&buf, in)
		}
	} else if errors.Is(err, io.EOF) {
		err = nil
	}
	if err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			err = tooLarge(endpoint, limit)
		} else if !errors.Is(err, errBusy) {
			err = fmt.Errorf("%w: reading the request body: %w", errBadRequest, err)
		}
		return nil, release, err
	}
	if err := jsonscan.Check(buf.Bytes(), lim.MaxDepth, lim.MaxValues); err != nil {
		return nil, release, fmt.Errorf("%w: %w", errBadRequest, err)
	}
	return buf.Bytes(), release, nil
}

// tooLarge says that endpoint takes a body of at most limit bytes.
func tooLarge(endpoint string, limit int64) error {
	return fmt.Errorf("%w: %s takes a body of at most %d bytes", errTooLarge, endpoint, limit)
}
