// Package protocol speaks the Jaseci remote action protocol, as a server that
// serves one loaded action module over HTTP/JSON and as a client that calls
// such a server, whether it is a jsorc action server or Jaseci's own.
//
// # Wire format
//
// An action server serves one module:
//
//   - GET /jaseci_actions_spec/ answers 200 with the module's spec, a JSON
//     object from full action name ("module.action") to the ordered list of
//     its parameter names; a variadic parameter is listed as "*name" and a
//     keyword-collecting one as "**name". A 200 here is the readiness signal.
//   - POST /<action>/ (and POST /<action>, answered directly rather than
//     redirected as Jaseci's server does) takes a JSON object of named
//     parameters and answers 200 with the bare JSON result. The action may be
//     named by its short or its full name. Variadic parameters may be sent
//     under their spec name ("*rest", "**opts") or their plain name.
//   - Arguments are converted as Jaseci's server (pydantic v1) converted
//     them ("5" for an int is 5, 5 for a str is "5"); numbers keep their
//     literal both ways (1.0 stays 1.0, 9007199254740993 stays exact).
//   - Bad arguments and malformed JSON get 422 with
//     {"detail": [{"loc": ["body", <param or byte offset>], "msg": ..., "type": ...}]}
//     in pydantic v1's words; a body that is not UTF-8 or nests deeper than
//     HandlerOptions.MaxDepth gets 400 {"detail": "There was an error
//     parsing the body: ..."}; an unknown action gets 404 {"detail": "Not
//     Found"}; a method other than POST on an action gets 405 {"detail":
//     "Method Not Allowed"}; an oversized body gets 413.
//   - An action that fails or panics gets 500 in plain text, "Internal
//     Server Error: <message>", as Jaseci's server answered, so that
//     Jaseci's client (which decodes every answer as JSON and never looks
//     at the status) sees a failure and not a result; the header
//     X-Jsorc-Error carries the class (action_error, panic,
//     result_encoding).
//
// jsorc adds GET /healthz ({"status": "ok", "module": ...}) and GET /metrics
// (Prometheus exposition, with per-action call latency and counts) without
// disturbing the Jaseci paths.
//
// # Client
//
// Client posts to URL/<action>/ with the trailing slash, so a Jaseci server
// answers without its 307 detour, keeps connections alive across calls, drops
// top-level null arguments (so the server's defaults apply), applies a
// default timeout, decodes numbers as json.Number, and — unlike Jaseci's
// client — checks the status: a 422 comes back as an *actions.ArgsError, a
// 404 as an error matching ErrUnknownAction, any other failure as a
// *StatusError with the detail and, from a jsorc server, the class.
//
// # Frames
//
// Between the local engine and its own action servers the same requests
// and answers travel as frames on a Unix domain socket (frame.go): a
// length, the method, the caller's deadline and the path; the status, the
// error class and the body back. ServeSocket answers them with the HTTP
// handler; a Client given ClientOptions.FrameSocket sends them on the
// calling goroutine over kept-alive connections, and falls back to HTTP
// over TCP when the socket does not answer or speaks something else.
package protocol
