// Package ns7sample is the sample NS7 shared by the demonstration world
// and the tests' NS7 world (tests/ns7world): variants of an NS7's state
// (release, packages, services, account provider, configuration records,
// NethVoice's database rows, files) and that state's answers in NS7's own
// output formats. The tests' world shows a variant to the real collector
// through Debian's sshd, real commands and stub scripts; the demo answers
// the collector's batch from the same variant in-process (Answer).
package ns7sample

import (
	"time"
)

// Record is an e-smith configuration record as `config printjson` prints it.
type Record struct {
	Name  string            `json:"name"`
	Type  string            `json:"type"`
	Props map[string]string `json:"props"`
}

// Variant is the fixture of one NS7: files, and the data its stub commands
// answer from. Healthy returns a complete one; the other constructors
// change one thing each.
type Variant struct {
	Release  string // /etc/nethserver-release
	Hostname string
	Kernel   string   // uname -r
	Kernels  []string // rpm -q kernel
	// Packages maps rpm names to version-release.
	Packages map[string]string
	// YumOut and YumExit are yum -q check-update's answer.
	YumOut  string
	YumExit int
	// Services maps systemd units to their is-active state (absent: inactive).
	Services map[string]string
	// Listen are the TCP ports ss -ltn shows listening.
	Listen []int
	// Provider is account-provider-test dump's JSON object.
	Provider map[string]string
	// Config holds config printjson records by key; ConfigGet the plain values.
	Config    map[string]Record
	ConfigGet map[string]string
	// SQL holds mysql -N -B answers (TSV) by table: sizes, phones, gateways,
	// trunks, extensions, legacy; a missing one answers Access denied.
	SQL map[string]string
	// WG holds "<peer> <age s|never>" lines; "" means no interface ns8.
	WG string
	// Hosts are /etc/hosts entries (name -> IPv4) NS7 resolves.
	Hosts map[string]string
	// Files are created with their content; Sparse files have a size but
	// no blocks (du -sb counts their apparent size).
	Files  map[string]string
	Sparse map[string]int64
	// Many creates count empty files in a directory (e.g. 100 000 recordings).
	Many map[string]int
	// Owned are the files rpm -qf says a package owns.
	Owned []string
	// Slow makes a stub (by name: rpm, yum, mysql, ...) sleep before answering.
	Slow map[string]time.Duration
	// DumpDisk is the filesystem of /var/lib/asterisk as df -PB1 shows it
	// (the demo's answer; the tests' world measures its real filesystem).
	DumpDisk Disk
	// IPAddr and IPRoute are ip -o -4 addr show and ip -4 route show (the
	// demo's answers; the tests' world shows its network namespace's own).
	IPAddr, IPRoute string
	// Plain makes the tests' world a plain Debian host, not an NS7: none of
	// the variant's files or stub commands, the machine's own commands
	// only (the demo does not serve it).
	Plain bool
	// Missing and Refused name NS7 programs (config, mysql, yum, rpm, wg,
	// account-provider-test...) that are not there (exit 127) or cannot be
	// run (not executable: exit 126). In the tests' world a missing stub
	// leaves the machine's own program of that name, if it has one.
	Missing, Refused []string
}

// Disk is one filesystem as df shows it.
type Disk struct {
	Device     string
	Size, Used int64 // bytes
	Mount      string
}

// Canary bind password of the healthy fixture: a test searches for it in
// everything the module writes.
const BindPasswordCanary = "Canary-Bind-7b1e9c2f"

// PhonebookPasswordCanary is the healthy fixture's phonebook database
// password (/var/lib/nethserver/secrets/PhonebookDBPasswd).
const PhonebookPasswordCanary = "Canary-Phonebook-3d5a81e0"

