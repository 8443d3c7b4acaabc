// Package jsonlist decodes a JSON array of at most a given number of elements, for request
// bodies where the element count is the attacker's: `[{},{},...]` costs three bytes an element
// on the wire and a whole struct each in memory, so a body cap alone does not bound memory.
package jsonlist

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// TooLong is the error for an array with more than the allowed elements.
type TooLong struct{ Max int }

func (e *TooLong) Error() string {
	return fmt.Sprintf("more than %d elements", e.Max)
}

// Decode decodes data, a JSON array or null, into at most limit elements of T. It stops at
// the element past the limit, so memory never holds more than limit of them.
func Decode[T any](data []byte, limit int) ([]T, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	if tok == nil {
		return nil, nil
	}
	if d, ok := tok.(json.Delim); !ok || d != '[' {
		return nil, fmt.Errorf("expected an array, not %v", tok)
	}
	var out []T
	for dec.More() {
		if len(out) == limit {
			return nil, &TooLong{limit}
		}
		var v T
		if err := dec.Decode(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	if _, err := dec.Token(); err != nil {
		return nil, err
	}
	return out, nil
}
