package lab

import (
	"encoding/json"
	"net/http"
)

// Handler serves GET /labs.json: every running lab service, one entry per name and
// protocol, in the order of Services:
//
//	[{"name":"time.lab","proto":"udp","port":37,"addr":"10.10.0.37","listen":"127.0.0.1:17037","about":"..."}, ...]
//
// "listen" is the real address on the gateway host, for tools such as nc or curl run there.
// Other paths answer 404; the gateway mounts the handler where it likes.
func (n *Network) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /labs.json", func(w http.ResponseWriter, r *http.Request) {
		b, err := json.MarshalIndent(n.Services(), "", "  ")
		if err != nil {
			http.Error(w, "lab: listing the services: "+err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		w.Write(append(b, '\n'))
	})
	return mux
}
