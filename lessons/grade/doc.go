// Package grade judges a run of a lesson's program against an exercise's
// checks.
//
// ParseCheck reads one check line (Check documents the language);
// Check.Eval and Evaluate judge an Outcome: what a run printed, how it
// ended and its socket events. Handler serves the same judgement over HTTP,
// so that the lesson page, which knows a run but not the checks' meaning,
// asks the gateway rather than keeping a second evaluator of its own.
//
// The cases in testdata/check_cases.json pin the language down: every
// parse error and every verdict's wording.
package grade
