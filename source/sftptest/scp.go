package sftptest

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"slices"
	"strings"
)

// errShell means the command uses shell syntax this server does not run.
var errShell = errors.New("sftptest: unsupported shell syntax")

// splitWords splits a command line as a POSIX shell would for the plain
// words, single and double quotes and backslashes that scp clients send.
// Anything that would make a shell do more (expansions, globs, operators,
// redirections) is refused, so that a client that forgets to quote a file
// name fails its tests instead of passing them by luck.
func splitWords(cmd string) ([]string, error) {
	var words []string
	var cur strings.Builder
	inWord := false
	for i := 0; i < len(cmd); i++ {
		c := cmd[i]
		switch {
		case c == ' ' || c == '\t':
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		case c == '\'':
			j := strings.IndexByte(cmd[i+1:], '\'')
			if j < 0 {
				return nil, errShell
			}
			cur.WriteString(cmd[i+1 : i+1+j])
			i += 1 + j
			inWord = true
		case c == '"':
			i++
			for ; i < len(cmd) && cmd[i] != '"'; i++ {
				switch cmd[i] {
				case '$', '`':
					return nil, errShell
				case '\\':
					if i+1 < len(cmd) && strings.IndexByte("$`\"\\\n", cmd[i+1]) >= 0 {
						i++
					}
				}
				cur.WriteByte(cmd[i])
			}
			if i >= len(cmd) {
				return nil, errShell
			}
			inWord = true
		case c == '\\':
			if i+1 >= len(cmd) {
				return nil, errShell
			}
			i++
			cur.WriteByte(cmd[i])
			inWord = true
		case strings.IndexByte("$`;|&<>()*?[]{}~#!\n", c) >= 0:
			return nil, errShell
		default:
			cur.WriteByte(c)
			inWord = true
		}
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words, nil
}

// exec runs one exec request: only "scp -f" (source mode) is served.
func (s *Server) exec(ch io.ReadWriter, cmd string) uint32 {
	stderr := io.Discard
	if e, ok := ch.(interface{ Stderr() io.ReadWriter }); ok {
		stderr = e.Stderr()
	}
	words, err := splitWords(cmd)
	if err != nil || len(words) == 0 || words[0] != "scp" {
		fmt.Fprintf(stderr, "sftptest: only scp -f is served: %v\n", err)
		return 127
	}
	var from, recursive, times bool
	var paths []string
	for i, w := range words[1:] {
		if w == "--" {
			paths = words[i+2:]
			break
		}
		if !strings.HasPrefix(w, "-") || w == "-" {
			paths = words[i+1:]
			break
		}
		for _, f := range w[1:] {
			switch f {
			case 'f':
				from = true
			case 'r':
				recursive = true
			case 'p':
				times = true
			case 'd', 'v', 'q', 'O':
			default:
				fmt.Fprintf(stderr, "sftptest: unsupported scp flag -%c\n", f)
				return 1
			}
		}
	}
	if !from || len(paths) == 0 {
		fmt.Fprintln(stderr, "sftptest: only scp -f (source mode) is served")
		return 1
	}
	root, err := os.OpenRoot(s.Dir)
	if err != nil {
		return 1
	}
	defer root.Close()
	sc := &scpSource{root: root, in: bufio.NewReader(ch), out: ch, recursive: recursive, times: times}
	// The sink starts with a zero byte.
	if err := sc.response(); err != nil {
		return 1
	}
	for _, p := range paths {
		if err := sc.send(rel(p), path.Base(path.Clean("/"+p))); err != nil {
			return 1
		}
	}
	if sc.errs > 0 {
		return 1
	}
	return 0
}

type scpSource struct {
	root             *os.Root
	in               *bufio.Reader
	out              io.Writer
	recursive, times bool
	errs             int
}

var errRejected = errors.New("rejected by the sink")

// response reads the sink's answer: nil for ok, errRejected for a
// recoverable refusal, another error for a fatal one.
func (sc *scpSource) response() error {
	b, err := sc.in.ReadByte()
	if err != nil {
		return err
	}
	if b == 0 {
		return nil
	}
	if _, err := sc.in.ReadString('\n'); err != nil {
		return err
	}
	sc.errs++
	if b == 1 {
		return errRejected
	}
	return errors.New("fatal error from the sink")
}

func (sc *scpSource) warn(format string, a ...any) error {
	sc.errs++
	_, err := fmt.Fprintf(sc.out, "\x01scp: "+format+"\n", a...)
	return err
}

// send sends the file or folder name (relative to the root) as base; only
// write and fatal errors are returned.
func (sc *scpSource) send(name, base string) error {
	fi, err := sc.root.Stat(name)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return sc.warn("%s: No such file or directory", name)
		}
		return sc.warn("%s: %v", name, err)
	}
	if base == "/" || base == "" {
		base = "."
	}
	if sc.times {
		if _, err := fmt.Fprintf(sc.out, "T%d 0 %d 0\n", fi.ModTime().Unix(), fi.ModTime().Unix()); err != nil {
			return err
		}
		if err := sc.response(); err == errRejected {
			return nil
		} else if err != nil {
			return err
		}
	}
	switch {
	case fi.IsDir() && sc.recursive:
		return sc.sendDir(name, base, fi)
	case fi.IsDir() || !fi.Mode().IsRegular():
		return sc.warn("%s: not a regular file", name)
	}
	f, err := sc.root.Open(name)
	if err != nil {
		return sc.warn("%s: %v", name, err)
	}
	defer f.Close()
	if _, err := fmt.Fprintf(sc.out, "C%04o %d %s\n", fi.Mode().Perm(), fi.Size(), base); err != nil {
		return err
	}
	if err := sc.response(); err == errRejected {
		return nil
	} else if err != nil {
		return err
	}
	if _, err := io.CopyN(sc.out, f, fi.Size()); err != nil {
		return err
	}
	if _, err := sc.out.Write([]byte{0}); err != nil {
		return err
	}
	if err := sc.response(); err != nil && err != errRejected {
		return err
	}
	return nil
}

func (sc *scpSource) sendDir(name, base string, fi fs.FileInfo) error {
	if _, err := fmt.Fprintf(sc.out, "D%04o 0 %s\n", fi.Mode().Perm(), base); err != nil {
		return err
	}
	if err := sc.response(); err == errRejected {
		return nil
	} else if err != nil {
		return err
	}
	d, err := sc.root.Open(name)
	if err != nil {
		return sc.warn("%s: %v", name, err)
	}
	entries, err := d.ReadDir(-1)
	d.Close()
	if err != nil {
		return sc.warn("%s: %v", name, err)
	}
	slices.SortFunc(entries, func(a, b fs.DirEntry) int { return strings.Compare(a.Name(), b.Name()) })
	for _, e := range entries {
		if err := sc.send(path.Join(name, e.Name()), e.Name()); err != nil {
			return err
		}
	}
	if _, err := io.WriteString(sc.out, "E\n"); err != nil {
		return err
	}
	if err := sc.response(); err != nil && err != errRejected {
		return err
	}
	return nil
}