// Healthy is an NS7 ready to migrate: NethServer 7.9.2009 fully updated,
// NethVoice running with Tancredi, local OpenLDAP, supported phones,
// gateways and trunks, Cockpit on, migration tool installed, not joined.
func Healthy() Variant {
	return Variant{
		Release:  "NethServer release 7.9.2009 (final)",
		Hostname: "ns7.example.org",
		Kernel:   "3.10.0-1160.119.1.el7.x86_64",
		Kernels:  []string{"3.10.0-1160.102.1.el7.x86_64", "3.10.0-1160.119.1.el7.x86_64"},
		Packages: map[string]string{
			"nethserver-nethvoice14": "14.9.2-1.ns7", "nethserver-freepbx": "14.3.3-1.ns7", "freepbx": "14.0.18-1.ns7",
			"nethcti-server3": "3.30.1-1.ns7", "nethcti3": "3.30.0-1.ns7", "janus-gateway": "0.11.8-1.ns7",
			"nethvoice-report": "1.7.0-1.ns7", "asterisk18-core": "18.20.2-1.ns7", "tancredi": "1.5.0-1.ns7",
			"nethserver-ns8-migration": "1.3.8-1.ns7",
		},
		YumExit: 0,
		Services: map[string]string{"asterisk": "active", "httpd-fpbx": "active", "nethcti-server": "active",
			"janus-gateway": "active", "mariadb": "active", "cockpit.socket": "active", "slapd": "active"},
		Listen: []int{22, 636, 9090, 5060},
		Provider: map[string]string{"isAD": "", "isLdap": "1", "BaseDN": "dc=directory,dc=nh", "UserDN": "ou=People,dc=directory,dc=nh",
			"GroupDN": "ou=Groups,dc=directory,dc=nh", "LdapURI": "ldap://127.0.0.1", "host": "127.0.0.1", "port": "389", "StartTls": "",
			"BindDN": "cn=ldapservice,dc=directory,dc=nh", "BindPassword": BindPasswordCanary, "DiscoverDcType": "dns"},
		Config: map[string]Record{
			"sssd": {Name: "sssd", Type: "service", Props: map[string]string{"Provider": "ldap", "LdapURI": "ldap://127.0.0.1",
				"BindDN": "cn=ldapservice,dc=directory,dc=nh", "BindPassword": BindPasswordCanary, "status": "enabled"}},
			"slapd":            {Name: "slapd", Type: "service", Props: map[string]string{"status": "enabled"}},
			"nethvoice":        {Name: "nethvoice", Type: "service", Props: map[string]string{"ProvisioningEngine": "tancredi", "BrandName": "NethVoice", "LegacyMode": "disabled"}},
			"nethvoice-report": {Name: "nethvoice-report", Type: "configuration", Props: map[string]string{"international_prefix": "0039"}},
		},
		ConfigGet: map[string]string{"TimeZone": "Europe/Rome", "DomainName": "example.org"},
		SQL: map[string]string{
			"sizes":      "asterisk\t5242880\nasteriskcdrdb\t104857600\nnethcti3\t1048576\nphonebook\t524288\n",
			"phones":     "Yealink\tT46S\t10\nFanvil\tX3U\t5\n",
			"gateways":   "gw-office\tPatton\tTRI_FXO_4\t192.168.1.20\ngw-fax\tGrandstream\tHT812\t192.168.1.21\n",
			"trunks":     "1\tpjsip\tMessageNet\toff\tsip.messagenet.it\n",
			"extensions": "201\tAlice Rossi\n202\tBob Bianchi\n203\tCarla Verdi\n",
			"legacy":     "0\n",
		},
		Hosts: map[string]string{},
		Files: map[string]string{
			"/var/spool/asterisk/monitor/2026/11/24/in-201-202-1.wav":          "RIFF recording one",
			"/var/spool/asterisk/monitor/2026/11/24/out-201-0612-2.wav":        "RIFF recording two",
			"/var/spool/asterisk/voicemail/default/201/INBOX/msg0000.txt":      "voicemail",
			"/var/lib/asterisk/sounds/en/custom/welcome.wav":                   "RIFF welcome",
			"/var/lib/asterisk/sounds/it/custom/benvenuto.wav":                 "RIFF benvenuto",
			"/var/lib/asterisk/moh/default.wav":                                "RIFF moh",
			"/var/lib/tancredi/data/scopes/default.ini":                        "[scope]",
			"/etc/asterisk/extensions_custom.conf":                             "",
			"/etc/asterisk/sip_custom.conf":                                    "",
			"/var/lib/asterisk/agi-bin/dialparties.agi":                        "#!/usr/bin/php",
			"/var/lib/nethserver/nethcti/templates/customer_card/identity.ejs": "<div/>",
			// Their content is a canary: the probe only tests that they exist.
			"/var/lib/nethserver/secrets/ldapservice":       BindPasswordCanary + "\n",
			"/var/lib/nethserver/secrets/PhonebookDBPasswd": PhonebookPasswordCanary + "\n",
		},
		IPAddr: "1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever preferred_lft forever\n" +
			"2: eth0    inet 192.168.1.10/24 brd 192.168.1.255 scope global eth0\\       valid_lft forever preferred_lft forever\n",
		IPRoute:  "default via 192.168.1.1 dev eth0 \n192.168.1.0/24 dev eth0 proto kernel scope link src 192.168.1.10 \n",
		Owned:    []string{"/var/lib/asterisk/agi-bin/dialparties.agi"},
		DumpDisk: Disk{Device: "/dev/mapper/centos-root", Size: 53660876800, Used: 21474836480, Mount: "/"},
	}
}

