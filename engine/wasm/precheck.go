package wasm

import (
	"errors"
	"fmt"
)

// Why a module is read before wazero sees it.
//
// wazero decodes a module by trusting its counts: it allocates for a
// vector's declared length before reading the entries (a function section
// claiming 2^31 functions in five bytes asks for gigabytes), expands a
// function's declared locals one by one (2^32 of them spin for seconds and
// ask for 4 GB), and at instantiation makes the declared minimum of a
// table or a memory. A tiny hostile file would make the engine allocate
// gigabytes or spin. precheck reads every declared count first, in one
// pass over the module's structure that allocates nothing per entry, and
// refuses the module when a count is more than its bytes could hold (each
// entry takes a byte at least) or more than the limits below.

// ErrDeclaration is a module refused before compiling because it declares
// more than it holds or more than jsorc allows.
var ErrDeclaration = errors.New("refused before compiling")

// What a module may declare. The counts are the limits the WebAssembly
// JS API lets every browser impose (so a module that runs in a browser is
// not refused); tables are jsorc's own, since wazero makes a table's
// minimum entries (8 bytes each, outside the memory limit) per instance.
const (
	maxTypes         = 1_000_000
	maxFunctions     = 1_000_000
	maxImports       = 100_000
	maxExports       = 100_000
	maxGlobals       = 1_000_000
	maxDataSegments  = 100_000
	maxElemSegments  = 10_000_000
	maxTableEntries  = 1 << 20
	maxParams        = 1_000
	maxResults       = 1_000
	maxLocals        = 50_000
	maxFunctionBytes = 7_654_321
)

// sectionNames names the sections in errors.
var sectionNames = [...]string{"custom", "type", "import", "function", "table", "memory", "global", "export", "start", "element", "code", "data", "data count", "tag"}

func sectionName(id byte) string {
	if int(id) < len(sectionNames) {
		return sectionNames[id] + " section"
	}
	return fmt.Sprintf("section %d", id)
}

// declaredCounts is what precheck adds up across sections.
type declaredCounts struct {
	memoryLimitPages uint32
	functions        uint64
	globals          uint64
}

// precheck refuses a module whose declarations would make wazero
// allocate more than the module's size warrants, or more than the limits
// allow (memoryLimitPages: the config's memory_limit_mb in 64 KiB
// pages). Its errors wrap ErrDeclaration and name the section, the count
// declared and the limit. It reads what wazero would read, and leaves the
// rest (opcodes, types, indices) to wazero's validation: a module it
// passes may still be invalid.
func precheck(mod []byte, memoryLimitPages uint32) error {
	c := &declaredCounts{memoryLimitPages: memoryLimitPages}
	var bad error
	err := eachSection(mod, func(s section) error {
		if bad = c.check(s); bad != nil {
			return fmt.Errorf("%w: the %s %w", ErrDeclaration, sectionName(s.id), bad)
		}
		return nil
	})
	if err != nil && bad == nil {
		return fmt.Errorf("%w: %v", ErrDeclaration, err)
	}
	return err
}

// tooMany is a count over what the bytes hold or over a limit.
type tooMany struct {
	what       string
	count      uint64
	limit      uint64
	byteBound  bool
	sizeInText string
}

func (e *tooMany) Error() string {
	if e.byteBound {
		return fmt.Sprintf("declares %d %s in %d bytes (each takes a byte at least): the module is truncated or made to exhaust memory", e.count, e.what, e.limit)
	}
	return fmt.Sprintf("declares %d %s: the most jsorc accepts is %d%s", e.count, e.what, e.limit, e.sizeInText)
}

// vector reads a vector's count and checks it against the bytes left
// and against limit.
func vector(r *reader, what string, limit uint64) (uint64, error) {
	n := uint64(r.u32())
	if r.err != nil {
		return 0, fmt.Errorf("%s: %v", what, r.err)
	}
	if left := uint64(len(r.b) - r.pos); n > left {
		return 0, &tooMany{what: what, count: n, limit: left, byteBound: true}
	}
	if n > limit {
		return 0, &tooMany{what: what, count: n, limit: limit}
	}
	return n, nil
}

