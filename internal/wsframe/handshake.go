package wsframe

import (
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"errors"
	"strings"
)

// acceptGUID is the fixed string a server hashes with the client's key (RFC 6455 §1.3).
const acceptGUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

// Version is the only protocol version spoken, sent as Sec-WebSocket-Version.
const Version = "13"

// AcceptKey is the Sec-WebSocket-Accept value that proves a server read key.
func AcceptKey(key string) string {
	sum := sha1.Sum([]byte(key + acceptGUID))
	return base64.StdEncoding.EncodeToString(sum[:])
}

// NewKey is a fresh Sec-WebSocket-Key: 16 random bytes in base64.
func NewKey() string {
	var nonce [16]byte
	rand.Read(nonce[:])
	return base64.StdEncoding.EncodeToString(nonce[:])
}

// Fields are a message's header fields: http.Header is one. Values returns every value of a
// field, whatever the case of name.
type Fields interface {
	Values(name string) []string
}

// HasToken reports whether the comma-separated lists in values name token (in any case).
func HasToken(values []string, token string) bool {
	for _, v := range values {
		for t := range strings.SplitSeq(v, ",") {
			if strings.EqualFold(strings.TrimSpace(t), token) {
				return true
			}
		}
	}
	return false
}

// What CheckRequest finds wrong with a request.
var (
	ErrNotUpgrade = errors.New("the request does not ask for a WebSocket upgrade")
	ErrVersion    = errors.New("only WebSocket version 13 is spoken here")
	ErrNoKey      = errors.New("the WebSocket handshake has no Sec-WebSocket-Key")
)

// CheckRequest checks a client's opening handshake (its header fields): an upgrade to
// websocket, version 13 and a key. The caller answers ErrNotUpgrade with 426 Upgrade
// Required, the others with 400 Bad Request.
func CheckRequest(h Fields) error {
	if !HasToken(h.Values("Connection"), "upgrade") || !HasToken(h.Values("Upgrade"), "websocket") {
		return ErrNotUpgrade
	}
	if v := h.Values("Sec-WebSocket-Version"); len(v) == 0 || v[0] != Version {
		return ErrVersion
	}
	if v := h.Values("Sec-WebSocket-Key"); len(v) == 0 || v[0] == "" {
		return ErrNoKey
	}
	return nil
}

// What CheckResponse finds wrong with a server's answer.
var (
	ErrNoUpgrade = errors.New("the answer does not upgrade the connection to a WebSocket")
	ErrAccept    = errors.New("the answer's Sec-WebSocket-Accept does not match the key sent")
	ErrExtension = errors.New("the answer chose WebSocket extensions that were not offered")
)

// CheckResponse checks the header fields of a server's 101 answer to a handshake that sent
// key and offered no extension.
func CheckResponse(h Fields, key string) error {
	if !HasToken(h.Values("Upgrade"), "websocket") || !HasToken(h.Values("Connection"), "upgrade") {
		return ErrNoUpgrade
	}
	if v := h.Values("Sec-WebSocket-Accept"); len(v) != 1 || v[0] != AcceptKey(key) {
		return ErrAccept
	}
	if v := h.Values("Sec-WebSocket-Extensions"); len(v) > 0 && v[0] != "" {
		return ErrExtension
	}
	return nil
}
