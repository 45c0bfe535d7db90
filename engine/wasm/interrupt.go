package wasm

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// How a module is made stoppable at a deadline, cheaply.
//
// wazero's own termination checks (WithCloseOnContextDone) leave compiled
// code at every loop iteration to let Go look at the instance, and start a
// goroutine per call to watch its context: tens of nanoseconds per
// iteration and about a microsecond per call. jsorc instead rewrites the
// module before compiling it: it adds one mutable i32 global, a countdown
// exported as interruptExport, and at the head of every loop
//
//	$c = $c - 1
//	if $c <= 0
//	  if $c < interruptStopBelow: unreachable   ;; stopped by the host
//	  $c = interruptEvery
//	  memory.grow 0 pages; drop                 ;; a trip into Go
//	end
//
// a decrement and a branch per iteration. Every interruptEvery iterations
// the module leaves compiled code once (growing memory by 0 pages calls
// into Go and changes nothing), so the Go runtime can preempt its
// goroutine: a garbage collection never waits long for a running call,
// and nothing depends on another goroutine to make that happen. The
// host's watchdog sets the countdown to interruptStop when a call passes
// its deadline: the next loop iteration traps, and the instance is
// replaced. Loops are the only way back in WebAssembly's control flow, so
// no code runs long without passing a loop head (recursion without a loop
// ends at the stack's limit).

// interruptExport names the countdown global; a module exporting the
// name itself is left to wazero's checks.
const interruptExport = "jsorc:interrupt"

// The countdown's values.
const (
	// interruptEvery is how many loop iterations pass between two trips
	// into Go: tens of microseconds of work.
	interruptEvery = 1 << 14
	// interruptStop is what the watchdog sets; any value below
	// interruptStopBelow traps at the next loop head.
	interruptStop      = -1 << 30
	interruptStopBelow = -1 << 29
)

// errNotInstrumentable is a module instrumentLoops cannot rewrite: one using
// an encoding it does not know. The module then runs with wazero's checks.
var errNotInstrumentable = errors.New("cannot add jsorc's loop checks")

// The sections instrumentLoops reads or writes.
const (
	secCustom = 0
	secImport = 2
	secMemory = 5
	secGlobal = 6
	secExport = 7
	secCode   = 10
)

// sectionRank is a section's place in a module's order (the data-count and
// tag sections are out of numeric order); custom sections have none.
func sectionRank(id byte) int {
	order := []byte{1, 2, 3, 4, 5, 13, 6, 7, 8, 9, 12, 10, 11}
	for i, s := range order {
		if s == id {
			return i + 1
		}
	}
	return 0
}

// instrumentLoops returns the module with the interrupt global and a test
// of it at the head of every loop (see above). Custom sections that point
// into the code by offset (DWARF, code metadata) are dropped: the offsets
// move.
func instrumentLoops(mod []byte) ([]byte, error) {
	all, err := splitSections(mod)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", errNotInstrumentable, err)
	}
	var secs []section
	// tail stands in for a dropped last section (see endingCustom).
	var tail []byte
	last := 0
	for _, s := range all {
		tail = nil
		if s.id != secCustom {
			// The sections are found by id, and the added ones go in by
			// rank: a second one would be mistaken for the first, one out
			// of order would be emitted twice (wazero refuses both, and
			// an unknown section, anyway).
			rank := sectionRank(s.id)
			if rank == 0 || rank <= last {
				return nil, fmt.Errorf("%w: section %d unknown or out of order", errNotInstrumentable, s.id)
			}
			last = rank
		} else if drop, empty, err := droppedCustom(s.body); err != nil {
			return nil, err
		} else if drop {
			tail = endingCustom(empty)
			continue
		}
		secs = append(secs, s)
	}
	importedGlobals, memories := 0, 0
	var globals, exports, code []byte
	for _, s := range secs {
		switch s.id {
		case secImport:
			im, err := readImports(s.body)
			if err != nil {
				return nil, fmt.Errorf("%w: imports: %v", errNotInstrumentable, err)
			}
			importedGlobals, memories = im.globals, memories+im.memories
		case secMemory:
			mr := &reader{b: s.body}
			memories += int(mr.u32())
		case secGlobal:
			globals = s.body
		case secExport:
			exports = s.body
		case secCode:
			code = s.body
		}
	}
	if code == nil {
		return nil, fmt.Errorf("%w: no code", errNotInstrumentable)
	}
	if memories == 0 {
		// The loop check's trip into Go is a memory.grow.
		return nil, fmt.Errorf("%w: no memory", errNotInstrumentable)
	}
	definedGlobals := uint32(0)
	if globals != nil {
		gr := &reader{b: globals}
		definedGlobals = gr.u32()
		if gr.err != nil {
			return nil, fmt.Errorf("%w: globals: %v", errNotInstrumentable, gr.err)
		}
	}
	g := uint32(importedGlobals) + definedGlobals
	global := appendS32([]byte{0x7f, 0x01, 0x41}, interruptEvery) // mut i32 = interruptEvery
	newGlobals, err := appendToVector(globals, append(global, 0x0b))
	if err != nil {
		return nil, err
	}
	exp := appendName(nil, interruptExport)
	exp = append(exp, 0x03) // a global
	exp = appendU32(exp, g)
	if err := checkExports(exports, g); err != nil {
		return nil, err
	}
	newExports, err := appendToVector(exports, exp)
	if err != nil {
		return nil, err
	}
	newCode, err := instrumentCode(code, g)
	if err != nil {
		return nil, err
	}
	replaced := map[byte][]byte{secGlobal: newGlobals, secExport: newExports, secCode: newCode}
	out := make([]byte, 0, len(mod)+len(mod)/8)
	out = append(out, mod[:8]...)
	emit := func(id byte, body []byte) {
		out = append(out, id)
		out = appendU32(out, uint32(len(body)))
		out = append(out, body...)
	}
	for _, s := range secs {
		// A section the module lacks goes in before the first section
		// that must follow it.
		if s.id != secCustom {
			for _, id := range []byte{secGlobal, secExport} {
				if replaced[id] != nil && sectionRank(s.id) > sectionRank(id) {
					emit(id, replaced[id])
					replaced[id] = nil
				}
			}
		}
		if body, ok := replaced[s.id]; ok {
			emit(s.id, body)
			replaced[s.id] = nil
			continue
		}
		emit(s.id, s.body)
	}
	if tail != nil {
		emit(secCustom, tail)
	}
	return out, nil
}

