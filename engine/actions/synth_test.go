//go:build linux

package actions_test

// Tests and benchmarks of the synth module. They read /proc and getrusage,
// hence Linux only.

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"reflect"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jsorc/jsorc/engine/actions"
)

func TestParseSynthParams(t *testing.T) {
	tests := []struct {
		name    string
		params  map[string]any
		want    actions.SynthParams
		wantErr string
	}{
		{name: "nil", params: nil, want: actions.DefaultSynthParams()},
		{name: "empty", params: map[string]any{}, want: actions.DefaultSynthParams()},
		{
			name:   "all set",
			params: map[string]any{"mem_mb": 3.0, "cpu_ms": 2.5, "response_bytes": 10, "actions": []any{"encode", "cos_sim"}},
			want:   actions.SynthParams{MemMB: 3, CPUMs: 2.5, ResponseBytes: 10, Actions: []string{"encode", "cos_sim"}},
		},
		{
			name:   "nulls take defaults",
			params: map[string]any{"mem_mb": nil, "actions": nil},
			want:   actions.DefaultSynthParams(),
		},
		{name: "unknown key", params: map[string]any{"mem": 1}, wantErr: `unknown key "mem"`},
		{name: "negative mem", params: map[string]any{"mem_mb": -1}, wantErr: "mem_mb"},
		{name: "fractional mem", params: map[string]any{"mem_mb": 1.5}, wantErr: "mem_mb"},
		{name: "string mem", params: map[string]any{"mem_mb": "1"}, wantErr: "mem_mb"},
		{name: "negative cpu", params: map[string]any{"cpu_ms": -0.1}, wantErr: "cpu_ms"},
		{name: "huge cpu", params: map[string]any{"cpu_ms": 1e9}, wantErr: "cpu_ms"},
		{name: "bool cpu", params: map[string]any{"cpu_ms": true}, wantErr: "cpu_ms"},
		{
			name:   "a waiting server with one slot",
			params: map[string]any{"wait_ms": 20, "slots": 1},
			want:   actions.SynthParams{WaitMs: 20, Slots: 1, ResponseBytes: 64, Actions: []string{"infer"}},
		},
		{name: "negative wait", params: map[string]any{"wait_ms": -1}, wantErr: "wait_ms"},
		{name: "huge wait", params: map[string]any{"wait_ms": 1e9}, wantErr: "wait_ms"},
		{name: "negative slots", params: map[string]any{"slots": -1}, wantErr: "slots"},
		{name: "fractional slots", params: map[string]any{"slots": 1.5}, wantErr: "slots"},
		{name: "negative response", params: map[string]any{"response_bytes": -5}, wantErr: "response_bytes"},
		{name: "huge response", params: map[string]any{"response_bytes": 1 << 30}, wantErr: "response_bytes"},
		{name: "no actions", params: map[string]any{"actions": []any{}}, wantErr: "actions"},
		{name: "actions not a list", params: map[string]any{"actions": "infer"}, wantErr: "actions"},
		{name: "action not a string", params: map[string]any{"actions": []any{"a", 1.0}}, wantErr: "actions"},
		{name: "duplicate action", params: map[string]any{"actions": []any{"a", "a"}}, wantErr: "twice"},
		{name: "bad action name", params: map[string]any{"actions": []any{"1st"}}, wantErr: "identifier"},
		{name: "dotted action name", params: map[string]any{"actions": []any{"a.b"}}, wantErr: "identifier"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := actions.ParseSynthParams(tt.params)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want one mentioning %q", err, tt.wantErr)
				}
				if lerr := loadErr(t, "synth", tt.params); lerr == nil {
					t.Error("loading the module succeeded, want an error")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestNewSynthValidates(t *testing.T) {
	tests := []struct {
		name string
		p    actions.SynthParams
	}{
		{name: "zero value has no actions", p: actions.SynthParams{}},
		{name: "more memory than the machine", p: actions.SynthParams{MemMB: actions.MaxSynthMemMB, Actions: []string{"x"}}},
		{name: "more memory than the limit", p: actions.SynthParams{MemMB: 1 << 50, Actions: []string{"x"}}},
		{name: "negative cpu", p: actions.SynthParams{CPUMs: -1, Actions: []string{"x"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if inst, err := actions.NewSynth(tt.p); err == nil {
				_ = inst.Close()
				t.Fatal("NewSynth succeeded, want an error")
			}
		})
	}
}

func TestSynthSpec(t *testing.T) {
	got := actions.Spec("use_enc", load(t, "synth", map[string]any{"actions": []any{"encode", "cos_sim"}}))
	want := map[string][]string{"use_enc.encode": {"data"}, "use_enc.cos_sim": {"data"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("spec = %v, want %v", got, want)
	}
	if got := actions.Spec("synth", load(t, "synth", nil)); !reflect.DeepEqual(got, map[string][]string{"synth.infer": {"data"}}) {
		t.Errorf("default spec = %v", got)
	}
}

func TestSynthAnswers(t *testing.T) {
	digestOf := func(json string) string {
		s := sha256.Sum256([]byte(json))
		return hex.EncodeToString(s[:])
	}
	tests := []struct {
		name     string
		respSize int
		data     any
		json     string
	}{
		{name: "no data", respSize: 64, data: nil, json: "null"},
		{name: "string", respSize: 0, data: "hello", json: `"hello"`},
		{name: "object keys sorted", respSize: 1, data: map[string]any{"b": 1.0, "a": []any{"x", nil}}, json: `{"a":["x",null],"b":1}`},
		{name: "long payload", respSize: 1000, data: 42.0, json: "42"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inst := load(t, "synth", map[string]any{"response_bytes": tt.respSize, "actions": []any{"infer", "encode"}})
			args := map[string]any{}
			if tt.data != nil {
				args["data"] = tt.data
			}
			first, err := call(t, inst, "encode", args)
			if err != nil {
				t.Fatal(err)
			}
			again, err := call(t, inst, "encode", args)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(first, again) {
				t.Errorf("same input, different answers: %v vs %v", first, again)
			}
			m := first.(map[string]any)
			digest := digestOf(tt.json)
			if m["action"] != "encode" || m["digest"] != digest {
				t.Errorf("answer %v, want action encode and digest %s", m, digest)
			}
			payload := m["payload"].(string)
			if len(payload) != tt.respSize {
				t.Errorf("payload of %d bytes, want %d", len(payload), tt.respSize)
			}
			if want := strings.Repeat(digest, tt.respSize/len(digest)+1)[:tt.respSize]; payload != want {
				t.Errorf("payload %q, want %q", payload, want)
			}
		})
	}

	t.Run("different data, different digest", func(t *testing.T) {
		inst := load(t, "synth", nil)
		a, err := call(t, inst, "infer", map[string]any{"data": "a"})
		if err != nil {
			t.Fatal(err)
		}
		b, err := call(t, inst, "infer", map[string]any{"data": "b"})
		if err != nil {
			t.Fatal(err)
		}
		if a.(map[string]any)["digest"] == b.(map[string]any)["digest"] {
			t.Error("different data gave the same digest")
		}
	})
	t.Run("unknown argument", func(t *testing.T) {
		inst := load(t, "synth", nil)
		var ae *actions.ArgsError
		if _, err := call(t, inst, "infer", map[string]any{"text": "a"}); !errors.As(err, &ae) {
			t.Errorf("error = %v, want a validation error", err)
		}
	})
	t.Run("unencodable data", func(t *testing.T) {
		inst := load(t, "synth", nil)
		if _, err := call(t, inst, "infer", map[string]any{"data": make(chan int)}); err == nil {
			t.Error("a channel as data succeeded, want an error")
		}
	})
}

// residentBytes reads the process's resident set size from /proc.
func residentBytes(t *testing.T) int64 {
	t.Helper()
	raw, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		t.Skipf("cannot read RSS: %v", err)
	}
	fields := strings.Fields(string(raw))
	if len(fields) < 2 {
		t.Fatalf("statm %q: want at least 2 fields", raw)
	}
	pages, err := strconv.ParseInt(fields[1], 10, 64)
	if err != nil {
		t.Fatalf("statm %q: %v", raw, err)
	}
	return pages * int64(os.Getpagesize())
}

func TestSynthMemoryIsResident(t *testing.T) {
	const memMB = 64
	const mb = 1 << 20
	runtime.GC()
	debug.FreeOSMemory()
	before := residentBytes(t)

	b, err := actions.NewRegistry().Lookup("synth")
	if err != nil {
		t.Fatal(err)
	}
	inst, err := b.New(map[string]any{"mem_mb": memMB})
	if err != nil {
		t.Fatal(err)
	}
	loaded := residentBytes(t)
	grew := loaded - before
	t.Logf("RSS %d MiB before load, %d MiB loaded (+%d MiB)", before/mb, loaded/mb, grew/mb)
	if grew < memMB*mb*9/10 {
		t.Errorf("RSS grew by %d MiB on loading, want about %d", grew/mb, memMB)
	}

	if err := inst.Close(); err != nil {
		t.Fatal(err)
	}
	runtime.GC()
	debug.FreeOSMemory()
	after := residentBytes(t)
	t.Logf("RSS %d MiB after close", after/mb)
	if loaded-after < memMB*mb*9/10 {
		t.Errorf("RSS fell by %d MiB after close, want about %d", (loaded-after)/mb, memMB)
	}
	runtime.KeepAlive(inst)
}

// processCPU is the user plus system CPU time the process has used.
func processCPU(t *testing.T) time.Duration {
	t.Helper()
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		t.Fatalf("getrusage: %v", err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func TestSynthBurnsCPU(t *testing.T) {
	const cpuMs = 20
	inst := load(t, "synth", map[string]any{"cpu_ms": cpuMs})
	for i := range 3 {
		start, wall := processCPU(t), time.Now()
		if _, err := call(t, inst, "infer", map[string]any{"data": i}); err != nil {
			t.Fatal(err)
		}
		used, elapsed := processCPU(t)-start, time.Since(wall)
		t.Logf("call %d: %v CPU in %v", i, used, elapsed)
		if used < cpuMs*time.Millisecond {
			t.Errorf("call %d used %v of CPU, want ≥ %d ms", i, used, cpuMs)
		}
		if elapsed > 5*time.Second {
			t.Errorf("call %d took %v, want about %d ms", i, elapsed, cpuMs)
		}
	}
}

func TestSynthCancel(t *testing.T) {
	inst := load(t, "synth", map[string]any{"cpu_ms": 10_000})
	tests := []struct {
		name    string
		ctx     func() (context.Context, context.CancelFunc)
		wantErr error
	}{
		{
			name: "deadline",
			ctx: func() (context.Context, context.CancelFunc) {
				return context.WithTimeout(context.Background(), 50*time.Millisecond)
			},
			wantErr: context.DeadlineExceeded,
		},
		{
			name: "already cancelled",
			ctx: func() (context.Context, context.CancelFunc) {
				ctx, cancel := context.WithCancel(context.Background())
				cancel()
				return ctx, cancel
			},
			wantErr: context.Canceled,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := tt.ctx()
			defer cancel()
			start := time.Now()
			_, err := callCtx(ctx, t, inst, "infer", map[string]any{"data": "x"})
			if !errors.Is(err, tt.wantErr) {
				t.Errorf("error = %v, want %v", err, tt.wantErr)
			}
			if d := time.Since(start); d > 2*time.Second {
				t.Errorf("cancelled call returned after %v, want soon after cancellation", d)
			}
		})
	}
}

func TestSynthConcurrentCalls(t *testing.T) {
	inst := load(t, "synth", map[string]any{"cpu_ms": 2, "response_bytes": 100})
	want, err := call(t, inst, "infer", map[string]any{"data": "same"})
	if err != nil {
		t.Fatal(err)
	}
	a := action(t, inst, "infer")
	errs := make(chan error, 8)
	for range 8 {
		go func() {
			got, err := a.Fn(context.Background(), map[string]any{"data": "same"})
			if err == nil && !reflect.DeepEqual(got, want) {
				err = errors.New("concurrent call gave a different answer")
			}
			errs <- err
		}()
	}
	for range 8 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}

// TestSynthSlotsQueue: with one slot, concurrent calls of wait_ms each
// are served one after the other, so the last ends no sooner than their
// sum; a call waiting for a slot gives up when its context ends.
func TestSynthSlotsQueue(t *testing.T) {
	const n, waitMs = 4, 30
	inst := load(t, "synth", map[string]any{"wait_ms": waitMs, "slots": 1})
	a := action(t, inst, "infer")
	start := time.Now()
	errs := make(chan error, n)
	for range n {
		go func() {
			_, err := a.Fn(context.Background(), map[string]any{"data": 1})
			errs <- err
		}()
	}
	for range n {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if d := time.Since(start); d < n*waitMs*time.Millisecond {
		t.Errorf("%d calls of %d ms on one slot took %v: they did not queue", n, waitMs, d)
	}

	hold := make(chan error, 1)
	go func() {
		_, err := a.Fn(context.Background(), map[string]any{"data": 1})
		hold <- err
	}()
	time.Sleep(5 * time.Millisecond) // let it take the slot (if it has not, the call below just runs)
	ctx, cancel := context.WithTimeout(context.Background(), time.Millisecond)
	defer cancel()
	if _, err := a.Fn(ctx, map[string]any{"data": 1}); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("a call whose deadline passed: %v, want a deadline error", err)
	}
	if err := <-hold; err != nil {
		t.Fatal(err)
	}
}

func BenchmarkSynthInfer(b *testing.B) {
	inst := load(b, "synth", nil)
	a := action(b, inst, "infer")
	args := map[string]any{"data": map[string]any{"text": benchSentence, "k": 3.0}}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := a.Fn(b.Context(), args); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSynthCPU1ms(b *testing.B) {
	inst := load(b, "synth", map[string]any{"cpu_ms": 1})
	a := action(b, inst, "infer")
	args := map[string]any{"data": "x"}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := a.Fn(b.Context(), args); err != nil {
			b.Fatal(err)
		}
	}
}
