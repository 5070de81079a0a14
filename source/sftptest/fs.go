package sftptest

import (
	"encoding/pem"
	"io"
	"os"
	"path"
	"strings"

	"github.com/pkg/sftp"
)

func pemEncode(b *pem.Block) []byte { return pem.EncodeToMemory(b) }

// rel turns a client's path into a name inside the served folder: "/" and
// "" are the folder itself, absolute paths start at it.
func rel(p string) string {
	p = strings.TrimPrefix(path.Clean("/"+p), "/")
	if p == "" {
		return "."
	}
	return p
}

// fsHandlers serves a folder through an os.Root per request: read-only,
// or with rename, remove and mkdir when writable.
type fsHandlers struct {
	dir      string
	writable bool
}

func handlers(dir string, writable bool) sftp.Handlers {
	h := fsHandlers{dir: dir, writable: writable}
	return sftp.Handlers{FileGet: h, FilePut: h, FileCmd: h, FileList: h}
}

func (h fsHandlers) Fileread(r *sftp.Request) (io.ReaderAt, error) {
	root, err := os.OpenRoot(h.dir)
	if err != nil {
		return nil, err
	}
	defer root.Close()
	f, err := root.Open(rel(r.Filepath))
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if !st.Mode().IsRegular() {
		f.Close()
		return nil, sftp.ErrSSHFxFailure
	}
	return f, nil
}

func (h fsHandlers) Filewrite(*sftp.Request) (io.WriterAt, error) {
	return nil, sftp.ErrSSHFxPermissionDenied
}

func (h fsHandlers) Filecmd(r *sftp.Request) error {
	if !h.writable {
		return sftp.ErrSSHFxPermissionDenied
	}
	root, err := os.OpenRoot(h.dir)
	if err != nil {
		return err
	}
	defer root.Close()
	switch r.Method {
	case "Rename":
		// As OpenSSH's server: never replace an existing file.
		to := rel(r.Target)
		if _, err := root.Lstat(to); err == nil {
			return sftp.ErrSSHFxFailure
		}
		return root.Rename(rel(r.Filepath), to)
	case "Remove":
		return root.Remove(rel(r.Filepath))
	case "Mkdir":
		return root.Mkdir(rel(r.Filepath), 0o755)
	}
	return sftp.ErrSSHFxOpUnsupported
}

func (h fsHandlers) Filelist(r *sftp.Request) (sftp.ListerAt, error) {
	root, err := os.OpenRoot(h.dir)
	if err != nil {
		return nil, err
	}
	defer root.Close()
	name := rel(r.Filepath)
	switch r.Method {
	case "List":
		d, err := root.Open(name)
		if err != nil {
			return nil, err
		}
		defer d.Close()
		entries, err := d.ReadDir(-1)
		if err != nil {
			return nil, err
		}
		infos := make(listerAt, 0, len(entries))
		for _, e := range entries {
			if fi, err := e.Info(); err == nil {
				infos = append(infos, fi)
			}
		}
		return infos, nil
	case "Stat":
		fi, err := root.Stat(name)
		if err != nil {
			return nil, err
		}
		return listerAt{fi}, nil
	default:
		return nil, sftp.ErrSSHFxOpUnsupported
	}
}

// Lstat answers lstat requests without following a final symbolic link.
func (h fsHandlers) Lstat(r *sftp.Request) (sftp.ListerAt, error) {
	root, err := os.OpenRoot(h.dir)
	if err != nil {
		return nil, err
	}
	defer root.Close()
	fi, err := root.Lstat(rel(r.Filepath))
	if err != nil {
		return nil, err
	}
	return listerAt{fi}, nil
}

type listerAt []os.FileInfo

func (l listerAt) ListAt(dst []os.FileInfo, off int64) (int, error) {
	if off >= int64(len(l)) {
		return 0, io.EOF
	}
	n := copy(dst, l[off:])
	if off+int64(n) >= int64(len(l)) {
		return n, io.EOF
	}
	return n, nil
}
