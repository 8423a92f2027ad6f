package store

import (
	"errors"
	"testing"

	"github.com/orchestra-go/orchestra/workload"
)

func TestAdmitDefaultsAndRefuses(t *testing.T) {
	refuse := errors.New("refused")
	s := New(Config{Admit: func(o workload.Object) error {
		p := o.(*workload.Pod)
		if p.Name == "bad" {
			return refuse
		}
		if p.Labels == nil {
			p.Labels = map[string]string{}
		}
		p.Labels["admitted"] = "yes"
		return nil
	}})
	in := &workload.Pod{ObjectMeta: workload.ObjectMeta{Name: "good", Namespace: "default"}}
	out, err := s.Create(in)
	if err != nil {
		t.Fatal(err)
	}
	if out.GetObjectMeta().Labels["admitted"] != "yes" || in.Labels != nil {
		t.Fatalf("admitted labels %v, caller's object %v: want the stored copy changed, the caller's not", out.GetObjectMeta().Labels, in.Labels)
	}
	if _, err := s.Create(&workload.Pod{ObjectMeta: workload.ObjectMeta{Name: "bad", Namespace: "default"}}); !errors.Is(err, refuse) {
		t.Fatalf("refused create: %v", err)
	}
	if _, err := s.Get("Pod", "default", "bad"); !errors.Is(err, ErrNotFound) {
		t.Fatal("a refused object was stored")
	}
}

func TestSharedResultCreate(t *testing.T) {
	s := New(Config{Seed: 1})
	out, err := s.Create(&workload.Pod{ObjectMeta: workload.ObjectMeta{GenerateName: "p-", Namespace: "default"}}, SharedResult)
	if err != nil {
		t.Fatal(err)
	}
	peek, _ := s.Peek("Pod", "default", out.GetObjectMeta().Name)
	if out != peek || out.GetObjectMeta().UID == "" {
		t.Fatal("SharedResult did not return the stored object itself")
	}
}
