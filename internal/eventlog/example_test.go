package eventlog_test

import (
	"fmt"

	"github.com/orchestra-go/orchestra/internal/eventlog"
	"github.com/orchestra-go/orchestra/workload"
)

func Example() {
	l := eventlog.New(eventlog.Config{Name: "demo"})
	l.Emit(workload.Added, &workload.Node{ObjectMeta: workload.ObjectMeta{Name: "node-a"}})
	version := l.Version() // as a List would return it
	l.Emit(workload.Added, &workload.Node{ObjectMeta: workload.ObjectMeta{Name: "node-b"}})

	w, err := l.Watch(version)
	if err != nil {
		panic(err)
	}
	defer w.Stop()
	for {
		ev, ok := w.TryNext()
		if !ok {
			break
		}
		fmt.Println(ev.Version, ev.Type, ev.Object.GetObjectMeta().Name)
	}
	// Output:
	// 2 ADDED node-b
}
