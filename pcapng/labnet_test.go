package pcapng

import (
	"reflect"
	"testing"

	"socketlab/labnet"
)

// TestSameEventAsRuntime keeps Event convertible from the runtime's labnet.Event: the same
// fields in the same order, with the same types and JSON names.
func TestSameEventAsRuntime(t *testing.T) {
	ours, theirs := reflect.TypeFor[Event](), reflect.TypeFor[labnet.Event]()
	if !theirs.ConvertibleTo(ours) {
		for i := range max(ours.NumField(), theirs.NumField()) {
			var a, b reflect.StructField
			if i < ours.NumField() {
				a = ours.Field(i)
			}
			if i < theirs.NumField() {
				b = theirs.Field(i)
			}
			if a.Name != b.Name || a.Type != b.Type {
				t.Fatalf("field %d: pcapng.Event has %s %v, labnet.Event has %s %v: keep the two alike so that the runtime can convert", i, a.Name, a.Type, b.Name, b.Type)
			}
		}
		t.Fatal("labnet.Event does not convert to pcapng.Event")
	}
	for i := range ours.NumField() {
		if a, b := ours.Field(i).Tag.Get("json"), theirs.Field(i).Tag.Get("json"); a != b {
			t.Errorf("field %s: JSON name %q here, %q in labnet", ours.Field(i).Name, a, b)
		}
	}
}