// LocalAD: Samba AD provided by NS7 itself (nsdc has an address).
func LocalAD() Variant {
	v := Healthy()
	v.Provider = map[string]string{"isAD": "1", "isLdap": "", "BaseDN": "dc=ad,dc=example,dc=org", "LdapURI": "ldaps://nsdc-ns7.ad.example.org",
		"host": "nsdc-ns7.ad.example.org", "port": "636", "BindDN": "ldapservice@AD.EXAMPLE.ORG", "BindPassword": BindPasswordCanary}
	v.Config["sssd"] = Record{Name: "sssd", Type: "service", Props: map[string]string{"Provider": "ad", "Realm": "AD.EXAMPLE.ORG", "Workgroup": "AD", "BindPassword": BindPasswordCanary}}
	v.Config["nsdc"] = Record{Name: "nsdc", Type: "service", Props: map[string]string{"IpAddress": "192.168.1.5", "ProvisionType": "newdomain", "status": "enabled"}}
	delete(v.Config, "slapd")
	delete(v.Services, "slapd")
	delete(v.Files, "/var/lib/nethserver/secrets/ldapservice")
	v.Services["nsdc"] = "active"
	v.Listen = []int{22, 9090, 5060}
	return v
}

// RemoteLDAP: an LDAP server elsewhere.
func RemoteLDAP() Variant {
	v := Healthy()
	v.Provider["LdapURI"] = "ldap://ldap.corp.example.org"
	v.Provider["host"] = "ldap.corp.example.org"
	v.Provider["BaseDN"] = "dc=corp,dc=example,dc=org"
	v.Config["sssd"].Props["LdapURI"] = "ldap://ldap.corp.example.org"
	delete(v.Config, "slapd")
	delete(v.Services, "slapd")
	delete(v.Files, "/var/lib/nethserver/secrets/ldapservice")
	v.Listen = []int{22, 9090, 5060}
	return v
}

// RemoteAD: an AD domain controller elsewhere (no nsdc).
func RemoteAD() Variant {
	v := LocalAD()
	delete(v.Config, "nsdc")
	delete(v.Services, "nsdc")
	v.Provider["LdapURI"] = "ldaps://dc1.corp.example.org"
	v.Config["sssd"].Props["Realm"] = "CORP.EXAMPLE.ORG"
	return v
}

// NoProvider: no account provider at all.
func NoProvider() Variant {
	v := Healthy()
	v.Provider = map[string]string{"isAD": "", "isLdap": "", "BaseDN": "", "LdapURI": "", "BindPassword": ""}
	v.Config["sssd"] = Record{Name: "sssd", Type: "service", Props: map[string]string{"Provider": "none"}}
	delete(v.Config, "slapd")
	delete(v.Services, "slapd")
	return v
}

// Outdated: updates pending and a newer kernel installed but not running.
func Outdated() Variant {
	v := Healthy()
	v.YumExit = 100
	v.YumOut = "\nkernel.x86_64                 3.10.0-1160.120.1.el7        updates\n" +
		"nethserver-freepbx.noarch     14.3.4-1.ns7                 nethserver-updates\n" +
		"a-package-with-a-very-long-name-that-wraps.noarch\n                              1.0-2.el7                    base\n"
	v.Kernels = append(v.Kernels, "3.10.0-1160.120.1.el7.x86_64")
	return v
}

// NethVoiceStopped: asterisk and the CTI server are down.
func NethVoiceStopped() Variant {
	v := Healthy()
	v.Services["asterisk"] = "inactive"
	v.Services["nethcti-server"] = "failed"
	return v
}

// BadPrefix: an international prefix NS8 rejects.
func BadPrefix() Variant {
	v := Healthy()
	v.Config["nethvoice-report"].Props["international_prefix"] = "39"
	return v
}

// UnsupportedGateway: a Mediatrix gateway, a model NS8 deletes.
func UnsupportedGateway() Variant {
	v := Healthy()
	v.SQL["gateways"] += "gw-old\tMediatrix\t4102\t192.168.1.22\n"
	return v
}

// OldProvisioning: phones on the old FreePBX Endpoint Manager.
func OldProvisioning() Variant {
	v := Healthy()
	v.Config["nethvoice"].Props["ProvisioningEngine"] = "freepbx"
	v.SQL["legacy"] = "12\n"
	return v
}

// AlreadyJoined: the migration tool joined NS7 to the cluster of leader
// (its endpoint host and VPN address); the tunnel had a handshake 20 s ago.
func AlreadyJoined(leaderHost, leaderVPN string) Variant {
	v := Healthy()
	v.Config["ns8"] = Record{Name: "ns8", Type: "configuration", Props: map[string]string{"Host": leaderHost, "User": "ns7admin3",
		"Password": "Ns8-Admin-Secret", "TLSVerify": "disabled", "LeaderIpAddress": leaderVPN}}
	v.Config["wg-quick@ns8"] = Record{Name: "wg-quick@ns8", Type: "service", Props: map[string]string{"Address": "10.5.4.3",
		"RemoteEndpoint": leaderHost + ":55820", "RemoteNetwork": "10.5.4.0/24", "status": "enabled"}}
	v.Services["wg-quick@ns8"] = "active"
	v.WG = "k2b1YhQ2x1lQ0p2rK3m7uVQf0yB5u9s0k7Jx3n6mWlY= 20\n"
	return v
}
