package jsonlist

import (
	"errors"
	"strings"
	"testing"
)

func TestDecode(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int
		err  bool
	}{
		{`null`, 0, false},
		{`[]`, 0, false},
		{`[{"a":1},{"a":2}]`, 2, false},
		{`[{"a":1},{"a":2},{"a":3},{"a":4}]`, 0, true},
		{`{"a":1}`, 0, true},
		{`[{"a":1},`, 0, true},
	} {
		got, err := Decode[struct{ A int }]([]byte(tc.in), 3)
		if (err != nil) != tc.err || len(got) != tc.want {
			t.Errorf("Decode(%s) = %d elements, %v", tc.in, len(got), err)
		}
	}
	_, err := Decode[struct{}]([]byte("["+strings.Repeat("{},", 1000)+"{}]"), 10)
	if _, ok := errors.AsType[*TooLong](err); !ok {
		t.Errorf("1001 elements with a limit of 10: %v, want *TooLong", err)
	}
}