func (c *declaredCounts) check(s section) error {
	r := &reader{b: s.body}
	var err error
	switch s.id {
	case secCustom:
		err = checkNames(r)
	case 1:
		err = checkTypes(r)
	case secImport:
		err = c.checkImports(s.body)
	case 3:
		err = c.checkFunctions(r)
	case 4:
		err = checkTables(r)
	case secMemory:
		err = c.checkMemories(r)
	case secGlobal:
		var n uint64
		if n, err = vector(r, "globals", maxGlobals); err == nil {
			c.globals += n
			if c.globals > maxGlobals {
				err = &tooMany{what: "globals with the imported ones", count: c.globals, limit: maxGlobals}
			}
		}
	case secExport:
		var n uint64
		n, err = vector(r, "exports", maxExports)
		for ; n > 0 && r.err == nil; n-- {
			r.bytes(int(r.u32())) // name
			r.byte()              // kind
			r.u32()               // index
		}
	case 9:
		err = checkElements(r)
	case secCode:
		err = checkCode(r)
	case 11:
		err = checkData(r)
	case 12:
		if n := uint64(r.u32()); r.err == nil && n > maxDataSegments {
			err = &tooMany{what: "data segments", count: n, limit: maxDataSegments}
		}
	case 13:
		_, err = vector(r, "tags", maxFunctions)
	}
	if err == nil && r.err != nil {
		// wazero allocates for a name's or a vector's length before
		// finding it past the end.
		err = fmt.Errorf("is malformed: %v", r.err)
	}
	return err
}

// checkTypes checks the function types and their parameter and result
// lists. A type of another form is left to wazero, which refuses it.
func checkTypes(r *reader) error {
	n, err := vector(r, "types", maxTypes)
	for ; n > 0 && err == nil && r.err == nil; n-- {
		if r.byte() != 0x60 {
			return nil
		}
		for _, list := range []struct {
			what  string
			limit uint64
		}{{"parameters in a type", maxParams}, {"results in a type", maxResults}} {
			var k uint64
			if k, err = vector(r, list.what, list.limit); err != nil {
				return err
			}
			for ; k > 0; k-- {
				r.refType()
			}
		}
	}
	return err
}

func (c *declaredCounts) checkImports(body []byte) error {
	if _, err := vector(&reader{b: body}, "imports", maxImports); err != nil {
		return err
	}
	im, err := readImports(body)
	if err != nil {
		return fmt.Errorf("is malformed: %v", err)
	}
	c.functions += uint64(im.functions)
	c.globals += uint64(im.globals)
	if im.tableMin > maxTableEntries {
		return &tooMany{what: "entries in an imported table", count: im.tableMin, limit: maxTableEntries}
	}
	return c.checkPages("an imported memory", im.memoryMin)
}

func (c *declaredCounts) checkFunctions(r *reader) error {
	n, err := vector(r, "functions", maxFunctions)
	if err != nil {
		return err
	}
	if c.functions += n; c.functions > maxFunctions {
		return &tooMany{what: "functions with the imported ones", count: c.functions, limit: maxFunctions}
	}
	return nil
}

func checkTables(r *reader) error {
	n, err := vector(r, "tables", maxTableEntries)
	for ; n > 0 && err == nil && r.err == nil; n-- {
		init := false
		if len(r.b) > r.pos && r.b[r.pos] == 0x40 { // a table with an initializer
			r.bytes(2)
			init = true
		}
		r.refType()
		lo, _, _ := r.limits()
		if r.err == nil && lo > maxTableEntries {
			return &tooMany{what: "entries in a table", count: lo, limit: maxTableEntries}
		}
		if init {
			r.constExpr()
		}
	}
	return err
}

func (c *declaredCounts) checkMemories(r *reader) error {
	n, err := vector(r, "memories", maxFunctions)
	for ; n > 0 && err == nil && r.err == nil; n-- {
		lo, _, _ := r.limits()
		if r.err == nil {
			err = c.checkPages("a memory", lo)
		}
	}
	return err
}

// checkPages refuses a memory whose minimum passes memory_limit_mb.
func (c *declaredCounts) checkPages(what string, pages uint64) error {
	if pages > uint64(c.memoryLimitPages) {
		return &tooMany{what: "pages of 64 KiB as the minimum of " + what, count: pages, limit: uint64(c.memoryLimitPages),
			sizeInText: fmt.Sprintf(" (memory_limit_mb %d; the module asks for %d MB)", c.memoryLimitPages/16, pages/16)}
	}
	return nil
}

