package archive_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/dumpline/importer/archive"
)

const testPassword = "s3cr&t p@ss-w0rd"

// encryptedZips builds encrypted ZIPs of two corpus files with the real
// tools and returns their paths by case name.
func encryptedZips(t *testing.T) map[string]string {
	t.Helper()
	dir := t.TempDir()
	copyCorpus(t, dir, "regions.sql", "countries.sql")
	files := []string{"regions.sql", "countries.sql"}
	out := map[string]string{}
	add := func(name string, stdin string, tool string, args ...string) {
		var in *bytes.Reader
		if stdin != "" {
			in = bytes.NewReader(readCorpus(t, stdin))
			run(t, dir, in, tool, args...)
		} else {
			run(t, dir, nil, tool, args...)
		}
		out[name] = filepath.Join(dir, name+".zip")
	}
	add("zip-e", "", "zip", append([]string{"-q", "-P", testPassword, "zip-e.zip"}, files...)...)
	add("zip-e-stdin", "countries.sql", "zip", "-q", "-P", testPassword, "zip-e-stdin.zip", "-")
	add("zip-e-store", "", "zip", append([]string{"-q", "-0", "-P", testPassword, "zip-e-store.zip"}, files...)...)
	for _, m := range []string{"AES128", "AES192", "AES256", "ZipCrypto"} {
		add("7z-"+m, "", "7z", append([]string{"a", "-tzip", "-p" + testPassword, "-mem=" + m, "7z-" + m + ".zip"}, files...)...)
	}
	add("7z-AES256-store", "", "7z", append([]string{"a", "-tzip", "-mx=0", "-p" + testPassword, "-mem=AES256", "7z-AES256-store.zip"}, files...)...)
	return out
}

func TestEncrypted(t *testing.T) {
	for name, path := range encryptedZips(t) {
		t.Run(name, func(t *testing.T) {
			x := &archive.Extractor{Password: archive.StaticPassword(testPassword)}
			for _, streaming := range []bool{false, true} {
				g, err := extractFile(t, x, path, streaming)
				if err != nil {
					t.Fatal(err)
				}
				if len(g.entries) == 0 {
					t.Fatal("no entries")
				}
				for _, e := range g.entries {
					orig := e.Name
					if orig == "-" {
						orig = "countries.sql"
					}
					if !e.Encrypted {
						t.Errorf("%s: not flagged encrypted", e.Name)
					}
					if !bytes.Equal(g.data[e.Name], readCorpus(t, orig)) {
						t.Errorf("%s: content differs", e.Name)
					}
				}
			}
			// Wrong or missing password: ErrPassword at open, naming the
			// entry, and never the password. ZipCrypto checks a password
			// with one byte of its random header, so a wrong one passes it
			// once in 256 archives and fails later, on the CRC or the
			// inflater: of two wrong passwords, one is then refused at open
			// (both pass once in 65,536), and no wrong one ever extracts.
			wrong := 0
			for _, pw := range []string{"wrong password", "another wrong password"} {
				_, err := extractFile(t, &archive.Extractor{Password: archive.StaticPassword(pw)}, path, false)
				var ae *archive.Error
				switch {
				case errors.Is(err, archive.ErrPassword) && errors.As(err, &ae) && ae.Entry != "":
					wrong++
				case err == nil || !(strings.HasPrefix(name, "zip-e") || name == "7z-ZipCrypto"):
					t.Errorf("wrong password %q: got %v, want ErrPassword naming the entry", pw, err)
				}
				if err != nil && strings.Contains(err.Error(), pw) {
					t.Errorf("error %q contains the password", err)
				}
			}
			if wrong == 0 {
				t.Errorf("no wrong password was refused at open")
			}
			for _, x := range []*archive.Extractor{
				{},
				{Password: func(a, e string) (string, error) { return "", errors.New("no password for " + a) }},
			} {
				_, err := extractFile(t, x, path, false)
				var ae *archive.Error
				if !errors.Is(err, archive.ErrPassword) || !errors.As(err, &ae) || ae.Entry == "" {
					t.Errorf("wrong password: got %v, want ErrPassword naming the entry", err)
				}
				if err != nil && strings.Contains(err.Error(), "wrong password") {
					t.Errorf("error %q contains the password", err)
				}
			}
		})
	}
}

