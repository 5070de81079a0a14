package faults_test

import (
	"testing"

	"github.com/dumpline/importer/internal/testdb"
)

func TestMain(m *testing.M) { testdb.Main(m) }
