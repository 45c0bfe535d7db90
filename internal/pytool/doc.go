// Package pytool finds the Python interpreter that tests use to check jsorc
// against Jaseci's own stack: Debian's python3 with the Debian packages of
// the libraries Jaseci ran on (pydantic 1.x, requests), which .ci/run
// installs. It is for tests only and knows nothing of jsorc.
package pytool
