// Package api is jsorc's HTTP layer: the JSORC admin API (POST
// /js_admin/<name> with a JSON body, every answer carrying "success"), the
// app endpoint (POST /js/app_run), and the engine's event stream (GET
// /js_admin/events, server-sent events).
//
// The endpoints are those of api/types, each bound once to a handler
// (routes.go) with its body limit and time budget. The handlers only check
// parameters, call the engine's exported methods and shape the answer;
// they serve HTTP (Server) and in-process callers (Local, which the
// in-process console uses) alike. Error kinds map to HTTP statuses and to
// the "code" of a failed answer in one place (api/types' Kinds; status.go
// adds the API's own). The HTTP client is package api/client.
package api
