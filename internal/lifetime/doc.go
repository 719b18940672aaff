// Package lifetime keeps the processes that tests, the demo and the benchmarks start
// from outliving them: a child runs in its own process group and gets SIGKILL from the
// kernel when its parent dies, even by SIGKILL (StartChild); a command can ask for a
// signal when its own parent exits (SignalOnParentExit). Linux only.
//
// It owns the one thread those calls are made from; it knows nothing of what the
// processes are, and never signals, waits for or reaps them.
package lifetime
