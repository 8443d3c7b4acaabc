// Package runner runs learner programs natively, as `socketlab run` does: built for this
// machine with the lab's overlay, their sockets going through a gateway's relay to the lab
// network. The command, the lesson tests and the classroom benchmark share it.
//
// The entry points:
//
//   - [NativeBuilder] makes a [Builder]; [Builder.Build] compiles a program's source and
//     returns the path of the executable, or the compiler's diagnostics.
//   - [ServeLocal] starts a gateway on a free loopback port, for as long as a run needs one;
//     [RelayURL] turns what a user gives as a gateway into its relay's ws:// URL.
//   - [Run] runs a program in the foreground with the caller's standard input and output,
//     passing interrupts on, and returns its exit status (the command).
//   - [Start] runs a program in the background with its socket events on a pipe, and a
//     [Proc] waits for what it prints or does: listens, ends, finishes with its clients
//     (the lesson tests and the benchmark).
//
// Caveats: programs run on this machine with the user's rights; only their sockets are the
// lab's. A program run by Start gets GOMAXPROCS=1, as in the browser.
package runner
