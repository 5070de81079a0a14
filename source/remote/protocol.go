package remote

import (
	"context"
	"errors"
	"io"

	"github.com/dumpline/importer/source"
)

// protocol is how a connection lists and reads files, chosen once when it is
// dialled (see [SFTP.pickProtocol]): [sftpConn] or, for servers without the
// sftp subsystem, legacy SCP ([scpConn]). Everything that differs between
// the two is behind it; the source, the retry loop and the connection do
// not ask which one they have.
type protocol interface {
	// list returns the files of s's root that m matches, and records
	// whether the root is a file (s.setRootKind).
	list(ctx context.Context, s *SFTP, m *source.Matcher) ([]source.File, error)
	// findRoot records whether s's root is a file or a folder, for an
	// Open that came without a List.
	findRoot(ctx context.Context, s *SFTP) error
	// open opens r (its remote path set) on this connection and returns
	// its reader.
	open(ctx context.Context, r *remoteFile) (io.ReadCloser, error)
	// sharesSession reports whether the transfers of the connection share
	// one session, so that a failed transfer means a new connection (SFTP);
	// otherwise each transfer has its own session and a failure leaves the
	// connection to the others (SCP).
	sharesSession() bool
	// rename renames the remote path from to to, creating to's folder;
	// remove deletes p. Both are protocol requests: no command line is
	// ever built from a name.
	rename(ctx context.Context, from, to string) error
	remove(ctx context.Context, p string) error
	// close ends the protocol's sessions once the connection is closed.
	close()
}

// errNotSFTP is the failure of a reader opened over SFTP whose new
// connection fell back to SCP: it cannot go on there.
var errNotSFTP = errors.New("remote: the new connection speaks SCP, not SFTP")

// sftpOf returns c's SFTP protocol, for a reader that was opened over SFTP.
func sftpOf(c *sshConn) (*sftpConn, error) {
	if p, ok := c.proto.(*sftpConn); ok {
		return p, nil
	}
	return nil, errNotSFTP
}
