package wire

import (
	"errors"
	"reflect"
	"syscall"
	"testing"
)

// message is what every payload type offers.
type message interface {
	Append([]byte) []byte
}

func TestRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		in   message
		out  interface{ Unmarshal([]byte) error }
	}{
		{"hello", HelloMsg{Version: 1, Info: "10.10.1.2"}, &HelloMsg{}},
		{"hello with faults", HelloMsg{Version: 1, Info: "10.10.1.2", Faults: "segment=1,seed=7"}, &HelloMsg{}},
		{"lost sent", LostMsg{Sent: true, Addr: "10.10.0.37:37", Data: []byte("x")}, &LostMsg{}},
		{"lost received", LostMsg{Addr: "10.10.0.37:37", Data: []byte{}}, &LostMsg{}},
		{"connect", ConnectMsg{Kind: KindDial, Window: 1 << 18, Network: "tcp", Remote: "10.10.0.37:37"}, &ConnectMsg{}},
		{"connect udp", ConnectMsg{Kind: KindUDP, Window: 7, Network: "udp6", Local: "[::]:0"}, &ConnectMsg{}},
		{"connected", ConnectedMsg{Window: 65536, Local: "10.10.1.2:40000", Remote: "10.10.0.37:37", Micros: 120}, &ConnectedMsg{}},
		{"connected listener", ConnectedMsg{Local: "[::]:8000", Host: "127.0.0.1:8000"}, &ConnectedMsg{}},
		{"accept", AcceptMsg{Stream: GatewayStream | 4, Window: 10, Local: "127.0.0.1:8000", Remote: "127.0.0.1:5555"}, &AcceptMsg{}},
		{"close", CloseMsg{Code: CodeRefused, Reason: "nothing is listening"}, &CloseMsg{}},
		{"datagram", DatagramMsg{Addr: "10.10.0.7:7", Data: []byte("hi\x00")}, &DatagramMsg{}},
		{"lookup", LookupMsg{Network: "ip4", Host: "time.lab"}, &LookupMsg{}},
		{"answer", AnswerMsg{Addrs: []string{"10.10.0.37", "::1"}}, &AnswerMsg{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			frame := Append(nil, Connect, 9, tt.in.Append(nil))
			f, err := Decode(frame)
			if err != nil {
				t.Fatal(err)
			}
			if f.Stream != 9 || f.Type != Connect {
				t.Fatalf("header = %v/%d, want CONNECT/9", f.Type, f.Stream)
			}
			if err := tt.out.Unmarshal(f.Payload); err != nil {
				t.Fatal(err)
			}
			got := reflect.ValueOf(tt.out).Elem().Interface()
			if !reflect.DeepEqual(got, tt.in) {
				t.Errorf("round trip = %#v, want %#v", got, tt.in)
			}
		})
	}
}

func TestDecodeRejects(t *testing.T) {
	tests := []struct {
		name string
		msg  []byte
	}{
		{"empty", nil},
		{"short header", []byte{1, 0, 0}},
		{"unknown type", []byte{0x7f, 0, 0, 0, 1}},
		{"type zero", []byte{0, 0, 0, 0, 1}},
		{"too big", make([]byte, MaxFrame+1)},
	}
	for _, tt := range tests {
		if tt.name == "too big" {
			tt.msg[0] = byte(Data)
		}
		if _, err := Decode(tt.msg); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: Decode error = %v, want ErrMalformed", tt.name, err)
		}
	}
}

