// Package hopproxy is a userspace TCP proxy that stands for a network hop
// on a machine whose kernel has no netem: every chunk of bytes it carries,
// in each direction, is delivered a configured delay plus a uniformly drawn
// jitter after it was read, in order, with nothing dropped. An HTTP request
// or answer written in one piece is one chunk, so each request and each
// answer pays the delay once, as a round trip on a real link does.
//
// It imports nothing of this project; the policy testbed
// (internal/testbed) puts one in front of every action server it starts.
package hopproxy
