package demo

import (
	"net"
	"os"
	"strings"
	"sync"

	"github.com/miekg/dns"
)

// demoZone is what the demonstration DNS server answers, for names under
// example.test: the FQDNs point to the leader's public address, the CTI
// name to the NS7 (the plan phase warns about it), and the zone's name
// server is on loopback so that authoritative queries stay on the machine.
var demoZone = map[string][]string{
	"leader.example.test": {"A 198.51.100.1"},
	"voice.example.test":  {"A 198.51.100.10"},
	"cti.example.test":    {"A 203.0.113.7"},
	"proxy.example.test":  {"A 198.51.100.10"},
	"example.test":        {"NS ns1.example.test.", "SOA ns1.example.test. hostmaster.example.test. 1 3600 600 86400 300"},
}

// zone is one demo's DNS data: demoZone with its name server's address,
// known once a port 53 was had.
type zone struct {
	mu sync.RWMutex
	ns string
}

func (z *zone) records(name string) ([]string, bool) {
	if name == "ns1.example.test" {
		z.mu.RLock()
		defer z.mu.RUnlock()
		return []string{"A " + z.ns}, true
	}
	recs, ok := demoZone[name]
	return recs, ok
}

// authAddrs are where the zone's name server may listen when the demo can
// bind port 53 (as root): authoritative queries go to port 53 of the NS
// host. Several, so that demos running at once each find one.
var authAddrs = []string{"127.0.53.53", "127.0.53.54", "127.0.53.55", "127.0.53.56", "127.0.53.57", "127.0.53.58"}

// errNoPort53 says why the sample's name server is not on port 53.
const errNoPort53 = "Not root: the sample's authoritative DNS server cannot listen on port 53, so fqdn.authoritative reports it unreachable (run the demo as root to see it judged)."

// startDNS serves demoZone on 127.0.0.1 (UDP and TCP on one port), and on
// port 53 of one of authAddrs when it can, and returns the resolver
// address, a stop function and, when port 53 could not be had, why.
func startDNS() (string, func(), string, error) {
	z := &zone{ns: "127.0.0.1"}
	var addr string
	var stop func()
	var err error
	// UDP and TCP share the port number: the UDP port chosen by the system
	// may be taken for TCP, then another is tried.
	for try := 0; try < 10; try++ {
		if addr, stop, err = serveDNS("127.0.0.1:0", z); err == nil {
			break
		}
	}
	if err != nil {
		return "", nil, "", err
	}
	for _, a := range authAddrs {
		if _, stopAuth, err := serveDNS(a+":53", z); err == nil {
			z.mu.Lock()
			z.ns = a
			z.mu.Unlock()
			return addr, func() { stop(); stopAuth() }, "", nil
		}
	}
	note := errNoPort53
	if os.Geteuid() == 0 {
		note = "Port 53 of " + strings.Join(authAddrs, ", ") + " is taken (other demos running?): fqdn.authoritative reports the sample's name server unreachable."
	}
	return addr, stop, note, nil
}

func serveDNS(at string, z *zone) (string, func(), error) {
	pc, err := net.ListenPacket("udp", at)
	if err != nil {
		return "", nil, err
	}
	l, err := net.Listen("tcp", pc.LocalAddr().String())
	if err != nil {
		pc.Close()
		return "", nil, err
	}
	h := dns.HandlerFunc(z.answer)
	udp := &dns.Server{PacketConn: pc, Handler: h}
	tcp := &dns.Server{Listener: l, Handler: h}
	go udp.ActivateAndServe()                                                      //nolint:errcheck // ends with Shutdown
	go tcp.ActivateAndServe()                                                      //nolint:errcheck
	return pc.LocalAddr().String(), func() { udp.Shutdown(); tcp.Shutdown() }, nil //nolint:errcheck
}

func (z *zone) answer(w dns.ResponseWriter, r *dns.Msg) {
	m := new(dns.Msg)
	m.SetReply(r)
	m.Authoritative, m.RecursionAvailable = true, true
	if len(r.Question) != 1 {
		m.Rcode = dns.RcodeFormatError
		w.WriteMsg(m) //nolint:errcheck
		return
	}
	q := r.Question[0]
	name := strings.TrimSuffix(strings.ToLower(q.Name), ".")
	if name != "example.test" && !strings.HasSuffix(name, ".example.test") {
		m.Rcode = dns.RcodeRefused // the demo answers for its own zone only
		w.WriteMsg(m)              //nolint:errcheck
		return
	}
	recs, ok := z.records(name)
	if !ok {
		m.Rcode = dns.RcodeNameError
	}
	for _, rec := range recs {
		if rr, err := dns.NewRR(q.Name + " 300 IN " + rec); err == nil && rr.Header().Rrtype == q.Qtype {
			m.Answer = append(m.Answer, rr)
		}
	}
	if ok && len(m.Answer) == 0 {
		if soa, err := dns.NewRR("example.test. 300 IN " + demoZone["example.test"][1]); err == nil {
			m.Ns = append(m.Ns, soa) // NODATA
		}
	}
	w.WriteMsg(m) //nolint:errcheck
}
