package workload

// EndpointSlice address types and the label that names a slice's Service.
const (
	AddressTypeIPv4     = "IPv4"
	AddressTypeIPv6     = "IPv6"
	AddressTypeFQDN     = "FQDN"
	LabelServiceName    = "kubernetes.io/service-name"
	LabelManagedBy      = "endpointslice.kubernetes.io/managed-by"
	EndpointSliceMaxLen = 100
)

// EndpointSlice is a discovery/v1 EndpointSlice.
type EndpointSlice struct {
	TypeMeta    `json:",inline"`
	ObjectMeta  `json:"metadata,omitempty"`
	AddressType string         `json:"addressType"`
	Endpoints   []Endpoint     `json:"endpoints"`
	Ports       []EndpointPort `json:"ports"`
}

// Kind returns "EndpointSlice".
func (*EndpointSlice) Kind() string { return "EndpointSlice" }

// Endpoint is discovery/v1 Endpoint.
type Endpoint struct {
	Addresses  []string           `json:"addresses"`
	Conditions EndpointConditions `json:"conditions,omitempty"`
	Hostname   *string            `json:"hostname,omitempty"`
	TargetRef  *ObjectReference   `json:"targetRef,omitempty"`
	NodeName   *string            `json:"nodeName,omitempty"`
	Zone       *string            `json:"zone,omitempty"`
	Hints      *EndpointHints     `json:"hints,omitempty"`
}

// EndpointHints is discovery/v1 EndpointHints: where the endpoint should
// be used from (topology-aware routing, trafficDistribution).
type EndpointHints struct {
	ForZones []ForZone `json:"forZones,omitempty"`
	ForNodes []ForNode `json:"forNodes,omitempty"`
}

// ForZone is discovery/v1 ForZone.
type ForZone struct {
	Name string `json:"name"`
}

// ForNode is discovery/v1 ForNode.
type ForNode struct {
	Name string `json:"name"`
}

// EndpointConditions is discovery/v1 EndpointConditions. A nil Ready means
// ready.
type EndpointConditions struct {
	Ready       *bool `json:"ready,omitempty"`
	Serving     *bool `json:"serving,omitempty"`
	Terminating *bool `json:"terminating,omitempty"`
}

// EndpointPort is discovery/v1 EndpointPort.
type EndpointPort struct {
	Name        *string `json:"name,omitempty"`
	Protocol    *string `json:"protocol,omitempty"`
	Port        *int32  `json:"port,omitempty"`
	AppProtocol *string `json:"appProtocol,omitempty"`
}
