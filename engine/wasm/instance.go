package wasm

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/tetratelabs/wazero/api"
)

// instance is one instantiation of a module: its own linear memory and
// globals, serving one call at a time.
type instance struct {
	mod  api.Module
	mem  api.Memory
	call api.Function
	spec api.Function
	abi  api.Function
	init api.Function // the reactor's initializer, or nil
	// intr is the interrupt global jsorc's loop checks test (interrupt.go),
	// nil when the module runs with wazero's checks or none.
	intr api.MutableGlobal

	// The call in progress: what input hands the module, what output
	// received.
	action string
	args   []byte
	out    []byte
	stack  [2]uint64
	// size is the linear memory's size after the last call, read by Size
	// under the module's lock.
	size int64

	// What the watchdog sees of the call in flight (watchdog.go): its
	// context and deadline (watchCtx nil: none), and why it stopped it.
	watchMu  sync.Mutex
	watchCtx context.Context
	deadline time.Time
	stopped  error
}

// hostModule instantiates jsorc's import module: input and output.
func (m *Module) hostModule(ctx context.Context) error {
	i32 := api.ValueTypeI32
	_, err := m.rt.NewHostModuleBuilder(HostModule).
		NewFunctionBuilder().
		WithGoModuleFunction(api.GoModuleFunc(m.hostInput), []api.ValueType{i32, i32}, nil).
		WithParameterNames("action_ptr", "args_ptr").
		Export(ImportInput).
		NewFunctionBuilder().
		WithGoModuleFunction(api.GoModuleFunc(m.hostOutput), []api.ValueType{i32, i32}, nil).
		WithParameterNames("ptr", "len").
		Export(ImportOutput).
		Instantiate(ctx)
	if err != nil {
		return fmt.Errorf("jsorc host functions: %w", err)
	}
	return nil
}

// hostInput writes the call's action name and arguments where the module
// asked. A pointer out of the module's memory traps the call (the panic
// becomes the call's error).
func (m *Module) hostInput(_ context.Context, mod api.Module, stack []uint64) {
	in := m.instanceOf(mod)
	ap, bp := api.DecodeU32(stack[0]), api.DecodeU32(stack[1])
	if !in.mem.WriteString(ap, in.action) || !in.mem.Write(bp, in.args) {
		panic(fmt.Errorf("%s.%s: the buffers at %d (%d bytes) and %d (%d bytes) are outside the module's memory of %d bytes",
			HostModule, ImportInput, ap, len(in.action), bp, len(in.args), in.mem.Size()))
	}
}

// hostOutput copies the module's output.
func (m *Module) hostOutput(_ context.Context, mod api.Module, stack []uint64) {
	in := m.instanceOf(mod)
	p, n := api.DecodeU32(stack[0]), api.DecodeU32(stack[1])
	if n > MaxOutputBytes {
		panic(fmt.Errorf("%s.%s: %d bytes is more than the %d one output may hand over", HostModule, ImportOutput, n, MaxOutputBytes))
	}
	b, ok := in.mem.Read(p, n)
	if !ok {
		panic(fmt.Errorf("%s.%s: %d bytes at %d are outside the module's memory of %d bytes", HostModule, ImportOutput, n, p, in.mem.Size()))
	}
	in.out = append(in.out[:0], b...)
}

func (m *Module) instanceOf(mod api.Module) *instance {
	v, ok := m.byMod.Load(mod)
	if !ok {
		panic(fmt.Errorf("jsorc host function called by an unknown instance"))
	}
	return v.(*instance)
}

// instantiate makes a new instance, runs its reactor initializer (under
// the watchdog, bounded by deadline) and checks its ABI version.
func (m *Module) instantiate(ctx context.Context, deadline time.Time) (*instance, error) {
	mod, err := m.rt.InstantiateModule(ctx, m.compiled, m.modCfg)
	if err != nil {
		return nil, fmt.Errorf("instantiating: %w", err)
	}
	in := &instance{
		mod:  mod,
		mem:  mod.Memory(),
		call: mod.ExportedFunction(ExportCall),
		spec: mod.ExportedFunction(ExportSpec),
		abi:  mod.ExportedFunction(ExportABIVersion),
		init: mod.ExportedFunction(exportInitialize),
	}
	if m.instrumented {
		g, ok := mod.ExportedGlobal(interruptExport).(api.MutableGlobal)
		if !ok {
			_ = mod.Close(ctx)
			return nil, fmt.Errorf("instantiating: the interrupt global %q is missing", interruptExport)
		}
		in.intr = g
	}
	m.byMod.Store(mod, in)
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		in.close(ctx)
		return nil, errClosed
	}
	m.live[in] = struct{}{}
	m.mu.Unlock()
	if err := m.initialize(ctx, in, deadline); err != nil {
		m.forget(in)
		return nil, err
	}
	size := int64(in.mem.Size())
	m.mu.Lock() // Size reads every live instance's size under m.mu
	in.size = size
	m.mu.Unlock()
	return in, nil
}

// initialize runs the reactor's initializer, if any, and checks the ABI
// version.
func (m *Module) initialize(ctx context.Context, in *instance, deadline time.Time) error {
	if in.init != nil {
		var stopped error
		if m.instrumented {
			m.beginWatch(ctx, in, deadline)
		}
		_, err := in.init.Call(ctx)
		if m.instrumented {
			stopped = m.endWatch(in)
		}
		if stopped != nil {
			return fmt.Errorf("%s: interrupted: %w", exportInitialize, stopped)
		}
		if err != nil {
			return fmt.Errorf("%s: %w", exportInitialize, err)
		}
	}
	res, err := in.abi.Call(ctx)
	if err != nil {
		return fmt.Errorf("%s: %w", ExportABIVersion, err)
	}
	if v := int32(res[0]); v != ABIVersion {
		return fmt.Errorf("it speaks ABI version %d; this jsorc speaks version %d (rebuild it against docs/wasm-abi.md)", v, ABIVersion)
	}
	return nil
}

// readSpec calls jsorc_spec and parses what it hands over.
func (in *instance) readSpec(ctx context.Context) (Spec, error) {
	in.out = in.out[:0]
	res, err := in.spec.Call(ctx)
	if err != nil {
		return Spec{}, fmt.Errorf("%s: %w", ExportSpec, err)
	}
	if st := Status(res[0]); st != StatusOK {
		return Spec{}, fmt.Errorf("%s returned status %d: %s", ExportSpec, st, in.out)
	}
	return parseSpec(in.out)
}

// invoke runs one call: the module reads action and args through input and
// hands its output over through output. An error is a trap, an exit or an
// interrupted deadline: the instance is unusable afterwards; stopped says
// why the watchdog stopped the call, if it did (the instance is unusable
// then too).
func (m *Module) invoke(ctx context.Context, in *instance, deadline time.Time, action string, args []byte) (st Status, stopped, err error) {
	in.action, in.args, in.out = action, args, in.out[:0]
	in.stack[0], in.stack[1] = uint64(len(action)), uint64(len(args))
	if m.instrumented {
		m.beginWatch(ctx, in, deadline)
	}
	err = in.call.CallWithStack(ctx, in.stack[:])
	if m.instrumented {
		stopped = m.endWatch(in)
	}
	in.args = nil
	if err != nil || stopped != nil {
		return 0, stopped, err
	}
	return Status(uint32(in.stack[0])), nil, nil
}

// close ends the instance; its memory goes with it.
func (in *instance) close(ctx context.Context) {
	_ = in.mod.Close(ctx)
}
