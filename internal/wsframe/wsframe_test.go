package wsframe

import (
	"bytes"
	"encoding/binary"
	"net/http"
	"testing"
)

func TestMaskCopy(t *testing.T) {
	src := make([]byte, 100)
	for i := range src {
		src[i] = byte(i * 37)
	}
	key := [4]byte{0x4d, 0x3c, 0x2b, 0x1a}
	for pos := range 4 {
		for n := range len(src) {
			want := make([]byte, n)
			for i := range n {
				want[i] = src[i] ^ key[(pos+i)&3]
			}
			dst := make([]byte, n)
			if end := MaskCopy(dst, src[:n], key, pos); end != (pos+n)&3 || !bytes.Equal(dst, want) {
				t.Fatalf("MaskCopy of %d bytes from key position %d: %x, %d; want %x, %d", n, pos, dst, end, want, (pos+n)&3)
			}
			in := bytes.Clone(src[:n])
			if Mask(key, pos, in); !bytes.Equal(in, want) {
				t.Fatalf("Mask of %d bytes from key position %d: %x, want %x", n, pos, in, want)
			}
		}
	}
}

func TestHeaderRoundTrip(t *testing.T) {
	for _, h := range []Header{
		{Fin: true, Op: OpBinary},
		{Fin: true, Op: OpBinary, Length: 125},
		{Fin: false, Op: OpText, Length: 126},
		{Fin: true, Op: OpContinuation, Length: 0xffff, Masked: true, Mask: [4]byte{1, 2, 3, 4}},
		{Fin: true, Op: OpBinary, Length: 0x10000, Masked: true, Mask: [4]byte{9, 8, 7, 6}},
		{Fin: true, Op: OpPing, RSV: 0x40, Length: 1 << 40},
	} {
		b := Append(nil, h)
		if len(b) != Len(b[1]) {
			t.Errorf("%+v: %d bytes, Len says %d", h, len(b), Len(b[1]))
		}
		got, n := Parse(b)
		if n != len(b) || got != h {
			t.Errorf("Parse(Append(%+v)) = %+v, %d; want it back and %d", h, got, n, len(b))
		}
		for i := range len(b) {
			if _, n := Parse(b[:i]); n != 0 {
				t.Errorf("%+v: Parse of the first %d bytes of %d = %d, want 0", h, i, len(b), n)
			}
		}
	}
}

func TestCheck(t *testing.T) {
	tests := []struct {
		h          Header
		fromClient bool
		code       int // 0: no error
	}{
		{Header{Fin: true, Op: OpBinary, Masked: true}, true, 0},
		{Header{Fin: true, Op: OpBinary}, false, 0},
		{Header{Fin: true, Op: OpBinary}, true, CloseProtocolError},
		{Header{Fin: true, Op: OpBinary, Masked: true}, false, CloseProtocolError},
		{Header{Fin: true, Op: OpBinary, RSV: 0x10}, false, CloseProtocolError},
		{Header{Fin: true, Op: 0x3}, false, CloseProtocolError},
		{Header{Fin: true, Op: 0xB}, false, CloseProtocolError},
		{Header{Fin: false, Op: OpPing}, false, CloseProtocolError},
		{Header{Fin: true, Op: OpPong, Length: 126}, false, CloseProtocolError},
		{Header{Fin: true, Op: OpClose, Length: 125}, false, 0},
	}
	for _, tt := range tests {
		err := tt.h.Check(tt.fromClient)
		if (tt.code == 0) != (err == nil) || err != nil && err.Code != tt.code {
			t.Errorf("%+v from a client %v: %v, want code %d", tt.h, tt.fromClient, err, tt.code)
		}
	}
}

func TestSequence(t *testing.T) {
	var op byte
	steps := []struct {
		h  Header
		ok bool
	}{
		{Header{Op: OpBinary}, true},
		{Header{Op: OpContinuation}, true},
		{Header{Fin: true, Op: OpText}, false},
		{Header{Fin: true, Op: OpContinuation}, true},
		{Header{Fin: true, Op: OpContinuation}, false},
		{Header{Fin: true, Op: OpText}, true},
	}
	for i, s := range steps {
		if err := Sequence(s.h, &op); (err == nil) != s.ok {
			t.Errorf("step %d (%+v): %v, want ok %v", i, s.h, err, s.ok)
		}
	}
}

