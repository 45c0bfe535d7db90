package types

import (
	"context"
	"fmt"
	"reflect"
)

// AdminPrefix is the path of JSORC's admin endpoints: POST
// /js_admin/<name>.
const AdminPrefix = "/js_admin/"

// Endpoint names one API endpoint together with the types of its
// parameters (P) and of its answer (A). The values are declared once, in
// endpoints.go; the server binds a handler to each and [Call] calls one.
type Endpoint[P, A any] struct {
	name, path, doc string
}

// admin declares an admin endpoint: POST /js_admin/<name>.
func admin[P, A any](name, doc string) Endpoint[P, A] {
	return Endpoint[P, A]{name: name, path: AdminPrefix + name, doc: doc}
}

// Name is the endpoint's JSORC name, e.g. "jsorc_actions_load".
func (e Endpoint[P, A]) Name() string { return e.name }

// Path is the endpoint's URL path, e.g. "/js_admin/jsorc_actions_load".
func (e Endpoint[P, A]) Path() string { return e.path }

// Info describes the endpoint without its types, for tables.
func (e Endpoint[P, A]) Info() EndpointInfo {
	return EndpointInfo{
		Name: e.name, Path: e.path, Doc: e.doc,
		Params: reflect.TypeFor[P](), Answer: reflect.TypeFor[A](),
		NewAnswer: func() any { return new(A) },
	}
}

// EndpointInfo describes one endpoint: its name, path, what it does, and
// the types of its parameters and answer.
type EndpointInfo struct {
	Name, Path, Doc string
	Params, Answer  reflect.Type
	// NewAnswer returns a pointer to a new, zero answer.
	NewAnswer func() any
}

// Caller calls an endpoint by name: params is a value of the endpoint's
// parameter type, answer a pointer to its answer type. The HTTP client
// (api/client) and an in-process engine (api.Local) are Callers. A failure
// wraps the error kind of its cause (errors.Is works).
type Caller interface {
	Call(ctx context.Context, endpoint string, params, answer any) error
}

// Call calls ep through c with parameters p and returns its answer.
func Call[P, A any](ctx context.Context, c Caller, ep Endpoint[P, A], p P) (A, error) {
	var a A
	err := c.Call(ctx, ep.name, p, &a)
	return a, err
}

// Lookup returns the endpoint of a name.
func Lookup(name string) (EndpointInfo, bool) {
	for _, e := range Endpoints() {
		if e.Name == name {
			return e, true
		}
	}
	return EndpointInfo{}, false
}

// PathOf returns the URL path of the endpoint of a name; an unknown name is
// taken for an admin endpoint this version does not know.
func PathOf(name string) string {
	if e, ok := Lookup(name); ok {
		return e.Path
	}
	return AdminPrefix + name
}

// Bind returns the untyped form of a handler of ep, which an in-process
// Caller calls with params of type P and answer of type *A: it checks both
// and reports a mismatch as an ErrInternal instead of panicking.
func Bind[P, A any](ep Endpoint[P, A], h func(context.Context, P) (A, error)) func(ctx context.Context, params, answer any) error {
	return func(ctx context.Context, params, answer any) error {
		var p P
		switch v := params.(type) {
		case P:
			p = v
		case *P:
			p = *v
		case nil:
		default:
			return Errorf(ErrInternal, "%s: parameters of type %T, want %T", ep.name, params, p)
		}
		out, ok := answer.(*A)
		if answer != nil && !ok {
			return Errorf(ErrInternal, "%s: answer of type %T, want %T", ep.name, answer, out)
		}
		a, err := h(ctx, p)
		if err != nil {
			return err
		}
		if out != nil {
			*out = a
		}
		return nil
	}
}

// String names the endpoint.
func (e Endpoint[P, A]) String() string { return fmt.Sprintf("%s (%s)", e.name, e.path) }
