package main

import (
	"testing"

	"go.uber.org/goleak"
)

// Nothing the service started outlives run (the keep-alive connections of
// the tests' own HTTP client are theirs).
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.IgnoreTopFunction("net/http.(*persistConn).readLoop"), goleak.IgnoreTopFunction("net/http.(*persistConn).writeLoop"))
}
