package lessons

import (
	"reflect"
	"regexp"
	"testing"
)

// TestRendererWordsInChinese: every word the renderer writes around cells and exercises has
// its Chinese: a Chinese entry for each English one that says something in words.
func TestRendererWordsInChinese(t *testing.T) {
	inWords := regexp.MustCompile(`[A-Za-z]{2,}`)
	en, zh := reflect.ValueOf(englishWords).Elem(), reflect.ValueOf(chineseWords).Elem()
	checked := 0
	for i := range en.NumField() {
		if en.Field(i).Kind() != reflect.String {
			continue
		}
		name, e, z := en.Type().Field(i).Name, en.Field(i).String(), zh.Field(i).String()
		// What the words say, without their markup and the values put into them.
		bare := regexp.MustCompile(`<[^>]*>|%[sd]|segment=1|loss=0\.3|Go|Python`).ReplaceAllString(e, "")
		if !inWords.MatchString(bare) {
			continue
		}
		checked++
		if !hasHan(z) {
			t.Errorf("lessons/words.go: chineseWords.%s = %q is not Chinese (English %q)", name, z, e)
		}
	}
	if checked < 20 {
		t.Errorf("only %d of the renderer's words checked", checked)
	}
}
