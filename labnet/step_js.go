package labnet

import (
	"encoding/json"
	"sync"

	"socketlab/event"
)

// setUpStepMode turns step mode on when the page offers socketlab.pause: before each socket
// operation the runtime hands the page what is about to happen and waits until the learner
// presses Step or Continue; after a read it tells socketlab.stepped what the read returned.
// socketlab.stepping says whether the learner is stepping now.
func setUpStepMode(cfg jsObject) {
	if !cfg.hasFunc("pause") {
		return
	}
	stepping = func() bool { return cfg.truthy("stepping") }
	stepper = func(e event.Event) {
		b, err := json.Marshal(e)
		if err != nil {
			return
		}
		// The page calls resume when the learner lets the program go on.
		done := make(chan struct{})
		var once sync.Once
		resume := newJSCallback(func() { once.Do(func() { close(done) }) })
		defer resume.release()
		if _, err := cfg.call("pause", string(b), resume); err != nil {
			return // a page that cannot pause lets the program run
		}
		<-done
	}
	// socketlab.stepped, when the page has it, hears what a read it paused before returned.
	if cfg.hasFunc("stepped") {
		stepped = func(e event.Event) {
			if b, err := json.Marshal(e); err == nil {
				cfg.call("stepped", string(b))
			}
		}
	}
}
