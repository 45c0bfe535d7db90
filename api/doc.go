// Package api is jsorc's HTTP layer: the JSORC admin API (POST
// /js_admin/<name> with a JSON body, every answer carrying "success"), the
// app endpoint (POST /js/app_run), and a typed client for it that the CLI
// and an attached console use.
//
// The server only decodes, calls the engine's exported methods and encodes;
// it holds no state of its own. Error kinds of the engine map to HTTP
// statuses in one place (status.go).
package api
