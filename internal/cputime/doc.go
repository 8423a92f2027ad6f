// Package cputime reads the CPU clocks the benchmarks report beside wall
// time: on a machine shared with other work, a benchmark's ns/op counts the
// time its threads wait for a core, and its CPU time does not.
//
// Process is the user and system time of the whole process (Unix; 0
// elsewhere). Thread is the CPU time of the calling thread (Linux; 0
// elsewhere). A Clock reports either per benchmark op as cpu-ns/op.
package cputime
