// Package remote lists and opens the dump files of a remote drop on an SSH
// server: [SFTP] reads a folder (or one file) over SFTP, or over legacy SCP
// for servers without the sftp subsystem, resuming after a dropped or
// stalled connection and checking every download's size and checksum.
// [ParseURL] builds one from an "sftp://" or "scp://" URL, and [Fetch]
// downloads a listed file to a local folder, resumably, for what needs the
// file on disk (a ZIP over SCP, which has no random access).
//
// It is a package of its own so that programs that read only local files
// (package source) do not link the SSH and SFTP code.
// source/sftptest serves a folder over SFTP and SCP for tests.
package remote