// endingCustom is the custom section that replaces a dropped one ending
// the module. wazero refuses a module whose last section is a custom
// section with nothing after its name (and accepts one anywhere else), so
// the module must end as it did: dropping the section would expose the
// one before it (wazero would refuse a module it compiled), or mend the
// module (it would compile one it refused). The stand-in holds nothing
// after its name when the dropped section held nothing, one byte
// otherwise.
func endingCustom(empty bool) []byte {
	b := appendName(nil, "jsorc.dropped")
	if !empty {
		b = append(b, 0)
	}
	return b
}

// droppedCustom says whether a custom section refers to code offsets (and
// is dropped), and whether it holds nothing after its name. One whose
// name is malformed is refused, not dropped: the module is malformed, and
// dropping the section would mend it.
func droppedCustom(body []byte) (drop, empty bool, err error) {
	r := &reader{b: body}
	n := r.u32()
	name := r.bytes(int(n))
	if r.err != nil || !utf8.Valid(name) {
		return false, false, fmt.Errorf("%w: a custom section's name is malformed", errNotInstrumentable)
	}
	s := string(name)
	drop = strings.HasPrefix(s, ".debug_") || strings.HasPrefix(s, "metadata.code.") ||
		s == "sourceMappingURL" || s == "external_debug_info"
	return drop, r.pos == len(body), nil
}

// checkExports refuses a module that exports the interrupt global's name
// itself, or exports a global at index g or beyond (invalid, but the
// added global would make it valid).
func checkExports(body []byte, g uint32) error {
	if body == nil {
		return nil
	}
	r := &reader{b: body}
	for n := r.u32(); n > 0 && r.err == nil; n-- {
		name := r.bytes(int(r.u32()))
		kind := r.byte()
		x := r.u32()
		if r.err != nil {
			break
		}
		if string(name) == interruptExport {
			return fmt.Errorf("%w: the module exports %q itself", errNotInstrumentable, interruptExport)
		}
		if kind == 0x03 && x >= g {
			return fmt.Errorf("%w: the module exports global %d of %d", errNotInstrumentable, x, g)
		}
	}
	if r.err != nil {
		return fmt.Errorf("%w: exports: %v", errNotInstrumentable, r.err)
	}
	if r.pos != len(body) {
		// The added export would follow them, and be read as part of them.
		return fmt.Errorf("%w: exports: %d bytes after the last export", errNotInstrumentable, len(body)-r.pos)
	}
	return nil
}

// section is one section of a module: its id and its body.
type section struct {
	id   byte
	body []byte
}

