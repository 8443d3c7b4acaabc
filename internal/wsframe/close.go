package wsframe

import (
	"encoding/binary"
	"strconv"
	"unicode/utf8"
)

// Close codes (RFC 6455 §7.4.1). 1005, 1006 and 1015 are never sent: they stand for what
// happened when no code came.
const (
	CloseNormal             = 1000
	CloseGoingAway          = 1001
	CloseProtocolError      = 1002
	CloseUnsupportedData    = 1003
	CloseNoStatus           = 1005
	CloseAbnormal           = 1006
	CloseInvalidPayload     = 1007
	ClosePolicyViolation    = 1008
	CloseTooBig             = 1009
	CloseMandatoryExtension = 1010
	CloseInternalError      = 1011
	CloseServiceRestart     = 1012
	CloseTryAgainLater      = 1013
	CloseTLSHandshake       = 1015
)

var closeNames = map[int]string{
	CloseNormal:             "normal closure",
	CloseGoingAway:          "going away",
	CloseProtocolError:      "protocol error",
	CloseUnsupportedData:    "unsupported data",
	CloseNoStatus:           "no status received",
	CloseAbnormal:           "abnormal closure",
	CloseInvalidPayload:     "invalid frame payload data",
	ClosePolicyViolation:    "policy violation",
	CloseTooBig:             "message too big",
	CloseMandatoryExtension: "mandatory extension",
	CloseInternalError:      "internal error",
	CloseServiceRestart:     "service restart",
	CloseTryAgainLater:      "try again later",
	CloseTLSHandshake:       "TLS handshake",
}

// CloseName names a close code: "protocol error" for 1002; codes 3000-4999 are named by the
// application ("application code 4003"), others "close code N".
func CloseName(code int) string {
	if s, ok := closeNames[code]; ok {
		return s
	}
	if code >= 3000 && code <= 4999 {
		return "application code " + strconv.Itoa(code)
	}
	return "close code " + strconv.Itoa(code)
}

// CloseCodeValid reports whether an endpoint may send code in a close frame: the ones
// RFC 6455 defines for the wire, the IANA-registered 1012-1014, and 3000-4999.
func CloseCodeValid(code int) bool {
	switch {
	case code >= 1000 && code <= 1003, code >= 1007 && code <= 1014:
		return true
	case code >= 3000 && code <= 4999:
		return true
	}
	return false
}

// ParseClose reads a close frame's payload: the code (CloseNoStatus when there is none) and
// the reason, which aliases p. A payload of one byte, a code no endpoint may send, or a reason
// that is not UTF-8 is an Error whose code is the answer RFC 6455 §7.4 asks for.
func ParseClose(p []byte) (code int, reason []byte, err *Error) {
	switch {
	case len(p) == 0:
		return CloseNoStatus, nil, nil
	case len(p) == 1:
		return 0, nil, &Error{CloseProtocolError, "a close frame's payload of one byte has no room for a status code"}
	}
	code, reason = int(binary.BigEndian.Uint16(p)), p[2:]
	if !CloseCodeValid(code) {
		return code, reason, &Error{CloseProtocolError, "close code " + strconv.Itoa(code) + " is not one an endpoint may send"}
	}
	if !utf8.Valid(reason) {
		return code, reason, &Error{CloseInvalidPayload, "a close frame's reason is not UTF-8"}
	}
	return code, reason, nil
}

// AppendClose appends a close frame's payload: code, then reason, cut at a character
// boundary to what a control frame holds. Code 0 makes an empty payload.
func AppendClose(dst []byte, code int, reason string) []byte {
	if code == 0 {
		return dst
	}
	if len(reason) > MaxControl-2 {
		reason = reason[:MaxControl-2]
		for !utf8.ValidString(reason) {
			reason = reason[:len(reason)-1]
		}
	}
	return append(binary.BigEndian.AppendUint16(dst, uint16(code)), reason...)
}
