package lab

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
	"time"
)

var lineSeeds = []string{
	"", "\n", "\r\n", "hello\n", "bye\r\n", "BYE", "how are you?\n", "a\rb\n", "\x00\xff\xfe\n",
	"héllo\n", strings.Repeat("x", 70) + "\n", "one\ntwo\nthree", "  bye  \n", "?\n", "\r",
	"Goodbye!!\n", "\xe2\x9c", "tab\tbye\n",
}

// runes counts characters the slow way, as a check on CountReply.
func runes(s string) int {
	k := 0
	for range s {
		k++
	}
	return k
}

// FuzzLines splits arbitrary bytes into lines as chat and count do and checks the answers:
// lines are consecutive pieces of the input, each answer is one line, the same every time,
// and nothing panics.
func FuzzLines(f *testing.F) {
	for _, s := range lineSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		const maxLine = 64
		r := newLineReader(bytes.NewReader(data), maxLine)
		used := 0
		for {
			line, err := readLine(r, maxLine)
			if err != nil {
				if !errors.Is(err, io.EOF) && !errors.Is(err, errLineTooLong) {
					t.Fatalf("readLine: unexpected error %v", err)
				}
				break
			}
			if strings.Contains(line, "\n") || len(line) >= maxLine {
				t.Fatalf("readLine returned %q: holds a newline or is too long", line)
			}
			if !bytes.HasPrefix(data[used:], []byte(line)) {
				t.Fatalf("line %q is not the next part of the input %q", line, data[used:])
			}
			used += len(line)
			if bytes.HasPrefix(data[used:], []byte("\r\n")) {
				used += 2
			} else if bytes.HasPrefix(data[used:], []byte("\n")) {
				used++
			}

			reply, bye := ChatReply(line)
			if reply == "" || strings.Contains(reply, "\n") {
				t.Fatalf("ChatReply(%q) = %q: want one non-empty line", line, reply)
			}
			if again, bye2 := ChatReply(line); again != reply || bye2 != bye {
				t.Fatalf("ChatReply(%q) is not deterministic", line)
			}
			lower := strings.ToLower(line)
			if bye && !strings.Contains(lower, "bye") && !strings.Contains(lower, "quit") && !strings.Contains(lower, "exit") {
				t.Fatalf("ChatReply(%q) ended the chat", line)
			}
			var k int
			if _, err := fmt.Sscanf(CountReply(line), "You entered %d characters.\r\n", &k); err != nil || k != runes(line) {
				t.Fatalf("CountReply(%q) = %q; want %d characters", line, CountReply(line), runes(line))
			}
		}
		if used > len(data) {
			t.Fatalf("lines cover %d bytes of a %d-byte input", used, len(data))
		}
	})
}

// FuzzCountConn sends arbitrary bytes to a real count.lab and checks the whole conversation.
func FuzzCountConn(f *testing.F) {
	for _, s := range lineSeeds {
		f.Add([]byte(s))
	}
	const maxLine = 64
	n, err := Start(&Options{MaxLine: maxLine, IdleTimeout: 5 * time.Second})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { n.Close() })
	listen, _, _ := n.Resolve("tcp", "count.lab", 51423)

	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := net.Dial("tcp", listen)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(5 * time.Second))
		if _, err := c.Write(data); err != nil {
			t.Fatal(err)
		}
		c.(*net.TCPConn).CloseWrite()
		got, err := io.ReadAll(c)
		if err != nil {
			t.Fatalf("read: %v (so far %q)", err, got)
		}

		// What the server should have made of the first line, worked out directly.
		want := "Welcome, " + c.LocalAddr().String() + "\r\nPlease enter a string:\r\n"
		first, _, hasNewline := bytes.Cut(data, []byte("\n"))
		size := len(first) + 1 // a last line without newline still needs room for one
		switch {
		case len(data) == 0:
		case size > maxLine:
			want += fmt.Sprintf("That line is longer than %d bytes. Closing the connection.\r\n", maxLine)
		default:
			if hasNewline {
				first = bytes.TrimSuffix(first, []byte("\r"))
			}
			want += fmt.Sprintf("You entered %d characters.\r\n", runes(string(first)))
		}
		if string(got) != want {
			t.Fatalf("sent %q\ngot  %q\nwant %q", data, got, want)
		}
	})
}
