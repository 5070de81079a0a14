package archive

import (
	"bytes"
	"crypto/aes"
	"encoding/binary"
	"math/rand/v2"
	"testing"
)

// TestCTRLE compares the keystream (eight blocks at a time on amd64) with
// crypto/aes encrypting each little-endian counter block, for every key
// size and counters that carry across bytes.
func TestCTRLE(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{16, 24, 32} {
		for range 20 {
			key := make([]byte, n)
			for i := range key {
				key[i] = byte(rng.Uint32())
			}
			var c aesCTRLE
			if err := c.init(key); err != nil {
				t.Fatal(err)
			}
			block, _ := aes.NewCipher(key)
			for _, start := range []uint64{0, 250, 1<<16 - 3, 1<<32 - 5, rng.Uint64() >> 1} {
				got := make([]byte, 32*aes.BlockSize)
				if last := c.keystream(got, start); last != start+32 {
					t.Fatalf("last counter %d, want %d", last, start+32)
				}
				want := make([]byte, len(got))
				var cb [aes.BlockSize]byte
				for i := range 32 {
					binary.LittleEndian.PutUint64(cb[:8], start+1+uint64(i))
					block.Encrypt(want[16*i:], cb[:])
				}
				if !bytes.Equal(got, want) {
					t.Fatalf("key size %d, counter %d: keystream differs (asm %v)", n, start, useCTRAsm)
				}
			}
		}
	}
	// The S-box, spot-checked against FIPS-197 figure 7.
	if sbox[0x00] != 0x63 || sbox[0x53] != 0xed || sbox[0xff] != 0x16 {
		t.Fatalf("S-box: %x %x %x", sbox[0], sbox[0x53], sbox[0xff])
	}
}

func BenchmarkCTRLE(b *testing.B) {
	var c aesCTRLE
	if err := c.init(make([]byte, 32)); err != nil {
		b.Fatal(err)
	}
	ks := make([]byte, 4096)
	b.SetBytes(int64(len(ks)))
	var ctr uint64
	for b.Loop() {
		ctr = c.keystream(ks, ctr)
	}
}
