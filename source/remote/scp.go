package remote

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"strconv"
	"strings"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/dumpline/importer/source"
)

// ErrSCP is wrapped by errors that the remote scp reports or that break the
// SCP protocol.
var ErrSCP = errors.New("remote: scp")

// shellQuote quotes s for a POSIX shell: inside single quotes nothing is
// special, and a single quote is written as '\”.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// scpCommand returns the remote command running scp in source mode on p.
func scpCommand(flags, p string) (string, error) {
	if strings.IndexByte(p, 0) >= 0 {
		return "", fmt.Errorf("%w: path holds a NUL byte", ErrBadName)
	}
	return "scp " + flags + " -f -- " + shellQuote(p), nil
}

const maxSCPLine = 4096 + 64

// maxSCPDepth is the deepest folder a recursive SCP listing enters.
const maxSCPDepth = 32

// readSCPLine reads one protocol line (without its newline).
func readSCPLine(br *bufio.Reader) (string, error) {
	var sb strings.Builder
	for {
		frag, err := br.ReadSlice('\n')
		sb.Write(frag)
		if sb.Len() > maxSCPLine {
			return "", fmt.Errorf("%w: protocol line too long", ErrSCP)
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		if err != nil {
			if err == io.EOF && sb.Len() > 0 {
				err = io.ErrUnexpectedEOF
			}
			return "", err
		}
		line := sb.String()
		return line[:len(line)-1], nil
	}
}

// parseSCPEntry parses "C0644 123 name" or "D0755 0 name".
func parseSCPEntry(line string) (mode uint32, size int64, name string, err error) {
	f := strings.SplitN(line[1:], " ", 3)
	if len(f) != 3 || len(f[0]) != 4 {
		return 0, 0, "", fmt.Errorf("%w: bad entry line %q", ErrSCP, line)
	}
	m, err1 := strconv.ParseUint(f[0], 8, 32)
	size, err2 := strconv.ParseInt(f[1], 10, 64)
	if err1 != nil || err2 != nil || size < 0 {
		return 0, 0, "", fmt.Errorf("%w: bad entry line %q", ErrSCP, line)
	}
	return uint32(m), size, f[2], nil
}

// parseSCPTime parses "T<mtime> <usec> <atime> <usec>".
func parseSCPTime(line string) (time.Time, error) {
	f := strings.Fields(line[1:])
	if len(f) != 4 {
		return time.Time{}, fmt.Errorf("%w: bad time line %q", ErrSCP, line)
	}
	sec, err := strconv.ParseInt(f[0], 10, 64)
	usec, err2 := strconv.ParseInt(f[1], 10, 64)
	if err != nil || err2 != nil {
		return time.Time{}, fmt.Errorf("%w: bad time line %q", ErrSCP, line)
	}
	return time.Unix(sec, usec*1000), nil
}

// scpSession is one running "scp -f" with its pipes.
type scpSession struct {
	sess  *ssh.Session
	in    io.WriteCloser
	br    *bufio.Reader
	after func() bool
}

func startSCP(ctx context.Context, c *sshConn, cmd string) (*scpSession, error) {
	sess, err := c.client.NewSession()
	if err != nil {
		return nil, &netError{fmt.Errorf("remote: opening SSH session: %w", err)}
	}
	in, err := sess.StdinPipe()
	if err != nil {
		sess.Close()
		return nil, err
	}
	out, err := sess.StdoutPipe()
	if err != nil {
		sess.Close()
		return nil, err
	}
	if err := sess.Start(cmd); err != nil {
		sess.Close()
		return nil, &netError{fmt.Errorf("remote: starting remote scp: %w", err)}
	}
	ss := &scpSession{sess: sess, in: in, br: bufio.NewReaderSize(out, 64<<10)}
	ss.after = context.AfterFunc(ctx, func() { sess.Close() })
	if err := ss.ack(); err != nil {
		ss.close()
		return nil, err
	}
	return ss, nil
}

func (ss *scpSession) ack() error {
	if _, err := ss.in.Write([]byte{0}); err != nil {
		return &netError{fmt.Errorf("remote: scp: %w", err)}
	}
	return nil
}

func (ss *scpSession) reject() error {
	if _, err := ss.in.Write([]byte("\x01skip\n")); err != nil {
		return &netError{fmt.Errorf("remote: scp: %w", err)}
	}
	return nil
}

func (ss *scpSession) close() {
	ss.after()
	ss.in.Close()
	ss.sess.Close()
}

// scpConn reads files with legacy SCP ("scp -f" run by the remote shell),
// one session per listing or transfer; see [SFTP] for what it cannot do.
type scpConn struct{ c *sshConn }

func (p *scpConn) list(ctx context.Context, s *SFTP, m *source.Matcher) ([]source.File, error) {
	return s.scpList(ctx, p.c, m)
}

// findRoot lists the root, matching nothing: the listing's first line says
// whether it is a file or a folder.
func (p *scpConn) findRoot(ctx context.Context, s *SFTP) error {
	_, err := s.scpList(ctx, p.c, source.MustMatcher("-"))
	return err
}

// open returns the reader; the transfer starts with the first Read.
func (p *scpConn) open(ctx context.Context, r *remoteFile) (io.ReadCloser, error) {
	return &scpReader{r: r}, nil
}

func (p *scpConn) sharesSession() bool { return false }

func (p *scpConn) close() {}

// scpList lists Path with "scp -r -p -f", refusing every file as it is
// offered so nothing is downloaded. No shell glob is used: the only path on
// the command line is Path, single-quoted; names are matched here.
func (s *SFTP) scpList(ctx context.Context, c *sshConn, m *source.Matcher) ([]source.File, error) {
	cmd, err := scpCommand("-r -p", s.root())
	if err != nil {
		return nil, err
	}
	ss, err := startSCP(ctx, c, cmd)
	if err != nil {
		return nil, err
	}
	defer ss.close()
	return s.scpListFrom(ctx, ss, m)
}

// scpListFrom reads a recursive listing from a running "scp -r -p -f",
// refusing every file (the protocol reader of scpList, apart from the SSH
// session; the fuzz target feeds it arbitrary bytes).
func (s *SFTP) scpListFrom(ctx context.Context, ss *scpSession, m *source.Matcher) ([]source.File, error) {
	var (
		out      []source.File
		dirs     []string // folders entered below the root
		depth    int      // D lines accepted and not ended
		mtime    time.Time
		warnings []string
	)
	for {
		line, err := readSCPLine(ss.br)
		if err == io.EOF {
			break
		}
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			return nil, &netError{fmt.Errorf("remote: scp listing: %w", err)}
		}
		if line == "" {
			return nil, fmt.Errorf("%w: empty protocol line", ErrSCP)
		}
		switch line[0] {
		case 'T':
			if mtime, err = parseSCPTime(line); err != nil {
				return nil, err
			}
			err = ss.ack()
		case 'C':
			_, size, name, perr := parseSCPEntry(line)
			if perr != nil {
				return nil, perr
			}
			if err := checkName(name); err != nil {
				return nil, err
			}
			rel := path.Join(append(dirs[:len(dirs):len(dirs)], name)...)
			if depth == 0 {
				rel = name // Path is a file
				s.setRootKind(true)
			}
			if m.Match(name) {
				out = append(out, source.File{Name: rel, Size: size, ModTime: mtime})
			}
			err = ss.reject()
		case 'D':
			_, _, name, perr := parseSCPEntry(line)
			if perr != nil {
				return nil, perr
			}
			switch {
			case depth == 0:
				depth++ // the root folder itself; its name is not used
				s.setRootKind(false)
				err = ss.ack()
			case s.Recursive:
				if depth > maxSCPDepth {
					// scp follows symbolic links: a link to a parent
					// folder would recurse forever.
					err = ss.reject()
					break
				}
				if err := checkName(name); err != nil {
					return nil, err
				}
				dirs = append(dirs, name)
				depth++
				err = ss.ack()
			default:
				err = ss.reject()
			}
		case 'E':
			if depth == 0 {
				return nil, fmt.Errorf("%w: unbalanced E line", ErrSCP)
			}
			depth--
			if len(dirs) > 0 && depth == len(dirs) {
				dirs = dirs[:len(dirs)-1]
			}
			err = ss.ack()
		case 1:
			warnings = append(warnings, strings.TrimSpace(line[1:]))
		case 2:
			return nil, fmt.Errorf("%w: %s", ErrSCP, strings.TrimSpace(line[1:]))
		default:
			return nil, fmt.Errorf("%w: unexpected protocol line %q", ErrSCP, line)
		}
		if err != nil {
			return nil, err
		}
	}
	if len(out) == 0 && len(warnings) > 0 && depth == 0 {
		// Nothing was offered at all: the path is missing or unreadable.
		return nil, scpError(warnings[0])
	}
	return out, nil
}

// scpError turns a message of the remote scp into an error.
func scpError(msg string) error {
	if strings.Contains(msg, "No such file or directory") {
		return fmt.Errorf("%w: %s: %w", ErrSCP, msg, os.ErrNotExist)
	}
	if strings.Contains(msg, "Permission denied") {
		return fmt.Errorf("%w: %s: %w", ErrSCP, msg, os.ErrPermission)
	}
	return fmt.Errorf("%w: %s", ErrSCP, msg)
}
