package gateway

import (
	"encoding/json"
	"errors"
	"fmt"
	"go/format"
	"go/scanner"
	"net/http"

	"socketlab/gateway/build"
)

// POST /api/format {"source": "..."} formats Go source as gofmt does (go/format: it parses,
// never compiles) and answers {"ok": true, "source": "..."}, or {"ok": false, "diagnostics":
// [{line, col, msg}], "error": "..."} when the source does not parse. The guard bounds the
// body (as /api/build's) and the rate (--api-rate), and takes a work slot for it.

// maxFormatErrors bounds the diagnostics one answer lists: the parser's first errors are the
// ones that matter, and the rest often follow from them.
const maxFormatErrors = 10

type formatRequest struct {
	Source *string `json:"source"`
}

type formatResponse struct {
	OK          bool               `json:"ok"`
	Source      string             `json:"source,omitempty"`
	Diagnostics []build.Diagnostic `json:"diagnostics,omitempty"`
	Error       string             `json:"error,omitempty"`
}

// serveFormat is the handler of /api/format; maxSource is the build service's bound on a
// program, which formatting shares.
func serveFormat(maxSource int) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			jsonError(w, http.StatusMethodNotAllowed, "POST the source as JSON: {\"source\": \"package main ...\"}")
			return
		}
		var req formatRequest
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.Source == nil {
			jsonError(w, http.StatusBadRequest, "the body must be JSON with the Go source in \"source\": {\"source\": \"package main ...\"}")
			return
		}
		if len(*req.Source) > maxSource {
			jsonError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("the source is %d bytes; the lab formats programs of at most %d bytes", len(*req.Source), maxSource))
			return
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(formatGo([]byte(*req.Source)))
	}
}

// formatGo formats src, or says where it does not parse.
func formatGo(src []byte) formatResponse {
	out, err := format.Source(src)
	if err == nil {
		return formatResponse{OK: true, Source: string(out)}
	}
	resp := formatResponse{Error: "the code does not parse, so it cannot be formatted: fix the marked errors and try again"}
	var list scanner.ErrorList
	if errors.As(err, &list) {
		for i, e := range list {
			if i == maxFormatErrors {
				break
			}
			resp.Diagnostics = append(resp.Diagnostics, build.Diagnostic{Line: e.Pos.Line, Col: e.Pos.Column, Msg: e.Msg})
		}
	} else {
		resp.Diagnostics = []build.Diagnostic{{Msg: err.Error()}}
	}
	return resp
}
