package grade

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"reflect"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/check_cases.json's parsed checks")

const checkCasesFile = "testdata/check_cases.json"

// checkCases is testdata/check_cases.json: the check language's cases.
// Parse cases hold a line and the error it gives, if any; each eval case
// holds a run and checks with their parsed form and their verdict.
type checkCases struct {
	Parse []struct {
		Text  string `json:"text"`
		Error string `json:"error,omitempty"`
	} `json:"parse"`
	Eval []struct {
		Name   string  `json:"name"`
		Run    Outcome `json:"run"`
		Checks []struct {
			Text   string `json:"text"`
			Check  *Check `json:"check,omitempty"`
			OK     bool   `json:"ok"`
			Detail string `json:"detail"`
		} `json:"checks"`
	} `json:"eval"`
}

// TestCheckCases runs the cases. With -update it first writes each eval
// case's parsed check into the file.
func TestCheckCases(t *testing.T) {
	data, err := os.ReadFile(checkCasesFile)
	if err != nil {
		t.Fatal(err)
	}
	var cases checkCases
	if err := json.Unmarshal(data, &cases); err != nil {
		t.Fatal(err)
	}
	for _, pc := range cases.Parse {
		c, err := ParseCheck(pc.Text)
		switch {
		case pc.Error == "" && err != nil:
			t.Errorf("ParseCheck(%q): %v", pc.Text, err)
		case pc.Error != "" && err == nil:
			t.Errorf("ParseCheck(%q) = %+v, want an error containing %q", pc.Text, c, pc.Error)
		case pc.Error != "" && !strings.Contains(err.Error(), pc.Error):
			t.Errorf("ParseCheck(%q) error %q, want one containing %q", pc.Text, err, pc.Error)
		}
	}
	changed := false
	for i := range cases.Eval {
		ec := &cases.Eval[i]
		for j := range ec.Checks {
			cc := &ec.Checks[j]
			c, err := ParseCheck(cc.Text)
			if err != nil {
				t.Errorf("%s: ParseCheck(%q): %v", ec.Name, cc.Text, err)
				continue
			}
			if *update && !reflect.DeepEqual(cc.Check, &c) {
				cc.Check, changed = &c, true
			}
			if cc.Check == nil || !reflect.DeepEqual(*cc.Check, c) {
				t.Errorf("%s: %q parses to %+v, but the case file holds %+v (go test -update rewrites it)", ec.Name, cc.Text, c, cc.Check)
			}
			r := c.Eval(&ec.Run)
			if r.OK != cc.OK || r.Detail != cc.Detail {
				t.Errorf("%s: %q = {%v %q}, want {%v %q}", ec.Name, cc.Text, r.OK, r.Detail, cc.OK, cc.Detail)
			}
		}
	}
	if changed {
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", " ")
		if err := enc.Encode(cases); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(checkCasesFile, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote the parsed checks into %s", checkCasesFile)
	}
}

func FuzzParseCheck(f *testing.F) {
	for _, s := range []string{"exit 1", `output contains "a\"b"`, "received at least 4 bytes from time.lab:37",
		"fin-sent before first recv on stream to echo.lab:7", "concurrent 3", `sent "x" to a:1`, `output matches "^a$"`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ParseCheck(s)
		if err != nil {
			return
		}
		if c.Op == "" {
			t.Fatalf("%q parsed without an op", s)
		}
		// A parsed check evaluates without panicking on an empty run.
		c.Eval(&Outcome{})
		if _, err := json.Marshal(c); err != nil {
			t.Fatal(err)
		}
	})
}

func TestEvalUnknownOp(t *testing.T) {
	got := Check{Op: "teleport"}.Eval(&Outcome{Output: "", Exit: new(int)})
	if want := (Result{Detail: `unknown check "teleport"`}); got != want {
		t.Errorf("got %+v, want %+v", got, want)
	}
}

// TestEvalExitState: a run that failed in the page (it crashed or could not
// start) says so instead of "stopped".
func TestEvalExitState(t *testing.T) {
	c := Check{Op: "exit"}
	for _, tc := range []struct {
		state, want string
	}{
		{"error", "the program failed before it could exit: the console says why"},
		{"stopped", "the program did not exit: it was stopped"},
		{"", "the program did not exit: it was stopped"},
	} {
		if got := c.Eval(&Outcome{State: tc.state}); got.OK || got.Detail != tc.want {
			t.Errorf("state %q: got %+v, want %q", tc.state, got, tc.want)
		}
	}
}

// TestCheckCasesCoverEveryOp: every kind of check has a passing and a
// failing case.
func TestCheckCasesCoverEveryOp(t *testing.T) {
	data, err := os.ReadFile(checkCasesFile)
	if err != nil {
		t.Fatal(err)
	}
	var cases checkCases
	if err := json.Unmarshal(data, &cases); err != nil {
		t.Fatal(err)
	}
	seen := map[string]map[bool]bool{}
	n := 0
	for _, ec := range cases.Eval {
		for _, cc := range ec.Checks {
			c, err := ParseCheck(cc.Text)
			if err != nil {
				continue // TestCheckCases reports it
			}
			if seen[c.Op] == nil {
				seen[c.Op] = map[bool]bool{}
			}
			seen[c.Op][cc.OK] = true
			n++
		}
	}
	if n <= 40 {
		t.Errorf("only %d eval cases", n)
	}
	for _, op := range []string{"output-contains", "output-lacks", "output-matches", "exit", "count", "data", "order",
		"accepted", "concurrent", "listened", "connected", "refused"} {
		if !seen[op][true] || !seen[op][false] {
			t.Errorf("%s: passing case %v, failing case %v", op, seen[op][true], seen[op][false])
		}
	}
}
