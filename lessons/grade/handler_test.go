package grade

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"socketlab/event"
)

func TestHandler(t *testing.T) {
	checks := []Check{}
	for _, line := range []string{`output contains "hello"`, "exit 0", "received 4 bytes from time.lab:37"} {
		c, err := ParseCheck(line)
		if err != nil {
			t.Fatal(err)
		}
		checks = append(checks, c)
	}
	find := func(lesson, exercise string) ([]Check, bool) {
		if lesson == "01-time" && exercise == "four" {
			return checks, true
		}
		return nil, false
	}
	ts := httptest.NewServer(Handler(find))
	t.Cleanup(ts.Close)

	post := func(t *testing.T, ctype, body string) (*http.Response, map[string]any) {
		t.Helper()
		resp, err := http.Post(ts.URL, ctype, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
			t.Errorf("Content-Type %q, want application/json", ct)
		}
		var out map[string]any
		if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
			t.Fatalf("the answer is not JSON: %v", err)
		}
		return resp, out
	}

	t.Run("verdicts", func(t *testing.T) {
		run := `{"lesson":"01-time","exercise":"four","output":"hello\n","exit":1,"state":"done",
			"events":[{"t":0,"stream":3,"kind":"dial","addr":"time.lab:37"},{"t":1,"stream":3,"kind":"recv","n":4,"data":"AAAAAA=="}]}`
		resp, out := post(t, "application/json; charset=utf-8", run)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("status %d: %v", resp.StatusCode, out)
		}
		got, _ := json.Marshal(out["results"])
		want := `[{"detail":"","ok":true},{"detail":"the program exited with status 1","ok":false},{"detail":"","ok":true}]`
		if string(got) != want {
			t.Errorf("results %s, want %s", got, want)
		}
	})

	for _, tc := range []struct {
		name, method, ctype, body string
		status                    int
	}{
		{"unknown exercise", "POST", "application/json", `{"lesson":"01-time","exercise":"five"}`, http.StatusNotFound},
		{"unknown lesson", "POST", "application/json", `{"lesson":"99-none","exercise":"four"}`, http.StatusNotFound},
		{"not JSON", "POST", "text/plain", `{"lesson":"01-time","exercise":"four"}`, http.StatusUnsupportedMediaType},
		{"no content type", "POST", "", `{"lesson":"01-time","exercise":"four"}`, http.StatusUnsupportedMediaType},
		{"bad JSON", "POST", "application/json", `{"lesson":`, http.StatusBadRequest},
		{"too large", "POST", "application/json", `{"lesson":"01-time","exercise":"four","output":"` + strings.Repeat("x", MaxRequest) + `"}`, http.StatusRequestEntityTooLarge},
		{"GET", "GET", "", "", http.StatusMethodNotAllowed},
		// Three bytes of JSON an event: far under MaxRequest, far over what the page keeps.
		{"too many events", "POST", "application/json", `{"lesson":"01-time","exercise":"four","events":[` + strings.Repeat("{},", 4*MaxEvents) + `{}]}`, http.StatusRequestEntityTooLarge},
		{"events not a list", "POST", "application/json", `{"lesson":"01-time","exercise":"four","events":{}}`, http.StatusBadRequest},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, err := http.NewRequest(tc.method, ts.URL, strings.NewReader(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			if tc.ctype != "" {
				req.Header.Set("Content-Type", tc.ctype)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var out struct{ Error string }
			if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
				t.Fatalf("the error is not JSON: %v", err)
			}
			if resp.StatusCode != tc.status || out.Error == "" {
				t.Errorf("status %d, error %q; want %d and a message", resp.StatusCode, out.Error, tc.status)
			}
		})
	}
}

// A run's N is a claim: counts of bytes neither wrap around nor go below what the events carry.
func TestClaimedByteCounts(t *testing.T) {
	c, err := ParseCheck("received at least 4 bytes from time.lab:37")
	if err != nil {
		t.Fatal(err)
	}
	huge := int(^uint(0) >> 1)
	for _, events := range [][]event.Event{
		{{Stream: 3, Kind: "recv", Addr: "time.lab:37", N: huge}, {Stream: 3, Kind: "recv", Addr: "time.lab:37", N: huge}},
		{{Stream: 3, Kind: "recv", Addr: "time.lab:37", N: -5, Data: []byte("abcd")}},
	} {
		o := &Outcome{Events: append([]event.Event{{Stream: 3, Kind: "dial", Addr: "time.lab:37"}}, events...)}
		if r := c.Eval(o); !r.OK {
			t.Errorf("%+v: %s", events, r.Detail)
		}
	}
}
