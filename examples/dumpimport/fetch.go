package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"text/tabwriter"
	"time"

	"github.com/dumpline/importer"
	"github.com/dumpline/importer/archive"
	"github.com/dumpline/importer/source"
	"github.com/dumpline/importer/source/remote"
)

// selected lists src and keeps the files the patterns select. When none
// is, it says so on log, with the names it saw, and returns the message.
func selected(ctx context.Context, src importer.Source, patterns []string, log io.Writer) ([]source.File, string, error) {
	m, err := source.NewMatcher(patterns...)
	if err != nil {
		return nil, "", err
	}
	all, err := src.List(ctx)
	if err != nil {
		return nil, "", err
	}
	var out []source.File
	for _, f := range all {
		if m.Match(f.Name) {
			out = append(out, f)
		}
	}
	if len(out) > 0 {
		return out, "", nil
	}
	msg := noMatch(patterns, all)
	fmt.Fprintln(log, "dumpimport:", msg)
	return nil, msg, nil
}

type listed struct {
	Name    string    `json:"name"`
	Size    int64     `json:"size"`
	ModTime time.Time `json:"mtime"`
	Status  string    `json:"status"` // "import" or "unchanged"
}

// list prints the selected files and whether load would import them.
func list(ctx context.Context, src importer.Source, patterns []string, state importer.State, asJSON bool, w, log io.Writer) error {
	files, warning, err := selected(ctx, src, patterns, log)
	if err != nil {
		return err
	}
	warnings := []string{}
	if warning != "" {
		warnings = append(warnings, warning)
	}
	out := []listed{}
	for _, f := range files {
		l := listed{Name: f.Name, Size: f.Size, ModTime: f.ModTime, Status: "import"}
		if state != nil {
			same, err := state.Unchanged(ctx, f)
			if err != nil {
				return err
			}
			if same {
				l.Status = "unchanged"
			}
		}
		out = append(out, l)
	}
	if asJSON {
		return json.NewEncoder(w).Encode(map[string]any{"files": out, "warnings": warnings})
	}
	tw := tabwriter.NewWriter(w, 0, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "name\tsize\tmodified\twould")
	for _, l := range out {
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\n", l.Name, l.Size, l.ModTime.UTC().Format(time.RFC3339), l.Status)
	}
	return tw.Flush()
}

// fetch downloads the selected files into dir, or with extract writes
// their entries there.
func fetch(ctx context.Context, src importer.Source, patterns []string, ex *archive.Extractor, extract bool, dir string, quiet bool, log io.Writer) error {
	files, _, err := selected(ctx, src, patterns, log)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, f := range files {
		if extract {
			err = extractTo(ctx, src, f, ex, dir, quiet, log)
		} else {
			var path string
			path, err = remote.Fetch(ctx, src, f, dir)
			if err == nil && !quiet {
				fmt.Fprintf(log, "fetched %s (%d bytes)\n", path, f.Size)
			}
		}
		if err != nil {
			return fmt.Errorf("%s: %w", f.Name, err)
		}
	}
	return nil
}

// extractTo writes every entry of f into dir, each through NAME.partial
// renamed when complete; an entry that would overwrite a file is an error.
func extractTo(ctx context.Context, src importer.Source, f source.File, ex *archive.Extractor, dir string, quiet bool, log io.Writer) error {
	rc, err := src.Open(ctx, f)
	if err != nil {
		return err
	}
	defer rc.Close()
	return ex.Extract(ctx, f.Name, rc, f.Size, func(e archive.Entry, r io.Reader) error {
		if !filepath.IsLocal(filepath.FromSlash(e.Name)) {
			return fmt.Errorf("entry %q: %w", e.Name, archive.ErrInsecurePath)
		}
		path := filepath.Join(dir, filepath.FromSlash(e.Name))
		if _, err := os.Lstat(path); err == nil {
			return fmt.Errorf("entry %s: %s already exists", e.Name, path)
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		tmp := path + ".partial"
		out, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
		if err != nil {
			return err
		}
		n, err := io.Copy(out, r)
		if err == nil {
			err = out.Sync()
		}
		if cerr := out.Close(); err == nil {
			err = cerr
		}
		if err == nil {
			err = os.Rename(tmp, path)
		}
		if err != nil {
			os.Remove(tmp)
			if errors.Is(err, context.Canceled) {
				return err
			}
			return fmt.Errorf("entry %s: %w", e.Name, err)
		}
		if !quiet {
			fmt.Fprintf(log, "extracted %s (%d bytes)\n", path, n)
		}
		return nil
	})
}
