package demo

import (
	"net"
	"strings"

	"github.com/miekg/dns"
)

// demoZone is what the demonstration DNS server answers, for names under
// example.test: the FQDNs point to the leader's public address, the CTI
// name to the NS7 (the plan phase warns about it), and the zone's name
// server is on loopback so that authoritative queries stay on the machine.
var demoZone = map[string][]string{
	"leader.example.test": {"A 127.0.0.1"},
	"voice.example.test":  {"A 198.51.100.10"},
	"cti.example.test":    {"A 203.0.113.7"},
	"proxy.example.test":  {"A 198.51.100.10"},
	"ns1.example.test":    {"A 127.0.0.1"},
	"example.test":        {"NS ns1.example.test.", "SOA ns1.example.test. hostmaster.example.test. 1 3600 600 86400 300"},
}

// authAddr is where the zone's name server listens when the demo may bind
// port 53 (as root): authoritative queries go to port 53 of the NS host.
const authAddr = "127.0.53.53"

// startDNS serves demoZone on 127.0.0.1 (UDP and TCP on one port), and on
// authAddr:53 when it can, and returns the resolver address and a stop
// function.
func startDNS() (string, func(), error) {
	var addr string
	var stop func()
	var err error
	// UDP and TCP share the port number: the UDP port chosen by the system
	// may be taken for TCP, then another is tried.
	for try := 0; try < 10; try++ {
		if addr, stop, err = serveDNS("127.0.0.1:0"); err == nil {
			break
		}
	}
	if err != nil {
		return "", nil, err
	}
	if _, stopAuth, err := serveDNS(authAddr + ":53"); err == nil {
		demoZone["ns1.example.test"] = []string{"A " + authAddr}
		return addr, func() { stop(); stopAuth() }, nil
	}
	return addr, stop, nil
}

func serveDNS(at string) (string, func(), error) {
	pc, err := net.ListenPacket("udp", at)
	if err != nil {
		return "", nil, err
	}
	l, err := net.Listen("tcp", pc.LocalAddr().String())
	if err != nil {
		pc.Close()
		return "", nil, err
	}
	h := dns.HandlerFunc(answer)
	udp := &dns.Server{PacketConn: pc, Handler: h}
	tcp := &dns.Server{Listener: l, Handler: h}
	go udp.ActivateAndServe()                                                      //nolint:errcheck // ends with Shutdown
	go tcp.ActivateAndServe()                                                      //nolint:errcheck
	return pc.LocalAddr().String(), func() { udp.Shutdown(); tcp.Shutdown() }, nil //nolint:errcheck
}

func answer(w dns.ResponseWriter, r *dns.Msg) {
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
	recs, ok := demoZone[name]
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
