package actions

// This file holds the synth module: a workload of configurable memory, CPU
// time and response size, standing in for real models in experiments.

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"
)

// Limits of the synth config.
const (
	// MaxSynthMemMB bounds mem_mb (16 TiB); loading also refuses more than
	// the machine's physical memory.
	MaxSynthMemMB = 16 << 20
	// MaxSynthResponseBytes bounds response_bytes (64 MiB).
	MaxSynthResponseBytes = 64 << 20
	// MaxSynthCPUMs bounds cpu_ms (one minute of CPU per call).
	MaxSynthCPUMs = 60_000
	// MaxSynthWaitMs bounds wait_ms (one minute per call).
	MaxSynthWaitMs = 60_000
	// MaxSynthSlots bounds slots.
	MaxSynthSlots = 1 << 16
)

// synthPage is the stride at which loaded memory is touched.
const synthPage = 4096

// synthChunk is how many bytes are hashed between two looks at the thread's
// CPU clock and the context (a few microseconds of work).
const synthChunk = 16 << 10

// SynthParams is the config of a synth module. The zero value is not the
// default: use DefaultSynthParams or ParseSynthParams.
type SynthParams struct {
	// MemMB is how many MiB loading allocates and touches, so they are
	// resident; Close drops them.
	MemMB int
	// CPUMs is the thread CPU time, in milliseconds, each call burns.
	CPUMs float64
	// WaitMs is how long, in milliseconds, each call then waits without
	// using the CPU: a model waiting on an accelerator, a disk or another
	// service.
	WaitMs float64
	// Slots is how many calls one instance serves at once (0: no limit);
	// the others wait their turn, so an instance queues as a server with
	// one accelerator does.
	Slots int
	// ResponseBytes is the length of the payload string of each answer.
	ResponseBytes int
	// Actions names the module's actions; each behaves the same.
	Actions []string
}

// DefaultSynthParams returns the config of a synth module whose config is
// empty: no memory, no CPU work, 64-byte payloads, one action "infer".
func DefaultSynthParams() SynthParams {
	return SynthParams{ResponseBytes: 64, Actions: []string{"infer"}}
}

// ParseSynthParams reads a synth config: mem_mb (int ≥ 0), cpu_ms and
// wait_ms (numbers ≥ 0), slots and response_bytes (ints ≥ 0), each up to
// its Max constant,
// and actions (a non-empty list of distinct identifiers). Every key is
// optional and falls back to DefaultSynthParams; unknown keys and values of
// the wrong type or range are errors.
func ParseSynthParams(params map[string]any) (SynthParams, error) {
	p := DefaultSynthParams()
	if err := checkConfigKeys("synth", params, "mem_mb", "cpu_ms", "wait_ms", "slots", "response_bytes", "actions"); err != nil {
		return p, err
	}
	var err error
	if p.MemMB, err = Int(params, "mem_mb", p.MemMB); err != nil {
		return p, fmt.Errorf("synth config: %w", err)
	}
	if p.CPUMs, err = Float(params, "cpu_ms", p.CPUMs); err != nil {
		return p, fmt.Errorf("synth config: %w", err)
	}
	if p.WaitMs, err = Float(params, "wait_ms", p.WaitMs); err != nil {
		return p, fmt.Errorf("synth config: %w", err)
	}
	if p.Slots, err = Int(params, "slots", p.Slots); err != nil {
		return p, fmt.Errorf("synth config: %w", err)
	}
	if p.ResponseBytes, err = Int(params, "response_bytes", p.ResponseBytes); err != nil {
		return p, fmt.Errorf("synth config: %w", err)
	}
	if v, ok := params["actions"]; ok && v != nil {
		names, err := stringList(v)
		if err != nil {
			return p, fmt.Errorf("synth config: actions: %w", err)
		}
		p.Actions = slices.Clone(names)
	}
	if err := p.Validate(); err != nil {
		return p, err
	}
	return p, nil
}

// Validate checks the ranges of the config.
func (p SynthParams) Validate() error {
	switch {
	case p.MemMB < 0 || p.MemMB > MaxSynthMemMB:
		return fmt.Errorf("synth config: mem_mb is %d, want 0..%d", p.MemMB, MaxSynthMemMB)
	case math.IsNaN(p.CPUMs) || p.CPUMs < 0 || p.CPUMs > MaxSynthCPUMs:
		return fmt.Errorf("synth config: cpu_ms is %v, want 0..%d", p.CPUMs, MaxSynthCPUMs)
	case math.IsNaN(p.WaitMs) || p.WaitMs < 0 || p.WaitMs > MaxSynthWaitMs:
		return fmt.Errorf("synth config: wait_ms is %v, want 0..%d", p.WaitMs, MaxSynthWaitMs)
	case p.Slots < 0 || p.Slots > MaxSynthSlots:
		return fmt.Errorf("synth config: slots is %d, want 0..%d (0: no limit)", p.Slots, MaxSynthSlots)
	case p.ResponseBytes < 0 || p.ResponseBytes > MaxSynthResponseBytes:
		return fmt.Errorf("synth config: response_bytes is %d, want 0..%d", p.ResponseBytes, MaxSynthResponseBytes)
	case len(p.Actions) == 0:
		return fmt.Errorf("synth config: actions is empty, want at least one name")
	}
	for i, name := range p.Actions {
		if !isIdentifier(name) {
			return fmt.Errorf("synth config: actions[%d] is %q, want an identifier (letters, digits, _; not starting with a digit)", i, name)
		}
		if slices.Contains(p.Actions[:i], name) {
			return fmt.Errorf("synth config: action %q listed twice", name)
		}
	}
	return nil
}