// splitSections cuts a version 1 WebAssembly binary into its sections,
// in order (see eachSection).
func splitSections(mod []byte) ([]section, error) {
	var secs []section
	err := eachSection(mod, func(s section) error {
		secs = append(secs, s)
		return nil
	})
	return secs, err
}

// eachSection hands f the sections of a version 1 WebAssembly binary, in
// order, refusing one that claims more bytes than the module holds, and
// stops at f's first error.
func eachSection(mod []byte, f func(section) error) error {
	if len(mod) < 8 || string(mod[:4]) != "\x00asm" || string(mod[4:8]) != "\x01\x00\x00\x00" {
		return errors.New("not a version 1 WebAssembly binary")
	}
	r := &reader{b: mod, pos: 8}
	for r.pos < len(r.b) {
		id := r.byte()
		n := r.u32()
		body := r.bytes(int(n))
		if r.err != nil {
			return fmt.Errorf("section %d at byte %d: %v", id, r.pos, r.err)
		}
		if err := f(section{id, body}); err != nil {
			return err
		}
	}
	return nil
}

// imports is what a module's import section declares.
type imports struct {
	functions, tables, memories, globals int
	// tableMin and memoryMin are the largest minimum sizes declared for
	// an imported table (entries) and memory (pages).
	tableMin, memoryMin uint64
}

// readImports reads a module's import section.
func readImports(body []byte) (imports, error) {
	var im imports
	r := &reader{b: body}
	for n := r.u32(); n > 0 && r.err == nil; n-- {
		r.bytes(int(r.u32())) // module
		r.bytes(int(r.u32())) // name
		switch kind := r.byte(); kind {
		case 0x00: // function: type index
			r.u32()
			im.functions++
		case 0x01: // table: reference type, limits
			r.refType()
			lo, _, _ := r.limits()
			im.tableMin = max(im.tableMin, lo)
			im.tables++
		case 0x02: // memory: limits
			lo, _, _ := r.limits()
			im.memoryMin = max(im.memoryMin, lo)
			im.memories++
		case 0x03: // global: value type, mutability
			r.refType()
			r.byte()
			im.globals++
		case 0x04: // tag: attribute, type index
			r.byte()
			r.u32()
		default:
			return imports{}, fmt.Errorf("import kind %#x", kind)
		}
	}
	return im, r.err
}

// appendToVector returns a vector section's body with one more entry
// (a new body when vec is nil).
func appendToVector(vec, entry []byte) ([]byte, error) {
	var n uint32
	var rest []byte
	if vec != nil {
		r := &reader{b: vec}
		n = r.u32()
		if r.err != nil {
			return nil, fmt.Errorf("%w: %v", errNotInstrumentable, r.err)
		}
		if int64(n) > int64(len(vec)) {
			// Each entry takes a byte at least: the module is malformed.
			return nil, fmt.Errorf("%w: %d entries in %d bytes", errNotInstrumentable, n, len(vec))
		}
		rest = vec[r.pos:]
	}
	out := appendU32(make([]byte, 0, len(vec)+len(entry)+5), n+1)
	out = append(out, rest...)
	return append(out, entry...), nil
}

