package workload

// LabelSkipMirror on an Endpoints object set to "true" keeps the
// EndpointSlice mirroring controller from mirroring it
// (discovery/v1 LabelSkipMirror).
const LabelSkipMirror = "endpointslice.kubernetes.io/skip-mirror"

// Endpoints is a core/v1 Endpoints: the addresses of a Service. The
// service layer writes one for each Service with a selector, as
// Kubernetes' Endpoints controller; written by hand for a Service without
// a selector, it is mirrored into EndpointSlices, as Kubernetes'
// EndpointSlice mirroring controller does.
type Endpoints struct {
	TypeMeta   `json:",inline"`
	ObjectMeta `json:"metadata,omitempty"`
	Subsets    []EndpointSubset `json:"subsets,omitempty"`
}

// Kind returns "Endpoints".
func (*Endpoints) Kind() string { return "Endpoints" }

// EndpointSubset is core/v1 EndpointSubset: addresses that share ports.
type EndpointSubset struct {
	Addresses         []EndpointAddress  `json:"addresses,omitempty"`
	NotReadyAddresses []EndpointAddress  `json:"notReadyAddresses,omitempty"`
	Ports             []CoreEndpointPort `json:"ports,omitempty"`
}

// EndpointAddress is core/v1 EndpointAddress.
type EndpointAddress struct {
	IP        string           `json:"ip"`
	Hostname  string           `json:"hostname,omitempty"`
	NodeName  *string          `json:"nodeName,omitempty"`
	TargetRef *ObjectReference `json:"targetRef,omitempty"`
}

// CoreEndpointPort is core/v1 EndpointPort, the port of an Endpoints
// subset (EndpointPort is discovery/v1's, of an EndpointSlice).
type CoreEndpointPort struct {
	Name        string  `json:"name,omitempty"`
	Port        int32   `json:"port"`
	Protocol    string  `json:"protocol,omitempty"`
	AppProtocol *string `json:"appProtocol,omitempty"`
}
