package status_test

import (
	"testing"

	"go.uber.org/goleak"
)

// No goroutine of the tracker, the handler's streams, the scheduler or the
// pipeline outlives a test (the keep-alive connections of the tests' own
// HTTP clients are theirs).
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.IgnoreTopFunction("net/http.(*persistConn).readLoop"), goleak.IgnoreTopFunction("net/http.(*persistConn).writeLoop"))
}
