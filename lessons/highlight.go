package lessons

import (
	"go/scanner"
	"go/token"
	"html"
	"strings"
)

// highlightGo writes src as HTML with Go tokens wrapped in spans:
// hl-kw (keywords), hl-str (strings and runes), hl-num (numbers),
// hl-com (comments) and hl-pre (predeclared names such as int, nil, len).
//
// It uses the standard library's own Go scanner rather than a general
// highlighting library: lessons only show Go and plain text, the scanner
// tokenizes exactly as the compiler does (raw strings, runes, nested
// comment markers), and it keeps go.mod free of a large dependency.
// Fragments that are not whole files scan just as well; anything the
// scanner does not recognise is written as plain text.
func highlightGo(b *strings.Builder, src string) {
	src = strings.ReplaceAll(src, "\r", "") // the scanner drops CRs from some tokens
	fset := token.NewFileSet()
	file := fset.AddFile("", fset.Base(), len(src))
	var s scanner.Scanner
	s.Init(file, []byte(src), func(token.Position, string) {}, scanner.ScanComments)
	done := 0 // bytes of src written so far
	for {
		pos, tok, lit := s.Scan()
		if tok == token.EOF {
			break
		}
		if tok == token.SEMICOLON && lit != ";" {
			continue // inserted by the scanner at a line end, not in the text
		}
		start := file.Offset(pos)
		text := lit
		if text == "" {
			text = tok.String()
		}
		end := start + len(text)
		if start < done || end > len(src) || src[start:end] != text {
			continue // cannot place the token exactly; leave it as plain text
		}
		class := tokenClass(tok, lit)
		if class == "" {
			continue
		}
		b.WriteString(html.EscapeString(src[done:start]))
		b.WriteString(`<span class="`)
		b.WriteString(class)
		b.WriteString(`">`)
		b.WriteString(html.EscapeString(text))
		b.WriteString(`</span>`)
		done = end
	}
	b.WriteString(html.EscapeString(src[done:]))
}

func tokenClass(tok token.Token, lit string) string {
	switch {
	case tok.IsKeyword():
		return "hl-kw"
	case tok == token.COMMENT:
		return "hl-com"
	case tok == token.STRING || tok == token.CHAR:
		return "hl-str"
	case tok == token.INT || tok == token.FLOAT || tok == token.IMAG:
		return "hl-num"
	case tok == token.IDENT && predeclared[lit]:
		return "hl-pre"
	}
	return ""
}

// predeclared holds Go's predeclared types, constants and functions.
var predeclared = func() map[string]bool {
	m := map[string]bool{}
	for _, name := range strings.Fields(`
		any bool byte comparable complex64 complex128 error float32 float64
		int int8 int16 int32 int64 rune string uint uint8 uint16 uint32 uint64 uintptr
		true false iota nil
		append cap clear close complex copy delete imag len make max min new panic
		print println real recover`) {
		m[name] = true
	}
	return m
}()
