package build_test

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"os"

	"socketlab"
	"socketlab/gateway/build"
)

func Example() {
	svc, err := build.New(&build.Options{
		Runtime: os.DirFS("/path/to/runtime"), // files of the module "socketlab"
		Overlay: map[string][]byte{"net/net_fake.go": []byte("package net\n// ...")},
		Prelude: []byte(socketlab.Prelude), // links the runtime into every program
	})
	if err != nil {
		log.Fatal(err)
	}

	// Compile lesson cells ahead of time, in the background.
	go svc.Warm(context.Background(), [][]byte{[]byte("package main\n\nfunc main() {}\n")})

	// Or compile one program directly.
	r, err := svc.Build(context.Background(), []byte("package main\n\nfunc main() { println(\"hi\") }\n"))
	if err != nil {
		log.Fatal(err) // the service failed: no toolchain, timeout, too big
	}
	if !r.OK {
		fmt.Print(r.Output) // main.go:LINE:COL: ... for the learner
	} else {
		path, _ := svc.WasmPath(r.Hash)
		fmt.Println(path)
	}

	// Serve POST /api/build and GET /wasm/HASH.wasm.
	mux := http.NewServeMux()
	mux.Handle("/api/build", svc.Handler())
	mux.Handle("/wasm/", svc.Handler())
	log.Fatal(http.ListenAndServe("127.0.0.1:8080", mux))
}
