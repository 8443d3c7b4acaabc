package wsframe

import "encoding/binary"

// Mask XORs p in place with the masking key, starting at position pos of the key (the
// payload bytes before p, mod 4), and returns the position after p.
func Mask(key [4]byte, pos int, p []byte) int { return MaskCopy(p, p, key, pos) }

// MaskCopy copies src to dst (which may be src itself, but not overlap it otherwise) XORed
// with the masking key from position pos of the key, and returns the position after it.
// It works eight bytes at a time, 32 a round, where it can.
func MaskCopy(dst, src []byte, key [4]byte, pos int) int {
	dst = dst[:len(src)]
	i := 0
	for ; i < len(src) && (pos+i)&3 != 0; i++ {
		dst[i] = src[i] ^ key[(pos+i)&3]
	}
	if len(src)-i >= 8 {
		k32 := uint64(binary.LittleEndian.Uint32(key[:]))
		k := k32 | k32<<32
		for ; len(src)-i >= 32; i += 32 {
			s, d := src[i:i+32], dst[i:i+32]
			binary.LittleEndian.PutUint64(d, binary.LittleEndian.Uint64(s)^k)
			binary.LittleEndian.PutUint64(d[8:], binary.LittleEndian.Uint64(s[8:])^k)
			binary.LittleEndian.PutUint64(d[16:], binary.LittleEndian.Uint64(s[16:])^k)
			binary.LittleEndian.PutUint64(d[24:], binary.LittleEndian.Uint64(s[24:])^k)
		}
		for ; len(src)-i >= 8; i += 8 {
			binary.LittleEndian.PutUint64(dst[i:], binary.LittleEndian.Uint64(src[i:])^k)
		}
	}
	for ; i < len(src); i++ {
		dst[i] = src[i] ^ key[(pos+i)&3]
	}
	return (pos + len(src)) & 3
}
