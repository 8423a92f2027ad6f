package service_test

import (
	"errors"
	"fmt"

	"github.com/orchestra-go/orchestra/service"
)

func ExampleRoundRobin() {
	p := service.NewRoundRobin(0)
	err := p.Update([]service.Endpoint{
		{Address: "10.0.0.1", Port: 8080, PodName: "web-a", Ready: true},
		{Address: "10.0.0.2", Port: 8080, PodName: "web-b", Ready: true},
		{Address: "10.0.0.3", Port: 8080, PodName: "web-c", Ready: false}, // not ready: skipped
	})
	if err != nil {
		panic(err)
	}
	for range 4 {
		e, err := p.Pick()
		if err != nil {
			panic(err)
		}
		fmt.Println(e.PodName, e.Address, e.Port)
	}
	// Output:
	// web-b 10.0.0.2 8080
	// web-a 10.0.0.1 8080
	// web-b 10.0.0.2 8080
	// web-a 10.0.0.1 8080
}

func ExampleRandom() {
	p := service.NewRandom(0)
	if err := p.Update([]service.Endpoint{{Address: "10.0.0.1", Port: 80, PodName: "only", Ready: true}}); err != nil {
		panic(err)
	}
	e, _ := p.Pick()
	fmt.Println(e.PodName)
	// Output: only
}

func ExampleLocal() {
	p := service.NewRoundRobin(0, service.Local("node-2"))
	if err := p.Update([]service.Endpoint{{Address: "10.0.0.1", Port: 80, NodeName: "node-1", Ready: true}}); err != nil {
		panic(err)
	}
	_, err := p.Pick()
	fmt.Println(errors.Is(err, service.ErrNoEndpoints), err)
	// Output: true service: no endpoints available
}

func ExampleErrNoEndpoints() {
	p := service.NewRoundRobin(0)
	if _, err := p.Pick(); errors.Is(err, service.ErrNoEndpoints) {
		fmt.Println("fail the request or retry later:", err)
	}
	// Output: fail the request or retry later: service: no endpoints available
}
