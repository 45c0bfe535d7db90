// Package jsonscan bounds a JSON body before it is decoded: valid UTF-8,
// limited nesting and a limited count of values, checked in one pass that
// allocates nothing. The API server and the action servers both use it; it
// knows nothing of what the body means.
package jsonscan
