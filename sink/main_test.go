package sink_test

import (
	"testing"

	"github.com/dumpline/importer/internal/testdb"
)

// TestMain shares one MariaDB server between the tests of the MySQL sink.
func TestMain(m *testing.M) { testdb.Main(m) }