func isIdentifier(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		switch {
		case r == '_', 'a' <= r && r <= 'z', 'A' <= r && r <= 'Z':
		case '0' <= r && r <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}

// synth is a loaded synth module.
type synth struct {
	params  SynthParams
	actions []Action
	// work is the read-only buffer hashed to burn CPU.
	work []byte
	// slots holds a token per call being served when the config limits
	// them (nil: no limit).
	slots chan struct{}

	mu sync.Mutex
	// mem is the resident memory held while loaded; nil after Close. It is
	// an anonymous mapping outside the Go heap (on Linux), so its pages are
	// the module's alone: no collector cycle, race-detector shadow or heap
	// reuse blurs what loading and closing cost.
	mem []byte
}

func synthBuiltin() Builtin {
	return Builtin{
		Name: "synth",
		Doc:  "configurable workload for experiments; config: mem_mb, cpu_ms, response_bytes, actions",
		New: func(params map[string]any) (Instance, error) {
			p, err := ParseSynthParams(params)
			if err != nil {
				return nil, err
			}
			return NewSynth(p)
		},
	}
}

// NewSynth loads a synth module: it allocates and touches p.MemMB MiB, which
// must fit in the machine's physical memory, and returns the instance whose
// actions are named p.Actions.
func NewSynth(p SynthParams) (Instance, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	p.Actions = slices.Clone(p.Actions)
	need := uint64(p.MemMB) << 20
	if total, ok := physicalMemory(); ok && need > total {
		return nil, fmt.Errorf("synth load: mem_mb %d exceeds the machine's %d MiB of memory", p.MemMB, total>>20)
	}
	s := &synth{params: p, work: make([]byte, synthChunk)}
	if p.Slots > 0 {
		s.slots = make(chan struct{}, p.Slots)
	}
	for i := range s.work {
		s.work[i] = byte(i * 131)
	}
	if need > 0 {
		mem, err := mapMemory(int(need))
		if err != nil {
			return nil, fmt.Errorf("synth load: mem_mb %d: %w", p.MemMB, err)
		}
		for i := 0; i < len(mem); i += synthPage {
			mem[i] = 1
		}
		s.mem = mem
	}
	for _, name := range p.Actions {
		s.actions = append(s.actions, Action{
			Name: name,
			Doc:  "synthetic work; answers a digest of data and a payload",
			Params: []Param{
				{Name: "data", Kind: Optional, Type: TypeAny},
			},
			Fn: s.call(name),
		})
	}
	return s, nil
}

// Actions lists the configured actions.
func (s *synth) Actions() []Action { return slices.Clone(s.actions) }

// Close gives the loaded memory back to the operating system at once.
func (s *synth) Close() error {
	s.mu.Lock()
	mem := s.mem
	s.mem = nil
	s.mu.Unlock()
	if mem == nil {
		return nil
	}
	if err := unmapMemory(mem); err != nil {
		return fmt.Errorf("synth close: %w", err)
	}
	return nil
}

// call returns the function of the action called name: take a slot when
// they are limited, burn the configured CPU time, wait the configured
// time, then answer the digest of the JSON of data and a payload.
func (s *synth) call(name string) Func {
	return func(ctx context.Context, args map[string]any) (any, error) {
		if s.slots != nil {
			select {
			case s.slots <- struct{}{}:
				defer func() { <-s.slots }()
			case <-ctx.Done():
				return nil, fmt.Errorf("synth.%s: waiting for a free slot: %w", name, ctx.Err())
			}
		}
		if err := s.burn(ctx); err != nil {
			return nil, fmt.Errorf("synth.%s: %w", name, err)
		}
		if err := s.wait(ctx); err != nil {
			return nil, fmt.Errorf("synth.%s: %w", name, err)
		}
		raw, err := json.Marshal(args["data"])
		if err != nil {
			return nil, fmt.Errorf("synth.%s: data: %w", name, err)
		}
		sum := sha256.Sum256(raw)
		digest := hex.EncodeToString(sum[:])
		return map[string]any{
			"action":  name,
			"digest":  digest,
			"payload": synthPayload(digest, s.params.ResponseBytes),
		}, nil
	}
}

// synthPayload repeats digest up to n characters.
func synthPayload(digest string, n int) string {
	var b strings.Builder
	b.Grow(n)
	for b.Len() < n {
		b.WriteString(digest[:min(len(digest), n-b.Len())])
	}
	return b.String()
}

// wait waits the configured wait_ms on a timer, or until ctx ends.
func (s *synth) wait(ctx context.Context) error {
	d := time.Duration(s.params.WaitMs * float64(time.Millisecond))
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("wait interrupted: %w", ctx.Err())
	}
}

// burn hashes the work buffer on a locked OS thread until that thread's CPU
// time has advanced by the configured cpu_ms, checking ctx between chunks.
func (s *synth) burn(ctx context.Context) error {
	want := time.Duration(s.params.CPUMs * float64(time.Millisecond))
	if want <= 0 {
		return nil
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	start, err := threadCPUTime()
	if err != nil {
		return fmt.Errorf("cpu work: %w", err)
	}
	h := sha256.New()
	for {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("cpu work interrupted: %w", err)
		}
		h.Write(s.work)
		now, err := threadCPUTime()
		if err != nil {
			return fmt.Errorf("cpu work: %w", err)
		}
		if now-start >= want {
			break
		}
	}
	return nil
}
