package importer

import (
	"context"
	"fmt"
	"path"
	"strings"
	"time"

	"github.com/dumpline/importer/source"
)

// Renamer is implemented by a [Source] that can rename or move a listed
// file within itself. [source.FS] (for folders of [source.Dir]) and
// remote.SFTP (over SFTP, not SCP) do. It is used by [AfterImport].
type Renamer interface {
	// Rename gives f the name name, a slash-separated path relative to the
	// source's root like [source.File].Name, creating the folders it
	// needs. It must not replace an existing file.
	Rename(ctx context.Context, f source.File, name string) error
}

// Remover is implemented by a [Source] that can delete a listed file, as
// [source.FS] (for folders of [source.Dir]) and remote.SFTP (over SFTP)
// do. It is used by [AfterImport].
type Remover interface {
	// Remove deletes f.
	Remove(ctx context.Context, f source.File) error
}

// AfterAction is what [AfterImport] does with an imported file.
type AfterAction uint8

// The actions.
const (
	// Leave leaves the file where it is (the default).
	Leave AfterAction = iota
	// Move moves the file into the folder AfterImport.Dir, keeping its
	// name. The Source must be a [Renamer].
	Move
	// Rename appends AfterImport.Suffix to the file's name. The Source
	// must be a [Renamer].
	Rename
	// Delete deletes the file. The Source must be a [Remover].
	Delete
)

// AfterImport is what to do with a file once its load was committed (and
// recorded in [State]): never after a failure, never on a dry run. A file
// whose action fails stays [Imported]; the failure is an [*Error] of stage
// [StageAfter] in its report and in Run's error. The file's marker file
// (see [Settle]) gets the same action.
//
// Moved and renamed files stay in the source: the pipeline does not select
// files under Dir, nor names ending in Suffix, again.
type AfterImport struct {
	Action AfterAction
	// Dir is the folder for Move, relative to the source's root
	// ("imported", or "../imported" for a folder beside it where the
	// source allows it).
	Dir string
	// Suffix is appended by Rename, for example ".imported".
	Suffix string
}

// check says at the start of Run whether the action can be done on src.
func (a *AfterImport) check(src Source) error {
	if a == nil {
		return nil
	}
	switch a.Action {
	case Leave:
		return nil
	case Move, Rename:
		if _, ok := src.(Renamer); !ok {
			return fmt.Errorf("importer: AfterImport: the source (%T) cannot rename files (it is not an importer.Renamer)", src)
		}
		if a.Action == Move && (a.Dir == "" || path.Clean(a.Dir) == "." || path.IsAbs(a.Dir)) {
			return fmt.Errorf("importer: AfterImport: Move needs a Dir relative to the source's root, not %q", a.Dir)
		}
		if a.Action == Rename && (a.Suffix == "" || strings.Contains(a.Suffix, "/")) {
			return fmt.Errorf("importer: AfterImport: Rename needs a Suffix without a slash, not %q", a.Suffix)
		}
	case Delete:
		if _, ok := src.(Remover); !ok {
			return fmt.Errorf("importer: AfterImport: the source (%T) cannot delete files (it is not an importer.Remover)", src)
		}
	default:
		return fmt.Errorf("importer: AfterImport: unknown action %d", a.Action)
	}
	return nil
}

// done reports whether name is the result of an earlier action, so that it
// is not selected again.
func (a *AfterImport) done(name string) bool {
	if a == nil {
		return false
	}
	switch a.Action {
	case Move:
		dir := path.Clean(a.Dir)
		return !strings.HasPrefix(dir, "../") && strings.HasPrefix(name, dir+"/")
	case Rename:
		return strings.HasSuffix(name, a.Suffix)
	}
	return false
}

// apply does the action on f.
func (a *AfterImport) apply(ctx context.Context, src Source, f source.File) error {
	switch a.Action {
	case Move:
		return src.(Renamer).Rename(ctx, f, path.Join(a.Dir, f.Name))
	case Rename:
		return src.(Renamer).Rename(ctx, f, f.Name+a.Suffix)
	case Delete:
		return src.(Remover).Remove(ctx, f)
	}
	return nil
}

// after runs the action on an imported file and its marker.
func (r *run) after(ctx context.Context, f source.File) error {
	a := r.p.AfterImport
	if a == nil || a.Action == Leave {
		return nil
	}
	if _, dry := r.sink.(discard); dry {
		return nil
	}
	// The load is committed: the action is done even when the run is being
	// cancelled, so that the file is not imported again.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	defer cancel()
	if err := a.apply(ctx, r.p.Source, f); err != nil {
		return &Error{Stage: StageAfter, File: f.Name, Err: err}
	}
	if m := r.markers[f.Name]; m != "" {
		if err := a.apply(ctx, r.p.Source, source.File{Name: m, Size: -1}); err != nil {
			return &Error{Stage: StageAfter, File: m, Err: err}
		}
	}
	return nil
}
