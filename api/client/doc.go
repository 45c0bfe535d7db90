// Package client calls a running engine's API over HTTP: the typed
// endpoints of api/types through Call (a types.Caller), JSORC's raw admin
// calls through Admin, and the engine's event stream through Events. A
// failed call is an *Error that wraps the error kind the engine answered
// with, so errors.Is(err, types.ErrNotFound) works as it does in-process.
//
// It imports api/types and the standard library only: the console and the
// CLI link nothing of the engine through it.
package client
