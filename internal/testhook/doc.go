// Package testhook lets end-to-end tests stop the program at named points, to
// reproduce what a real process meets only by bad luck: a stall (a long GC pause, a
// frozen VM) between two steps. A hook travels in the context; without one, At does
// nothing.
package testhook