// instrumentCode rewrites the code section: the loop test after every
// loop's block type.
func instrumentCode(body []byte, g uint32) ([]byte, error) {
	gi := appendU32(nil, g)
	get := append([]byte{0x23}, gi...)
	set := append([]byte{0x24}, gi...)
	var check []byte
	check = append(check, get...)
	check = append(check, 0x41, 0x01, 0x6b) // i32.const 1, i32.sub
	check = append(check, set...)
	check = append(check, get...)
	check = append(check, 0x41, 0x00, 0x4c, 0x04, 0x40) // i32.const 0, i32.le_s, if
	check = append(check, get...)
	check = appendS32(append(check, 0x41), interruptStopBelow)
	check = append(check, 0x48, 0x04, 0x40, 0x00, 0x0b) // i32.lt_s, if unreachable end
	check = appendS32(append(check, 0x41), interruptEvery)
	check = append(check, set...)
	check = append(check, 0x41, 0x00, 0x40, 0x00, 0x1a, 0x0b) // memory.grow 0 (0 pages), drop, end

	r := &reader{b: body}
	n := r.u32()
	out := appendU32(make([]byte, 0, len(body)+len(body)/8), n)
	var fn []byte
	for i := uint32(0); i < n && r.err == nil; i++ {
		size := r.u32()
		start := r.pos
		f := &reader{b: r.bytes(int(size))}
		if r.err != nil {
			break
		}
		fn = fn[:0]
		if err := f.locals(); err != nil {
			return nil, fmt.Errorf("%w: function %d: %v", errNotInstrumentable, i, err)
		}
		fn = append(fn, f.b[:f.pos]...)
		mark := f.pos
		for f.pos < len(f.b) && f.err == nil {
			op := f.byte()
			if op == 0x23 || op == 0x24 { // global.get, global.set
				// The added global takes the first free index: a
				// reference to it would mend an invalid module.
				if x := f.u32(); x >= g && f.err == nil {
					return nil, fmt.Errorf("%w: function %d refers to global %d of %d", errNotInstrumentable, i, x, g)
				}
				continue
			}
			if err := f.immediates(op); err != nil {
				return nil, fmt.Errorf("%w: function %d at byte %d: %v", errNotInstrumentable, i, start+f.pos, err)
			}
			if op == 0x03 { // loop
				fn = append(fn, f.b[mark:f.pos]...)
				fn = append(fn, check...)
				mark = f.pos
			}
		}
		if f.err != nil {
			return nil, fmt.Errorf("%w: function %d: %v", errNotInstrumentable, i, f.err)
		}
		fn = append(fn, f.b[mark:]...)
		out = appendU32(out, uint32(len(fn)))
		out = append(out, fn...)
	}
	if r.err != nil {
		return nil, fmt.Errorf("%w: code: %v", errNotInstrumentable, r.err)
	}
	if r.pos != len(body) {
		// Bytes past the last function would be dropped, mending the
		// module.
		return nil, fmt.Errorf("%w: code: %d bytes after the last function", errNotInstrumentable, len(body)-r.pos)
	}
	return out, nil
}

// reader decodes a WebAssembly binary; its first error sticks.
type reader struct {
	b   []byte
	pos int
	err error
}

func (r *reader) fail(format string, a ...any) {
	if r.err == nil {
		r.err = fmt.Errorf(format, a...)
	}
	r.pos = len(r.b)
}

func (r *reader) byte() byte {
	if r.pos >= len(r.b) {
		r.fail("unexpected end")
		return 0
	}
	c := r.b[r.pos]
	r.pos++
	return c
}

func (r *reader) bytes(n int) []byte {
	if n < 0 || n > len(r.b)-r.pos {
		r.fail("length %d past the end", n)
		return nil
	}
	b := r.b[r.pos : r.pos+n]
	r.pos += n
	return b
}

// leb skips a LEB128 number of at most max bytes and returns its low 32
// bits (unsigned).
func (r *reader) leb(max int) uint32 {
	var v uint32
	for i := 0; i < max; i++ {
		c := r.byte()
		if i < 5 {
			v |= uint32(c&0x7f) << (7 * i)
		}
		if c&0x80 == 0 {
			return v
		}
	}
	r.fail("LEB128 number too long")
	return 0
}

func (r *reader) u32() uint32 { return r.leb(5) }

// limits reads a table's or memory's limits: the minimum, and the
// maximum when there is one (64-bit for a memory64).
func (r *reader) limits() (lo, hi uint64, hasMax bool) {
	flags := r.byte()
	lo = r.u64()
	if flags&0x01 != 0 {
		hi, hasMax = r.u64(), true
	}
	return lo, hi, hasMax
}

// u64 reads an unsigned LEB128 number of up to 64 bits.
func (r *reader) u64() uint64 {
	var v uint64
	for i := 0; i < 10; i++ {
		c := r.byte()
		v |= uint64(c&0x7f) << (7 * i)
		if c&0x80 == 0 {
			return v
		}
	}
	r.fail("LEB128 number too long")
	return 0
}

// refType skips a value or reference type: one byte, and a heap type
// after the prefix of a typed reference.
func (r *reader) refType() {
	if t := r.byte(); t == 0x63 || t == 0x64 {
		r.leb(5)
	}
}

// locals skips a function body's local declarations.
func (r *reader) locals() error {
	for n := r.u32(); n > 0 && r.err == nil; n-- {
		r.u32()
		if t := r.byte(); !isValType(t) {
			return fmt.Errorf("local of type %#x", t)
		}
	}
	return r.err
}

func isValType(t byte) bool {
	switch t {
	case 0x7f, 0x7e, 0x7d, 0x7c, 0x7b, 0x70, 0x6f:
		return true
	}
	return false
}

// memarg skips a memory access's alignment (with a memory index when its
// bit 6 says so) and offset.
func (r *reader) memarg() {
	if r.u32()&0x40 != 0 {
		r.u32()
	}
	r.leb(10)
}

