package socketlab

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestThirdPartyInStep: every module learners may import is required by go.mod at the same
// version, and go.sum has its checksums, so learner builds find it in the module cache.
func TestThirdPartyInStep(t *testing.T) {
	b, err := os.ReadFile("go.mod")
	if err != nil {
		t.Fatal(err)
	}
	have := map[string]string{}
	for _, m := range regexp.MustCompile(`(?m)^(?:require\s+|\t)(\S+)\s+(v\S+)`).FindAllStringSubmatch(string(b), -1) {
		have[m[1]] = m[2]
	}
	sum := string(ThirdPartySum())
	for mod, v := range ThirdParty {
		if have[mod] != v {
			t.Errorf("go.mod requires %s %q, ThirdParty says %s", mod, have[mod], v)
		}
		if !strings.Contains(sum, mod+" "+v+" ") || !strings.Contains(sum, mod+" "+v+"/go.mod ") {
			t.Errorf("go.sum lacks the checksums of %s %s", mod, v)
		}
	}
}