// TestPasswordHook checks that the hook receives the archive and entry.
func TestPasswordHook(t *testing.T) {
	zips := encryptedZips(t)
	var calls []string
	x := &archive.Extractor{Password: func(a, e string) (string, error) {
		calls = append(calls, a+":"+e)
		return testPassword, nil
	}}
	if _, err := extractFile(t, x, zips["7z-AES256"], false); err != nil {
		t.Fatal(err)
	}
	slices.Sort(calls)
	want := "7z-AES256.zip:countries.sql 7z-AES256.zip:regions.sql"
	if got := strings.Join(calls, " "); got != want {
		t.Fatalf("hook calls %q, want %q", got, want)
	}
}

// cdRecords returns the offsets of the central directory records of b.
func cdRecords(b []byte) []int {
	var offs []int
	for i := 0; ; {
		j := bytes.Index(b[i:], []byte("PK\x01\x02"))
		if j < 0 {
			return offs
		}
		offs = append(offs, i+j)
		i += j + 4
	}
}

// TestAESIntegrity flips a ciphertext byte of stored AES entries (the HMAC
// catches it: ErrChecksum), and turns an AE-2 entry into AE-1 with a right
// then a wrong CRC-32.
func TestAESIntegrity(t *testing.T) {
	zips := encryptedZips(t)
	orig, err := os.ReadFile(zips["7z-AES256-store"])
	if err != nil {
		t.Fatal(err)
	}
	x := &archive.Extractor{Password: archive.StaticPassword(testPassword)}

	b := bytes.Clone(orig)
	i := bytes.Index(b, []byte("regions.sql")) + len("regions.sql") + 11 + 16 + 2 + 100 // extra field, salt, verifier, data
	b[i] ^= 0x40
	_, err = extractBytes(x, "a.zip", b, false)
	var ae *archive.Error
	if !errors.Is(err, archive.ErrChecksum) || !errors.As(err, &ae) || ae.Entry != "regions.sql" {
		t.Fatalf("flipped ciphertext: got %v, want ErrChecksum naming regions.sql", err)
	}

	// AE-1: the CRC-32 is stored and checked.
	for _, crcOK := range []bool{true, false} {
		b := bytes.Clone(orig)
		for _, off := range cdRecords(b) {
			nameLen := int(binary.LittleEndian.Uint16(b[off+28:]))
			name := string(b[off+46 : off+46+nameLen])
			crc := crc32.ChecksumIEEE(readCorpus(t, name))
			if !crcOK {
				crc++
			}
			binary.LittleEndian.PutUint32(b[off+16:], crc)
			extra := b[off+46+nameLen:]
			k := bytes.Index(extra, []byte{0x01, 0x99, 0x07, 0x00})
			binary.LittleEndian.PutUint16(extra[k+4:], 1)
		}
		g, err := extractBytes(x, "a.zip", b, false)
		switch {
		case crcOK && err != nil:
			t.Fatalf("AE-1: %v", err)
		case crcOK && !bytes.Equal(g.data["regions.sql"], readCorpus(t, "regions.sql")):
			t.Fatal("AE-1: content differs")
		case !crcOK && !errors.Is(err, archive.ErrChecksum):
			t.Fatalf("AE-1 with a wrong CRC: got %v, want ErrChecksum", err)
		}
	}
}

// TestEncryptedNested: a .sql.gz inside an AES-encrypted ZIP is unpacked,
// and its entry is reported encrypted.
func TestEncryptedNested(t *testing.T) {
	dir := t.TempDir()
	copyCorpus(t, dir, "countries.sql")
	run(t, dir, nil, "gzip", "countries.sql")
	run(t, dir, nil, "7z", "a", "-tzip", "-p"+testPassword, "-mem=AES256", "n.zip", "countries.sql.gz")
	g, err := extractFile(t, &archive.Extractor{Password: archive.StaticPassword(testPassword)}, filepath.Join(dir, "n.zip"), true)
	if err != nil {
		t.Fatal(err)
	}
	if len(g.entries) != 1 || g.entries[0].Name != "countries.sql" || !g.entries[0].Encrypted || g.entries[0].Format != archive.Gzip {
		t.Fatalf("entries %+v", g.entries)
	}
	if !bytes.Equal(g.data["countries.sql"], readCorpus(t, "countries.sql")) {
		t.Fatal("content differs")
	}
}