// checkElements checks the element segments and their lists of
// functions or expressions. A segment of an unknown kind is left to
// wazero, which refuses it.
func checkElements(r *reader) error {
	n, err := vector(r, "element segments", maxElemSegments)
	for ; n > 0 && err == nil && r.err == nil; n-- {
		flags := r.u32()
		if flags > 7 {
			return nil
		}
		if flags&0x02 != 0 && flags&0x01 == 0 { // an explicit table index
			r.u32()
		}
		if flags&0x01 == 0 { // active: an offset
			r.constExpr()
		}
		if flags&0x03 != 0 { // an element kind or a reference type
			r.refType()
		}
		var k uint64
		if k, err = vector(r, "elements in a segment", maxTableEntries); err != nil {
			return err
		}
		for ; k > 0 && r.err == nil; k-- {
			if flags&0x04 != 0 {
				r.constExpr()
			} else {
				r.u32()
			}
		}
	}
	return err
}

// checkCode checks each function body's size and locals; the
// instructions are wazero's to validate.
func checkCode(r *reader) error {
	n, err := vector(r, "function bodies", maxFunctions)
	for i := uint64(0); i < n && err == nil && r.err == nil; i++ {
		size := uint64(r.u32())
		if r.err == nil && size > maxFunctionBytes {
			return &tooMany{what: fmt.Sprintf("bytes of code in function %d", i), count: size, limit: maxFunctionBytes}
		}
		f := &reader{b: r.bytes(int(size))}
		if r.err != nil {
			break
		}
		groups, gerr := vector(f, "groups of locals", maxLocals)
		if tm, ok := gerr.(*tooMany); ok {
			tm.what += fmt.Sprintf(" in function %d", i)
		}
		if gerr != nil {
			return gerr
		}
		var locals uint64
		for ; groups > 0 && f.err == nil; groups-- {
			locals += uint64(f.u32())
			f.refType()
			if locals > maxLocals {
				return &tooMany{what: fmt.Sprintf("locals in function %d", i), count: locals, limit: maxLocals}
			}
		}
		if f.err != nil {
			// wazero would read the locals on past the body.
			return fmt.Errorf("is malformed: function %d: %v", i, f.err)
		}
	}
	return err
}

// checkData checks the data segments; their bytes must be there.
func checkData(r *reader) error {
	n, err := vector(r, "data segments", maxDataSegments)
	for ; n > 0 && err == nil && r.err == nil; n-- {
		switch r.u32() {
		case 0:
			r.constExpr()
		case 1:
		case 2:
			r.u32()
			r.constExpr()
		default:
			return nil
		}
		size := r.u32()
		if left := uint64(len(r.b) - r.pos); r.err == nil && uint64(size) > left {
			return &tooMany{what: "bytes in a data segment", count: uint64(size), limit: left, byteBound: true}
		}
		r.bytes(int(size))
	}
	return err
}

// checkNames checks the "name" custom section's maps of function and
// local names, which wazero decodes; other custom sections are kept as
// they are, their size already bounded by the module's.
func checkNames(r *reader) error {
	if name := r.bytes(int(r.u32())); r.err != nil || string(name) != "name" {
		return nil // a name past the end: r.err says so
	}
	for r.pos < len(r.b) && r.err == nil {
		id := r.byte()
		sub := &reader{b: r.bytes(int(r.u32()))}
		if r.err != nil || (id != 1 && id != 2) {
			continue
		}
		n, err := vector(sub, "names in the name section", maxFunctions)
		for ; n > 0 && err == nil && sub.err == nil; n-- {
			sub.u32()
			if id == 1 {
				sub.bytes(int(sub.u32()))
				continue
			}
			k, lerr := vector(sub, "local names in the name section", maxLocals)
			if lerr != nil {
				return lerr
			}
			for ; k > 0 && sub.err == nil; k-- {
				sub.u32()
				sub.bytes(int(sub.u32()))
			}
		}
		if err != nil {
			return err
		}
		if sub.err != nil {
			return fmt.Errorf("is malformed: %v", sub.err)
		}
	}
	return nil
}

// constExpr skips a constant expression up to its end.
func (r *reader) constExpr() {
	for r.err == nil {
		op := r.byte()
		if op == 0x0b {
			return
		}
		if err := r.immediates(op); err != nil {
			r.fail("%v", err)
		}
	}
}