func TestUnmarshalRejectsTruncatedAndTrailing(t *testing.T) {
	full := ConnectMsg{Kind: KindDial, Window: 5, Network: "tcp", Remote: "time.lab:37"}.Append(nil)
	for n := 0; n < len(full); n++ {
		var m ConnectMsg
		if err := m.Unmarshal(full[:n]); !errors.Is(err, ErrMalformed) {
			t.Fatalf("Unmarshal of %d/%d bytes: err = %v, want ErrMalformed", n, len(full), err)
		}
	}
	var m ConnectMsg
	if err := m.Unmarshal(append(full, 0)); !errors.Is(err, ErrMalformed) {
		t.Errorf("trailing byte: err = %v, want ErrMalformed", err)
	}
	bad := ConnectMsg{Kind: 9, Network: "tcp"}.Append(nil)
	if err := m.Unmarshal(bad); !errors.Is(err, ErrMalformed) {
		t.Errorf("unknown kind: err = %v, want ErrMalformed", err)
	}
	var l LostMsg
	if err := l.Unmarshal(LostMsg{Addr: "a"}.Append(nil)[:2]); !errors.Is(err, ErrMalformed) {
		t.Errorf("short LOST: err = %v, want ErrMalformed", err)
	}
	if err := l.Unmarshal([]byte{2, 0, 0}); !errors.Is(err, ErrMalformed) {
		t.Errorf("LOST direction 2: err = %v, want ErrMalformed", err)
	}
	var h HelloMsg
	if err := h.Unmarshal(append(HelloMsg{Version: 1, Info: "x", Faults: "loss=1"}.Append(nil), 0)); !errors.Is(err, ErrMalformed) {
		t.Errorf("HELLO with a trailing byte after its faults: err = %v, want ErrMalformed", err)
	}
	if _, err := ParseCredit([]byte{1, 2, 3}); !errors.Is(err, ErrMalformed) {
		t.Errorf("short credit: err = %v, want ErrMalformed", err)
	}
}

func TestCodes(t *testing.T) {
	tests := []struct {
		code  Code
		errno syscall.Errno
	}{
		{CodeRefused, syscall.ECONNREFUSED},
		{CodeReset, syscall.ECONNRESET},
		{CodeTimeout, syscall.ETIMEDOUT},
		{CodeAddrInUse, syscall.EADDRINUSE},
		{CodeDenied, syscall.EACCES},
		{CodeClosed, 0},
	}
	if CodePolicy.Errno() != syscall.EACCES {
		t.Errorf("the policy's refusal is %v, want EACCES", CodePolicy.Errno())
	}
	for _, tt := range tests {
		if got := tt.code.Errno(); got != tt.errno {
			t.Errorf("%v.Errno() = %v, want %v", tt.code, got, tt.errno)
		}
		if tt.errno != 0 {
			if got := CodeOf(tt.errno); got != tt.code {
				t.Errorf("CodeOf(%v) = %v, want %v", tt.errno, got, tt.code)
			}
		}
	}
}

// FuzzDecode feeds arbitrary messages to every decoder: none may panic, and whatever decodes
// must encode back to the same bytes.
func FuzzDecode(f *testing.F) {
	f.Add(Append(nil, Connect, 1, ConnectMsg{Kind: KindDial, Window: 1, Network: "tcp", Remote: "time.lab:37"}.Append(nil)))
	f.Add(Append(nil, Close, 3, CloseMsg{Code: CodeRefused, Reason: "no"}.Append(nil)))
	f.Add(Append(nil, Answer, 5, AnswerMsg{Addrs: []string{"10.10.0.37"}}.Append(nil)))
	f.Add(Append(nil, Datagram, 7, DatagramMsg{Addr: "10.10.0.7:7", Data: []byte("x")}.Append(nil)))
	f.Add([]byte{1, 0, 0, 0, 0, 0, 1, 0, 0})
	f.Fuzz(func(t *testing.T, msg []byte) {
		fr, err := Decode(msg)
		if err != nil {
			return
		}
		var decoders = []interface {
			Unmarshal([]byte) error
			Append([]byte) []byte
		}{&HelloMsg{}, &ConnectMsg{}, &ConnectedMsg{}, &AcceptMsg{}, &CloseMsg{}, &DatagramMsg{}, &LostMsg{}, &LookupMsg{}, &AnswerMsg{}}
		for _, d := range decoders {
			if d.Unmarshal(fr.Payload) == nil {
				if got := d.Append(nil); string(got) != string(fr.Payload) {
					t.Errorf("%T: re-encoding %x gave %x", d, fr.Payload, got)
				}
			}
		}
		ParseCredit(fr.Payload)
	})
}
