//go:build !unix

package process

import "github.com/orchestra-go/orchestra/internal/kubelet"

const supported = false

// Start is never called: New fails with ErrUnsupported.
func (starter) Start(*kubelet.Run) (kubelet.Handle, error) { return nil, ErrUnsupported }