func TestClose(t *testing.T) {
	code := func(c int, reason string) []byte {
		return append(binary.BigEndian.AppendUint16(nil, uint16(c)), reason...)
	}
	tests := []struct {
		p       []byte
		code    int
		errCode int
	}{
		{nil, CloseNoStatus, 0},
		{[]byte{3}, 0, CloseProtocolError},
		{code(1000, "bye"), 1000, 0},
		{code(1005, ""), 1005, CloseProtocolError},
		{code(1006, ""), 1006, CloseProtocolError},
		{code(999, ""), 999, CloseProtocolError},
		{code(1016, ""), 1016, CloseProtocolError},
		{code(2999, ""), 2999, CloseProtocolError},
		{code(3000, ""), 3000, 0},
		{code(4999, "é"), 4999, 0},
		{code(5000, ""), 5000, CloseProtocolError},
		{code(1000, "\xce\xba\xe1\xbd"), 1000, CloseInvalidPayload},
	}
	for _, tt := range tests {
		c, _, err := ParseClose(tt.p)
		if tt.errCode == 0 && (err != nil || c != tt.code) || tt.errCode != 0 && (err == nil || err.Code != tt.errCode) {
			t.Errorf("ParseClose(%x) = %d, %v; want %d and an error with code %d", tt.p, c, err, tt.code, tt.errCode)
		}
	}
	long := string(bytes.Repeat([]byte("é"), 100))
	p := AppendClose(nil, CloseGoingAway, long)
	if len(p) > MaxControl || len(p) < MaxControl-1 {
		t.Errorf("AppendClose with a 200-byte reason: %d bytes, want at most %d", len(p), MaxControl)
	}
	if c, r, err := ParseClose(p); err != nil || c != CloseGoingAway || len(r) != len(p)-2 {
		t.Errorf("ParseClose(AppendClose(...)) = %d, %q, %v", c, r, err)
	}
	if CloseName(1002) != "protocol error" || CloseName(4003) != "application code 4003" {
		t.Errorf("CloseName: %q, %q", CloseName(1002), CloseName(4003))
	}
}

func TestHandshake(t *testing.T) {
	// RFC 6455 §1.3's example.
	if got := AcceptKey("dGhlIHNhbXBsZSBub25jZQ=="); got != "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=" {
		t.Errorf("AcceptKey = %q", got)
	}
	if k := NewKey(); len(k) != 24 || k == NewKey() {
		t.Errorf("NewKey = %q", k)
	}
	req := http.Header{}
	req.Set("Connection", "keep-alive, Upgrade")
	req.Set("Upgrade", "WebSocket")
	req.Set("Sec-WebSocket-Version", "13")
	req.Set("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==")
	if err := CheckRequest(req); err != nil {
		t.Errorf("CheckRequest: %v", err)
	}
	for _, tt := range []struct {
		field, value string
		want         error
	}{
		{"Upgrade", "h2c", ErrNotUpgrade},
		{"Connection", "close", ErrNotUpgrade},
		{"Sec-WebSocket-Version", "8", ErrVersion},
		{"Sec-WebSocket-Key", "", ErrNoKey},
	} {
		h := req.Clone()
		h.Set(tt.field, tt.value)
		if err := CheckRequest(h); err != tt.want {
			t.Errorf("CheckRequest with %s: %s: %v, want %v", tt.field, tt.value, err, tt.want)
		}
	}
	resp := http.Header{}
	resp.Set("Upgrade", "websocket")
	resp.Set("Connection", "Upgrade")
	resp.Set("Sec-WebSocket-Accept", AcceptKey("k"))
	if err := CheckResponse(resp, "k"); err != nil {
		t.Errorf("CheckResponse: %v", err)
	}
	if err := CheckResponse(resp, "other"); err != ErrAccept {
		t.Errorf("CheckResponse with another key: %v", err)
	}
	resp.Set("Sec-WebSocket-Extensions", "permessage-deflate")
	if err := CheckResponse(resp, "k"); err != ErrExtension {
		t.Errorf("CheckResponse with an extension: %v", err)
	}
}

func BenchmarkMask(b *testing.B) {
	p := make([]byte, 64<<10)
	b.SetBytes(int64(len(p)))
	for b.Loop() {
		Mask([4]byte{1, 2, 3, 4}, 1, p)
	}
}

func BenchmarkMaskCopy(b *testing.B) {
	src, dst := make([]byte, 64<<10), make([]byte, 64<<10)
	b.SetBytes(int64(len(src)))
	for b.Loop() {
		MaskCopy(dst, src, [4]byte{1, 2, 3, 4}, 0)
	}
}
