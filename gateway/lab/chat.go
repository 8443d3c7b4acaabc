package lab

import (
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
)

// Chat, chat.lab port 5000 over TCP: a conversation partner for the first line-based client
// a learner writes. It greets, then answers every line with one line, and after the line
// "bye" (or "goodbye", "quit", "exit") it says goodbye and closes. Answers depend only on
// the line received, so lessons can show the exact conversation.

// ChatGreeting is the first line chat.lab sends, CRLF included.
const ChatGreeting = "Hello from chat.lab! Send me a line and I will answer. Send bye to leave.\r\n"

// chatCanned holds the fixed answers, keyed by the line in lower case with surrounding
// spaces and trailing punctuation removed.
var chatCanned = map[string]string{
	"":                  "I am listening. Say something, or bye to leave.",
	"hi":                "Hello! How are you?",
	"hello":             "Hello! How are you?",
	"hey":               "Hello! How are you?",
	"good morning":      "Good morning! How are you?",
	"how are you":       "I am fine, thank you. I am a small program on the lab network.",
	"who are you":       "I am the chat server at chat.lab, port 5000.",
	"what is your name": "I am the chat server at chat.lab, port 5000.",
	"what's your name":  "I am the chat server at chat.lab, port 5000.",
	"help":              "Say anything and I answer. Try: hello, how are you, who are you, what time is it, ping, bye.",
	"what time is it":   "I keep no clock. Ask time.lab on port 37 or daytime.lab on port 13.",
	"time":              "I keep no clock. Ask time.lab on port 37 or daytime.lab on port 13.",
	"ping":              "pong",
	"thanks":            "You are welcome.",
	"thank you":         "You are welcome.",
}

var chatBye = map[string]bool{"bye": true, "goodbye": true, "quit": true, "exit": true}

// ChatReply returns chat.lab's answer to one line (given without its line ending), without
// CRLF, and whether the conversation ends after it.
func ChatReply(line string) (reply string, bye bool) {
	said := strings.TrimSpace(line)
	key := strings.TrimRight(strings.ToLower(said), ".!? \t")
	if chatBye[key] {
		return "Goodbye! Closing the connection.", true
	}
	if r, ok := chatCanned[key]; ok {
		return r, false
	}
	if strings.HasSuffix(said, "?") {
		return "Good question. You asked: " + said, false
	}
	return "You said: " + said, false
}

func (n *Network) serveChat(c net.Conn) {
	ic := n.idleConn(c)
	if _, err := io.WriteString(ic, ChatGreeting); err != nil {
		c.Close()
		return
	}
	r := newLineReader(ic, n.maxLine)
	for {
		line, err := readLine(r, n.maxLine)
		if errors.Is(err, errLineTooLong) {
			n.note("chat.lab", c.RemoteAddr(), "a line longer than the limit; closing", "max_bytes", n.maxLine)
			fmt.Fprintf(ic, "That line is longer than %d bytes. Closing the connection.\r\n", n.maxLine)
			n.finish(c)
			return
		}
		if err != nil {
			c.Close()
			return
		}
		reply, bye := ChatReply(line)
		if _, err := io.WriteString(ic, reply+"\r\n"); err != nil {
			c.Close()
			return
		}
		if bye {
			n.finish(c)
			return
		}
	}
}
