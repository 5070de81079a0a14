package archive

import (
	"crypto/aes"
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/sha1"
	"crypto/subtle"
	"fmt"
	"hash"
	"hash/crc32"
	"io"

	"github.com/klauspost/compress/zip"
)

// Traditional PKWARE encryption ("ZipCrypto", APPNOTE.TXT section 6.1).

const zipCryptoHeaderLen = 12

// zipCryptoReader decrypts the data of a ZipCrypto entry in place.
type zipCryptoReader struct {
	r          io.Reader
	k0, k1, k2 uint32
}

func (z *zipCryptoReader) update(b byte) {
	z.k0 = crc32.IEEETable[byte(z.k0)^b] ^ z.k0>>8
	z.k1 = (z.k1+z.k0&0xff)*134775813 + 1
	z.k2 = crc32.IEEETable[byte(z.k2)^byte(z.k1>>24)] ^ z.k2>>8
}

// init sets the keys from the password, reads the 12-byte encryption
// header and checks its last byte: the high byte of the CRC-32, or of the
// modification time when the entry has a data descriptor (either is
// accepted, as writers differ). A mismatch is ErrPassword.
func (z *zipCryptoReader) init(r io.Reader, password string, f *zip.File) error {
	if f.CompressedSize64 < zipCryptoHeaderLen {
		return fmt.Errorf("%w: encrypted entry shorter than its header", ErrFormat)
	}
	z.r, z.k0, z.k1, z.k2 = r, 0x12345678, 0x23456789, 0x34567890
	for i := 0; i < len(password); i++ {
		z.update(password[i])
	}
	var hdr [zipCryptoHeaderLen]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return err
	}
	z.decrypt(hdr[:])
	check := hdr[zipCryptoHeaderLen-1]
	byCRC := check == byte(f.CRC32>>24)
	//lint:ignore SA1019 the check byte is the high byte of the raw MS-DOS time, not of Modified.
	byTime := check == byte(f.ModifiedTime>>8)
	if !byCRC && !(f.Flags&flagDescriptor != 0 && byTime) {
		return fmt.Errorf("%w: password check byte mismatch", ErrPassword)
	}
	return nil
}

// decrypt decrypts p in place: each byte is XORed with a byte derived from
// k2, then the keys are updated with the plain byte (update, inlined with
// the keys in local variables: the cipher is serial, byte after byte).
func (z *zipCryptoReader) decrypt(p []byte) {
	k0, k1, k2 := z.k0, z.k1, z.k2
	tab := crc32.IEEETable
	for i, c := range p {
		t := uint32(uint16(k2) | 2)
		c ^= byte(t * (t ^ 1) >> 8)
		k0 = tab[byte(k0)^c] ^ k0>>8
		k1 = (k1+k0&0xff)*134775813 + 1
		k2 = tab[byte(k2)^byte(k1>>24)] ^ k2>>8
		p[i] = c
	}
	z.k0, z.k1, z.k2 = k0, k1, k2
}

// Read implements io.Reader.
func (z *zipCryptoReader) Read(p []byte) (int, error) {
	n, err := z.r.Read(p)
	z.decrypt(p[:n])
	return n, err
}

// WinZip AES encryption (AE-1 and AE-2, https://www.winzip.com/en/support/aes-encryption/).

const (
	aesIterations = 1000
	aesPVLen      = 2  // password verification value
	aesMACLen     = 10 // authentication code: HMAC-SHA1 truncated
	aesBatch      = 256
)

// aesReader decrypts a WinZip AES entry: AES in counter mode with a
// little-endian counter starting at 1, and an HMAC-SHA1 of the ciphertext
// checked when the data ends.
type aesReader struct {
	r         io.Reader
	ctrLE     aesCTRLE
	mac       hash.Hash
	remaining int64 // ciphertext bytes left
	verified  bool

	ctr   uint64
	ks    [aesBatch * aes.BlockSize]byte // keystream
	ksOff int
	sum   [sha1.Size]byte
	code  [aesMACLen]byte
}

func (a *aesReader) release() {
	a.r, a.ctrLE.block, a.mac = nil, nil, nil
}

// init derives the keys from the password and the salt at the start of
// the entry and checks the password verification value (ErrPassword).
func (a *aesReader) init(r io.Reader, password string, bits int, compressed int64) error {
	keyLen := bits / 8
	saltLen := keyLen / 2
	if compressed < int64(saltLen+aesPVLen+aesMACLen) {
		return fmt.Errorf("%w: AES entry shorter than its header", ErrFormat)
	}
	var hdr [16 + aesPVLen]byte
	if _, err := io.ReadFull(r, hdr[:saltLen+aesPVLen]); err != nil {
		return err
	}
	dk, err := pbkdf2.Key(sha1.New, password, hdr[:saltLen], aesIterations, 2*keyLen+aesPVLen)
	if err != nil {
		return fmt.Errorf("%w: deriving the AES key: %w", ErrUnsupported, err)
	}
	if subtle.ConstantTimeCompare(dk[2*keyLen:], hdr[saltLen:saltLen+aesPVLen]) != 1 {
		return fmt.Errorf("%w: AES password verifier mismatch", ErrPassword)
	}
	a.r = r
	if err := a.ctrLE.init(dk[:keyLen]); err != nil {
		return fmt.Errorf("%w: %w", ErrUnsupported, err)
	}
	a.mac = hmac.New(sha1.New, dk[keyLen:2*keyLen])
	a.remaining = compressed - int64(saltLen+aesPVLen+aesMACLen)
	a.verified = false
	a.ctr = 0
	a.ksOff = len(a.ks)
	return nil
}

// Read implements io.Reader. The authentication code is checked when the
// last byte of ciphertext has been read; a mismatch is ErrChecksum.
func (a *aesReader) Read(p []byte) (int, error) {
	if a.remaining == 0 {
		if !a.verified {
			if err := a.verify(); err != nil {
				return 0, err
			}
		}
		return 0, io.EOF
	}
	if int64(len(p)) > a.remaining {
		p = p[:a.remaining]
	}
	n, err := a.r.Read(p)
	if n > 0 {
		a.mac.Write(p[:n])
		a.xor(p[:n])
		a.remaining -= int64(n)
	}
	if err == io.EOF && a.remaining > 0 {
		return n, io.ErrUnexpectedEOF
	}
	if a.remaining == 0 {
		if verr := a.verify(); verr != nil {
			return 0, verr
		}
		return n, nil
	}
	return n, err
}

func (a *aesReader) verify() error {
	a.verified = true
	if _, err := io.ReadFull(a.r, a.code[:]); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return err
	}
	if !hmac.Equal(a.mac.Sum(a.sum[:0])[:aesMACLen], a.code[:]) {
		return fmt.Errorf("%w: AES authentication code mismatch", ErrChecksum)
	}
	return nil
}

// xor decrypts p in place with the keystream.
func (a *aesReader) xor(p []byte) {
	for len(p) > 0 {
		if a.ksOff == len(a.ks) {
			a.refill()
		}
		n := subtle.XORBytes(p, p, a.ks[a.ksOff:])
		a.ksOff += n
		p = p[n:]
	}
}

// refill encrypts the next aesBatch counter blocks into the keystream.
func (a *aesReader) refill() {
	a.ctr = a.ctrLE.keystream(a.ks[:], a.ctr)
	a.ksOff = 0
}
