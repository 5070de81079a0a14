package archive

import (
	"crypto/aes"
	"crypto/cipher"
	"encoding/binary"
)

// aesCTRLE generates the WinZip AES keystream: AES encryptions of a 16-byte
// counter block holding a little-endian counter (Go's cipher.NewCTR counts
// big-endian and does not fit). On amd64 with AES-NI, eight blocks are
// encrypted at once by ctrLE8 (aesctr_amd64.s) from round keys expanded
// here; elsewhere each block goes through crypto/aes.
type aesCTRLE struct {
	block  cipher.Block // fallback, one block at a time
	rounds int
	rk     [15 * aes.BlockSize]byte // round keys, in memory (state) order
}

func (c *aesCTRLE) init(key []byte) error {
	block, err := aes.NewCipher(key)
	if err != nil {
		return err
	}
	c.block = block
	if useCTRAsm {
		c.rounds = expandKey(key, c.rk[:])
	}
	return nil
}

// keystream fills ks (a multiple of 128 bytes) with the keystream blocks of
// counters ctr+1, ctr+2, ... and returns the last counter used.
func (c *aesCTRLE) keystream(ks []byte, ctr uint64) uint64 {
	if useCTRAsm {
		for i := 0; i < len(ks); i += 8 * aes.BlockSize {
			ctrLE8(&c.rk[0], c.rounds, &ks[i], ctr+1)
			ctr += 8
		}
		return ctr
	}
	var cb [aes.BlockSize]byte
	for i := 0; i < len(ks); i += aes.BlockSize {
		ctr++
		binary.LittleEndian.PutUint64(cb[:8], ctr)
		c.block.Encrypt(ks[i:i+aes.BlockSize], cb[:])
	}
	return ctr
}

// sbox is the AES S-box, computed at init from its definition (FIPS-197
// section 5.1.1): the multiplicative inverse in GF(2^8), then an affine map.
var sbox = func() (s [256]byte) {
	mul := func(a, b byte) (p byte) {
		for b != 0 {
			if b&1 != 0 {
				p ^= a
			}
			hi := a & 0x80
			a <<= 1
			if hi != 0 {
				a ^= 0x1b
			}
			b >>= 1
		}
		return p
	}
	rotl := func(b byte, n uint) byte { return b<<n | b>>(8-n) }
	for i := range 256 {
		// inverse: x^254
		inv, x := byte(1), byte(i)
		for e := 254; e > 0; e >>= 1 {
			if e&1 != 0 {
				inv = mul(inv, x)
			}
			x = mul(x, x)
		}
		if i == 0 {
			inv = 0
		}
		s[i] = inv ^ rotl(inv, 1) ^ rotl(inv, 2) ^ rotl(inv, 3) ^ rotl(inv, 4) ^ 0x63
	}
	return s
}()

// expandKey writes the AES round keys of key into rk (FIPS-197 section
// 5.2) and returns the number of rounds.
func expandKey(key []byte, rk []byte) int {
	nk := len(key) / 4
	rounds := nk + 6
	n := 4 * (rounds + 1)
	w := make([]uint32, n)
	for i := range nk {
		w[i] = binary.BigEndian.Uint32(key[4*i:])
	}
	sub := func(x uint32) uint32 {
		return uint32(sbox[x>>24])<<24 | uint32(sbox[x>>16&0xff])<<16 | uint32(sbox[x>>8&0xff])<<8 | uint32(sbox[x&0xff])
	}
	rcon := uint32(1)
	for i := nk; i < n; i++ {
		t := w[i-1]
		switch {
		case i%nk == 0:
			t = sub(t<<8|t>>24) ^ rcon<<24
			rcon <<= 1
			if rcon&0x100 != 0 {
				rcon ^= 0x11b
			}
		case nk > 6 && i%nk == 4:
			t = sub(t)
		}
		w[i] = w[i-nk] ^ t
	}
	for i, x := range w {
		binary.BigEndian.PutUint32(rk[4*i:], x)
	}
	return rounds
}
