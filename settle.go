package importer

import (
	"context"
	"path"
	"strings"
	"time"

	"github.com/dumpline/importer/source"
)

// DefaultIgnore are the base names that [Settle] leaves out when its Ignore
// is nil: the names uploaders and editors give files being written, and
// hidden files.
var DefaultIgnore = []string{"*.part", "*.partial", "*.filepart", "*.tmp", ".*", "*~"}

// Settle decides when a listed file is whole: a partner's upload that is
// still being written must not be imported half-written. It uses only
// [Source].List, so it works alike for local folders and remote drops:
// the pipeline looks twice, Interval apart, and compares. The second look
// is made only when a file needs it: one selected, not skipped by [State]
// as unchanged, without a marker.
//
// A file is taken when its marker file exists (its name followed by one of
// Markers, for example "dump.sql.gz.done"), or else, when Interval is set,
// when its size and modification time are the same in both looks. A file
// without a marker is not taken when Interval is zero and Markers is set.
// A file that is not taken is reported as [Unsettled] and taken by a later
// run. Files whose base name matches Ignore are never taken, and marker
// files are never imported themselves.
//
// The zero value ignores [DefaultIgnore] and takes every other file at
// once. A source that reports neither size nor modification time (Size -1,
// zero ModTime) cannot be compared: its files need a marker.
type Settle struct {
	// Interval is the time between the two looks. Zero makes one look.
	Interval time.Duration
	// Markers are the suffixes of marker files, such as ".done" or ".ok":
	// a partner writes NAME.done once NAME is whole. When an [AfterImport]
	// action is set, a file's marker gets the same action.
	Markers []string
	// Ignore are shell globs of base names never taken (see
	// [source.NewMatcher]). Nil means [DefaultIgnore]; an empty slice
	// ignores nothing.
	Ignore []string
}

// filter removes from selected (the files of the first look that the
// patterns select) the ignored files, which it counts, and the marker
// files. names are the names of every listed file.
func (s *Settle) filter(selected []source.File, names map[string]bool) (rest []source.File, ignored int, err error) {
	ignore := s.Ignore
	if ignore == nil {
		ignore = DefaultIgnore
	}
	ign, err := source.NewMatcher(ignore...)
	if err != nil {
		return nil, 0, err
	}
	isMarker := func(name string) bool {
		for _, m := range s.Markers {
			if base, ok := strings.CutSuffix(name, m); ok && base != "" && names[base] {
				return true
			}
		}
		return false
	}
	for _, f := range selected {
		switch {
		case len(ignore) > 0 && ign.Match(path.Base(f.Name)):
			ignored++
		case isMarker(f.Name):
		default:
			rest = append(rest, f)
		}
	}
	return rest, ignored, nil
}

// settled splits files into those taken and those left for a later run,
// and returns the marker file of each file taken for one. relist is the
// second look, made only when a file needs it.
func (s *Settle) settled(ctx context.Context, files []source.File, names map[string]bool, relist func(context.Context) ([]source.File, error)) (take, wait []source.File, markers map[string]string, err error) {
	var check []source.File
	for _, f := range files {
		switch m := s.marker(f.Name, names); {
		case m != "":
			if markers == nil {
				markers = map[string]string{}
			}
			markers[f.Name] = m
			take = append(take, f)
		case s.Interval > 0 || len(s.Markers) == 0:
			check = append(check, f)
		default:
			wait = append(wait, f)
		}
	}
	if len(check) == 0 || s.Interval <= 0 {
		return append(take, check...), wait, markers, nil
	}
	t := time.NewTimer(s.Interval)
	select {
	case <-ctx.Done():
		t.Stop()
		return nil, nil, nil, context.Cause(ctx)
	case <-t.C:
	}
	again, err := relist(ctx)
	if err != nil {
		return nil, nil, nil, err
	}
	now := make(map[string]source.File, len(again))
	for _, f := range again {
		now[f.Name] = f
	}
	for _, f := range check {
		g, ok := now[f.Name]
		known := f.Size >= 0 || !f.ModTime.IsZero()
		if ok && known && g.Size == f.Size && g.ModTime.Equal(f.ModTime) {
			take = append(take, f)
		} else {
			wait = append(wait, f)
		}
	}
	return take, wait, markers, nil
}

// marker returns the name of name's marker file among names, or "".
func (s *Settle) marker(name string, names map[string]bool) string {
	for _, m := range s.Markers {
		if names[name+m] {
			return name + m
		}
	}
	return ""
}
