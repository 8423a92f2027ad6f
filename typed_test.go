package orchestra_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/orchestra-go/orchestra"
	"github.com/orchestra-go/orchestra/vtime"
	"github.com/orchestra-go/orchestra/workload"
)

// TestGetAsListAs: the typed reads find what Get and List find, and an
// interface type or a bad selector is an error, not a panic.
func TestGetAsListAs(t *testing.T) {
	c, err := orchestra.New(orchestra.Config{Clock: vtime.NewVirtual(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Fake().AddNode(&workload.Node{ObjectMeta: workload.ObjectMeta{Name: "node-a"}}); err != nil {
		t.Fatal(err)
	}
	if err := c.Advance(0); err != nil {
		t.Fatal(err)
	}
	n, err := orchestra.GetAs[*workload.Node](c, "", "node-a")
	if err != nil {
		t.Fatal(err)
	}
	if n.Name != "node-a" {
		t.Fatalf("node %q", n.Name)
	}
	if _, err := orchestra.GetAs[workload.Object](c, "", "node-a"); !errors.Is(err, workload.ErrInvalid) || !strings.Contains(err.Error(), "GetAs: type workload.Object names no kind") {
		t.Errorf("GetAs of an interface type: %v", err)
	}
	if _, err := orchestra.ListAs[workload.Object](c, "", ""); !errors.Is(err, workload.ErrInvalid) {
		t.Errorf("ListAs of an interface type: %v", err)
	}
	if _, err := orchestra.ListAs[*workload.Pod](c, "", "app in ("); err == nil {
		t.Error("ListAs with a bad selector: no error")
	}
	pods, err := orchestra.ListAs[*workload.Pod](c, "", "")
	if err != nil || len(pods) != 0 {
		t.Errorf("ListAs of no pods: %v, %v", pods, err)
	}
}
