package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dumpline/importer/source/sftptest"
)

// sftpDrop serves the sample zip over SFTP on loopback and returns the URL of
// its folder and the flags to reach it (known_hosts, password in $DUMPIMPORT_TEST_PW).
func sftpDrop(t *testing.T) (string, []string) {
	t.Helper()
	drop := t.TempDir()
	data, err := os.ReadFile(sample)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(drop, "chinook.zip"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(drop, "readme.txt"), []byte("hi"), 0o644); err != nil {
		t.Fatal(err)
	}
	srv := sftptest.NewServer(t, drop)
	kh := filepath.Join(t.TempDir(), "known_hosts")
	if err := os.WriteFile(kh, []byte(srv.KnownHostsLine()+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("DUMPIMPORT_TEST_PW", srv.Password)
	return "sftp://" + srv.User + "@" + srv.Addr + "/", []string{"-known-hosts", kh, "-password-env", "DUMPIMPORT_TEST_PW"}
}

func TestRemoteListFetchParse(t *testing.T) {
	url, flags := sftpDrop(t)
	ctx := context.Background()
	var stdout, stderr bytes.Buffer

	args := append(append([]string{"list", "-json", "-pattern", "*.zip"}, flags...), url)
	if code := run(ctx, args, &stdout, &stderr); code != 0 {
		t.Fatalf("list: exit %d: %s", code, stderr.String())
	}
	var l struct{ Files []listed }
	if err := json.Unmarshal(stdout.Bytes(), &l); err != nil || len(l.Files) != 1 || l.Files[0].Name != "chinook.zip" || l.Files[0].Status != "import" {
		t.Fatalf("list: %v %s", err, stdout.String())
	}

	dir := t.TempDir()
	stdout.Reset()
	args = append(append([]string{"fetch", "-quiet", "-pattern", "*.zip"}, flags...), url, dir)
	if code := run(ctx, args, &stdout, &stderr); code != 0 {
		t.Fatalf("fetch: exit %d: %s", code, stderr.String())
	}
	got, _ := os.ReadFile(filepath.Join(dir, "chinook.zip"))
	want, _ := os.ReadFile(sample)
	if !bytes.Equal(got, want) {
		t.Fatalf("fetched %d bytes, want %d", len(got), len(want))
	}

	stdout.Reset()
	args = append(append([]string{"parse", "-json", "-quiet", "-pattern", "*.zip"}, flags...), url)
	if code := run(ctx, args, &stdout, &stderr); code != 0 {
		t.Fatalf("parse: exit %d: %s", code, stderr.String())
	}
	var rep struct{ Rows int64 }
	if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil || rep.Rows != 15607 {
		t.Fatalf("parse: rows %d, %v", rep.Rows, err)
	}
	if strings.Contains(stdout.String()+stderr.String(), os.Getenv("DUMPIMPORT_TEST_PW")) {
		t.Error("the password was printed")
	}
}

func TestRemoteUnknownHostRefused(t *testing.T) {
	url, flags := sftpDrop(t)
	empty := filepath.Join(t.TempDir(), "known_hosts")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	flags[1] = empty
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), append(append([]string{"list"}, flags...), url), &stdout, &stderr); code == 0 {
		t.Fatal("an unknown host key was accepted")
	}
	// -trust-on-first-use records the key, and then the host is known.
	if code := run(context.Background(), append(append([]string{"list", "-trust-on-first-use"}, flags...), url), &stdout, &stderr); code != 0 {
		t.Fatalf("tofu: exit %d: %s", code, stderr.String())
	}
	if data, _ := os.ReadFile(empty); len(data) == 0 {
		t.Error("trust-on-first-use recorded no key")
	}
}

func TestFetchExtractLocal(t *testing.T) {
	dir := t.TempDir()
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"fetch", "-extract", "-quiet", sample, dir}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	st, err := os.Stat(filepath.Join(dir, "chinook-dot-dump.sql"))
	if err != nil || st.Size() != 1047026 {
		t.Fatalf("extracted entry: %v", err)
	}
	// Extracting again refuses to overwrite.
	if code := run(context.Background(), []string{"fetch", "-extract", "-quiet", sample, dir}, &stdout, &stderr); code == 0 {
		t.Fatal("an existing file was overwritten")
	}
}

func TestLoadWithStateSkipsUnchanged(t *testing.T) {
	db := filepath.Join(t.TempDir(), "c.db")
	state := filepath.Join(t.TempDir(), "state.json")
	var stdout, stderr bytes.Buffer
	args := []string{"load", "-json", "-quiet", "-state", state, sample, "sqlite:" + db}
	if code := run(context.Background(), args, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	stdout.Reset()
	if code := run(context.Background(), args, &stdout, &stderr); code != 0 {
		t.Fatalf("second run: exit %d: %s", code, stderr.String())
	}
	var rep struct {
		Rows  int64
		Files []jsonFile
	}
	if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Rows != 0 || len(rep.Files) != 1 || rep.Files[0].Status != "skipped" {
		t.Errorf("second run: %+v", rep)
	}
}
