package ns7world

import "github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/ns7sample"

// The variants live in internal/ns7sample, shared with the demo, which
// answers the probe from the same data in-process.
type (
	// Variant is the fixture of one NS7 (ns7sample.Variant).
	Variant = ns7sample.Variant
	// Record is an e-smith configuration record (ns7sample.Record).
	Record = ns7sample.Record
)

// BindPasswordCanary is the bind password of the healthy fixture.
const BindPasswordCanary = ns7sample.BindPasswordCanary

// Constructors of the shared variants (see ns7sample).
var (
	Healthy            = ns7sample.Healthy
	LocalAD            = ns7sample.LocalAD
	RemoteLDAP         = ns7sample.RemoteLDAP
	RemoteAD           = ns7sample.RemoteAD
	NoProvider         = ns7sample.NoProvider
	Outdated           = ns7sample.Outdated
	NethVoiceStopped   = ns7sample.NethVoiceStopped
	BadPrefix          = ns7sample.BadPrefix
	Gateways           = ns7sample.Gateways
	UnsupportedGateway = ns7sample.UnsupportedGateway
	OldProvisioning    = ns7sample.OldProvisioning
	AlreadyJoined      = ns7sample.AlreadyJoined
)
