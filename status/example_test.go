package status_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing/fstest"

	"github.com/dumpline/importer"
	"github.com/dumpline/importer/source"
	"github.com/dumpline/importer/status"
)

// A Tracker follows a run; a Handler serves it (here under /import/).
func Example() {
	dumps := fstest.MapFS{"shop.sql": {Data: []byte("CREATE TABLE t (a INT);\nINSERT INTO t VALUES (1),(2),(3);\n")}}
	tracker := status.New(0)
	p := &importer.Pipeline{
		Source: &source.FS{FS: dumps},
		Status: tracker,
		Logger: slog.New(tracker.LogHandler(nil)), // the library's lines reach the ring
	}
	if _, err := p.Run(context.Background()); err != nil {
		fmt.Println(err)
		return
	}

	mux := http.NewServeMux()
	mux.Handle("/import/", &status.Handler{Tracker: tracker})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	res, err := http.Get(srv.URL + "/import/status")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer res.Body.Close()
	var s struct {
		State    string  `json:"state"`
		Progress float64 `json:"progress"`
		Totals   struct {
			Rows int64 `json:"rows"`
		} `json:"totals"`
	}
	json.NewDecoder(res.Body).Decode(&s)
	fmt.Println(s.State, s.Progress, s.Totals.Rows)
	for _, l := range tracker.Logs(0, 10).Entries {
		fmt.Println(l.Level, l.File, l.Msg)
	}
	// Output:
	// succeeded 1 3
	// INFO shop.sql importing
	// INFO shop.sql imported
}
