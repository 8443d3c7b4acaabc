package labnet

// This file is the runtime's only door to JavaScript: every syscall/js call of the package is
// here, behind a few typed wrappers. Property reads check the type they expect instead of
// panicking, calls turn a JavaScript exception into an error, byte arrays are checked to be
// Uint8Arrays once so that copies cannot fail, and callbacks say when they are released.
//
// It is a file of package labnet rather than a package of its own: the build service lays
// the runtime's embedded sources out beside every learner program, so a wrapper package would
// be one more directory to embed and lay out, and one more import path a learner could reach.

import (
	"fmt"
	"syscall/js"
)

// jsObject is a JavaScript object the runtime talks to: the worker's globalThis.socketlab and
// the socket it opens.
type jsObject struct{ v js.Value }

// jsGlobal returns globalThis[name] and whether it is an object.
func jsGlobal(name string) (jsObject, bool) {
	v := js.Global().Get(name)
	return jsObject{v}, v.Type() == js.TypeObject
}

// hasFunc reports whether o[prop] is a function.
func (o jsObject) hasFunc(prop string) bool {
	return o.v.Get(prop).Type() == js.TypeFunction
}

// str returns o[prop] if it is a string.
func (o jsObject) str(prop string) (string, bool) {
	p := o.v.Get(prop)
	if p.Type() != js.TypeString {
		return "", false
	}
	return p.String(), true
}

// truthy reports whether o[prop] is truthy in JavaScript's sense.
func (o jsObject) truthy(prop string) bool {
	return o.v.Get(prop).Truthy()
}

// int returns o[prop] if it is a number.
func (o jsObject) int(prop string) (int, bool) {
	p := o.v.Get(prop)
	if p.Type() != js.TypeNumber {
		return 0, false
	}
	return p.Int(), true
}

// bytes returns o[prop] if it is a Uint8Array.
func (o jsObject) bytes(prop string) (jsBytes, bool) {
	p := o.v.Get(prop)
	if !p.InstanceOf(js.Global().Get("Uint8Array")) {
		return jsBytes{}, false
	}
	return jsBytes{p}, true
}

// call calls o[method](args...) and returns what it returned. An argument may be a string, a
// number or a jsCallback. A JavaScript exception, or a method that is not a function, is an
// error.
func (o jsObject) call(method string, args ...any) (jsObject, error) {
	for i, a := range args {
		if cb, ok := a.(jsCallback); ok {
			args[i] = cb.f
		}
	}
	v, err := jsCall(o.v, method, args...)
	return jsObject{v}, err
}

// callInt calls o[method]() and returns the number it returned.
func (o jsObject) callInt(method string) (int, error) {
	v, err := jsCall(o.v, method)
	if err != nil {
		return 0, err
	}
	if v.Type() != js.TypeNumber {
		return 0, fmt.Errorf("%s() returned a %s, not a number", method, v.Type())
	}
	return v.Int(), nil
}

// jsCall calls v[method](args...), turning what syscall/js panics with into an error.
func jsCall(v js.Value, method string, args ...any) (res js.Value, err error) {
	defer func() {
		if r := recover(); r != nil {
			if e, ok := r.(error); ok {
				err = e
			} else {
				err = fmt.Errorf("%s: %v", method, r)
			}
		}
	}()
	return v.Call(method, args...), nil
}

// jsBytes is a Uint8Array (checked when it was made, so copies cannot fail).
type jsBytes struct{ v js.Value }

// len is the array's length in bytes.
func (b jsBytes) len() int { return b.v.Length() }

// from returns the array from off on, sharing its memory (subarray).
func (b jsBytes) from(off int) (jsBytes, error) {
	v, err := jsCall(b.v, "subarray", off)
	if err != nil {
		return jsBytes{}, err
	}
	return jsBytes{v}, nil
}

// copyTo copies the array's first bytes into dst and returns how many it copied.
func (b jsBytes) copyTo(dst []byte) int { return js.CopyBytesToGo(dst, b.v) }

// copyFrom copies src to the array's start and returns how many bytes it copied.
func (b jsBytes) copyFrom(src []byte) int { return js.CopyBytesToJS(b.v, src) }

// jsCallback is a Go function JavaScript may call, with no arguments and no result. It must
// be released once JavaScript can no longer call it; a call after that ends the program.
type jsCallback struct{ f js.Func }

func newJSCallback(fn func()) jsCallback {
	return jsCallback{js.FuncOf(func(js.Value, []js.Value) any {
		fn()
		return nil
	})}
}

// release frees the callback.
func (c jsCallback) release() { c.f.Release() }
