// Package bench compares orchestra's round-robin picker with the round-robin
// pickers of grpc-go (balancer/roundrobin) and go-kit (sd/lb) in one
// benchmark run. It is a module of its own so that orchestra itself does not
// depend on either; see README.md.
package bench
