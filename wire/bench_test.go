package wire

import "testing"

// The steady-state data path: a DATA frame encoded into a reused buffer, decoded in place,
// and the CONTINUE that answers it. None of them may allocate.

func BenchmarkAppendData(b *testing.B) {
	payload := make([]byte, MaxData)
	buf := make([]byte, 0, HeaderSize+MaxData)
	b.SetBytes(int64(len(payload)))
	b.ReportAllocs()
	for b.Loop() {
		buf = Append(buf[:0], Data, 7, payload)
	}
}

func BenchmarkDecodeData(b *testing.B) {
	msg := Append(nil, Data, 7, make([]byte, MaxData))
	b.SetBytes(int64(len(msg)))
	b.ReportAllocs()
	for b.Loop() {
		f, err := Decode(msg)
		if err != nil || f.Type != Data {
			b.Fatal(f.Type, err)
		}
	}
}

func BenchmarkContinue(b *testing.B) {
	buf := make([]byte, 0, HeaderSize+4)
	b.ReportAllocs()
	for b.Loop() {
		buf = Append(buf[:0], Continue, 7, nil)
		buf = Credit(buf, 1<<16)
		f, _ := Decode(buf)
		if n, err := ParseCredit(f.Payload); err != nil || n != 1<<16 {
			b.Fatal(n, err)
		}
	}
}

func TestDataPathAllocatesNothing(t *testing.T) {
	payload := make([]byte, 1024)
	buf := make([]byte, 0, HeaderSize+len(payload))
	allocs := testing.AllocsPerRun(100, func() {
		buf = Append(buf[:0], Data, 3, payload)
		f, _ := Decode(buf)
		buf = Credit(Append(buf[:0], Continue, f.Stream, nil), uint32(len(f.Payload)))
		ParseCredit(buf[HeaderSize:])
	})
	if allocs != 0 {
		t.Errorf("encoding and decoding DATA and CONTINUE allocates %v times, want 0", allocs)
	}
}
