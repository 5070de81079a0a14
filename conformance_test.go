package importer_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/dumpline/importer"
	"github.com/dumpline/importer/sink/importertest"
	"github.com/dumpline/importer/sqlparse"
)

// discardHarness runs the conformance suite on Discard: it keeps nothing
// to read back, so the checks of what the pipeline reports apply and those
// of the target's content do not.
type discardHarness struct{}

func (discardHarness) Sink() importer.Sink       { return importer.Discard }
func (discardHarness) Dialect() sqlparse.Dialect { return sqlparse.Postgres }
func (discardHarness) Rows(context.Context, importer.Target, string) ([]importertest.Row, error) {
	return nil, fmt.Errorf("importer.Discard keeps nothing: %w", errors.ErrUnsupported)
}

func TestDiscardConformance(t *testing.T) {
	importertest.RunSinkTests(t, func(*testing.T) importertest.Harness { return discardHarness{} })
}