// immediates skips the immediates of the instruction op, refusing an
// opcode it does not know.
func (r *reader) immediates(op byte) error {
	switch {
	case op == 0x02 || op == 0x03 || op == 0x04 || op == 0x06: // block, loop, if, try: block type (s33)
		r.leb(5)
	case op == 0x0c || op == 0x0d || op == 0x07 || op == 0x08 || op == 0x09 || op == 0x18 || // br, br_if, catch, throw, rethrow, delegate
		op == 0x10 || op == 0x12 || // call, return_call
		op >= 0x20 && op <= 0x26 || // local.*, global.*, table.get/set
		op == 0x3f || op == 0x40 || op == 0xd2: // memory.size/grow, ref.func
		r.u32()
	case op == 0x0e: // br_table
		for n := r.u32(); n > 0 && r.err == nil; n-- {
			r.u32()
		}
		r.u32()
	case op == 0x11 || op == 0x13: // call_indirect, return_call_indirect
		r.u32()
		r.u32()
	case op == 0x1c: // select with types
		for n := r.u32(); n > 0 && r.err == nil; n-- {
			r.byte()
		}
	case op == 0x1f: // try_table
		r.leb(5)
		for n := r.u32(); n > 0 && r.err == nil; n-- {
			if kind := r.byte(); kind < 2 {
				r.u32() // tag
			}
			r.u32() // label
		}
	case op >= 0x28 && op <= 0x3e: // loads and stores
		r.memarg()
	case op == 0x41: // i32.const
		r.leb(5)
	case op == 0x42: // i64.const
		r.leb(10)
	case op == 0x43:
		r.bytes(4)
	case op == 0x44:
		r.bytes(8)
	case op == 0xd0: // ref.null: heap type
		r.leb(5)
	case op == 0xfc:
		return r.prefixedFC()
	case op == 0xfd:
		return r.prefixedSIMD()
	case op == 0xfe:
		return r.prefixedAtomic()
	case op == 0x00 || op == 0x01 || op == 0x05 || op == 0x0a || op == 0x0b || op == 0x0f || // unreachable … return
		op == 0x19 || op == 0x1a || op == 0x1b || // catch_all, drop, select
		op >= 0x45 && op <= 0xc4 || op == 0xd1: // numeric, ref.is_null
	default:
		return fmt.Errorf("opcode %#x", op)
	}
	return r.err
}

// prefixedFC skips a 0xfc instruction: saturating truncations, bulk memory
// and tables.
func (r *reader) prefixedFC() error {
	switch sub := r.u32(); {
	case sub <= 7:
	case sub == 8 || sub == 10 || sub == 12 || sub == 14: // memory.init, memory.copy, table.init, table.copy
		r.u32()
		r.u32()
	case sub <= 17: // data.drop, memory.fill, elem.drop, table.grow/size/fill
		r.u32()
	default:
		return fmt.Errorf("opcode 0xfc %d", sub)
	}
	return r.err
}

// prefixedSIMD skips a 0xfd (SIMD) instruction.
func (r *reader) prefixedSIMD() error {
	switch sub := r.u32(); {
	case sub <= 11 || sub == 92 || sub == 93: // loads and stores
		r.memarg()
	case sub == 12 || sub == 13: // v128.const, i8x16.shuffle
		r.bytes(16)
	case sub >= 21 && sub <= 34: // extract and replace lane
		r.byte()
	case sub >= 84 && sub <= 91: // load and store lane
		r.memarg()
		r.byte()
	case sub <= 0x113:
	default:
		return fmt.Errorf("opcode 0xfd %d", sub)
	}
	return r.err
}

// prefixedAtomic skips a 0xfe (threads) instruction.
func (r *reader) prefixedAtomic() error {
	switch sub := r.u32(); {
	case sub == 3: // atomic.fence
		r.byte()
	case sub <= 2 || sub >= 0x10 && sub <= 0x4e:
		r.memarg()
	default:
		return fmt.Errorf("opcode 0xfe %d", sub)
	}
	return r.err
}

func appendU32(b []byte, v uint32) []byte {
	for {
		c := byte(v & 0x7f)
		v >>= 7
		if v == 0 {
			return append(b, c)
		}
		b = append(b, c|0x80)
	}
}

func appendS32(b []byte, v int32) []byte {
	for {
		c := byte(v & 0x7f)
		v >>= 7
		if (v == 0 && c&0x40 == 0) || (v == -1 && c&0x40 != 0) {
			return append(b, c)
		}
		b = append(b, c|0x80)
	}
}

func appendName(b []byte, s string) []byte {
	b = appendU32(b, uint32(len(s)))
	return append(b, s...)
}
