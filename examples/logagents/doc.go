// Command logagents shows a DaemonSet following its nodes: one log agent
// per node, a new agent when a node joins, none left behind when a node
// leaves.
//
// The agents are Go functions run by the inproc runtime (image
// "func://log-agent"), on the real clock; the whole story takes a second
// or two:
//
//	go run ./examples/logagents
//
// Each agent reports what it sees from inside its pod (NODE_NAME and
// POD_IP, as the runtime sets them) and becomes ready once it has; the
// program waits on the cluster's store watch, never on a timer.
package main
