// Package source lists and opens the dump files that an import reads from
// local storage: a folder ([Dir]), one file ([LocalFile]) or any [fs.FS]
// ([FS]). It also holds [File], the description of a file that every source
// lists, and the precompiled pattern [Matcher] used to select files by name.
//
// Remote drops are in the sub-packages: source/remote reads a folder on an
// SSH server over SFTP or legacy SCP, and source/state remembers what was
// imported. Neither is linked by a program that does not import it.
package source

import (
	"time"
)

// File describes one file of a source.
type File struct {
	// Name is the file's slash-separated path relative to the source's root.
	Name string
	// Size is the file's size in bytes, or -1 when unknown.
	Size int64
	// ModTime is the file's modification time.
	ModTime time.Time
	// Checksum is an optional content checksum ("sha256:hex"), "" when the
	// source does not provide one.
	Checksum string
}
