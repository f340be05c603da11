// Package ns7sample is the sample NS7 shared by the demonstration world
// and the tests' NS7 world (tests/ns7world): variants of an NS7's state
// (release, packages, services, account provider, configuration records,
// NethVoice's database rows, files) and that state's answers in NS7's own
// output formats. The tests' world shows a variant to the real collector
// through Debian's sshd, real commands and stub scripts; the demo answers
// the collector's batch from the same variant in-process (Answer).
package ns7sample

import (
	"fmt"
	"time"

	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/ns7"
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
	// SQL holds mysql -N -B answers (TSV) by table: sizes, extensions,
	// legacy; a missing one answers Access denied.
	SQL map[string]string
	// DB holds the inventory rows of NethVoice's asterisk database (phones,
	// gateways, trunks, SIP settings); nil: MariaDB refuses the queries.
	DB *Asterisk
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
// NethVoice running with Tancredi (provisioning from voice.example.org,
// the NethVoice FQDN the tests plan), local OpenLDAP, supported phones
// and trunks, no gateway, Cockpit on, migration tool installed, not joined.
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
			ns7.TancrediDefaults:                                               TancrediDefaults("voice.example.org"),
			"/etc/asterisk/extensions_custom.conf":                             "",
			"/etc/asterisk/sip_custom.conf":                                    "",
			"/var/lib/asterisk/agi-bin/dialparties.agi":                        "#!/usr/bin/php",
			"/var/lib/nethserver/nethcti/templates/customer_card/identity.ejs": "<div/>",
			// Their content is a canary: the probe only tests that they exist.
			"/var/lib/nethserver/secrets/ldapservice":       BindPasswordCanary + "\n",
			"/var/lib/nethserver/secrets/PhonebookDBPasswd": PhonebookPasswordCanary + "\n",
		},
		DB: healthyDB(),
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

// Gateways: a Patton Trinity (FXO, two lines) and a Grandstream HT812
// (two FXS ports), models NS8 configures; NS8 still deletes them at
// NethVoice's first start. The FXO trunks and FXS devices the wizard
// created for them are there too, as on NS7.
func Gateways() Variant {
	v := Healthy()
	db := v.DB
	db.Trunks = append(db.Trunks,
		TrunkRow{ID: 2, Tech: "pjsip", Name: "Patton_0b1c2d_fxo_0", PJSIP: gatewayTrunk("Patton_0b1c2d_fxo_0", "192.168.1.20")},
		TrunkRow{ID: 3, Tech: "pjsip", Name: "Patton_0b1c2d_fxo_1", PJSIP: gatewayTrunk("Patton_0b1c2d_fxo_1", "192.168.1.20")})
	db.Gateways = append(db.Gateways,
		GatewayConfig{Name: "gw-office", Manufacturer: "Patton", Model: "TRI_FXO_4", IPv4: "192.168.1.1", IPv4New: "192.168.1.20", Gateway: "192.168.1.1",
			IPv4Green: "192.168.1.10", NetmaskGreen: "255.255.255.0", MAC: "00:A0:BA:0B:1C:2D",
			FXO: []TrunkPort{{Trunk: 2, TrunkNumber: 20002, Number: "0612345670", Secret: PortSecretCanary}, {Trunk: 3, TrunkNumber: 20003, Number: "0612345671", Secret: PortSecretCanary}}},
		GatewayConfig{Name: "gw-fax", Manufacturer: "Grandstream", Model: "ht812", IPv4New: "192.168.1.21", Gateway: "192.168.1.1",
			IPv4Green: "192.168.1.10", NetmaskGreen: "255.255.255.0", MAC: "00:0B:82:3A:4B:5C",
			FXS: []FXSPort{{Extension: "203", PhysicalExtension: "91203", Secret: SecretCanary}, {Extension: "204", PhysicalExtension: "91204", Secret: SecretCanary}}})
	db.Devices = append(db.Devices, DeviceRow{Extension: "91203", Secret: SecretCanary}, DeviceRow{Extension: "91204", Secret: SecretCanary})
	return v
}

// UnsupportedGateway: the gateways above and a Mediatrix BRI gateway, a
// model NethVoice on NS8 cannot configure at all.
func UnsupportedGateway() Variant {
	v := Gateways()
	v.DB.Trunks = append(v.DB.Trunks, TrunkRow{ID: 4, Tech: "pjsip", Name: "Mediatrix_0a0b0c_isdn_1", PJSIP: gatewayTrunk("Mediatrix_0a0b0c_isdn_1", "192.168.1.22")})
	v.DB.Gateways = append(v.DB.Gateways, GatewayConfig{Name: "gw-old", Manufacturer: "Mediatrix", Model: "M4402", IPv4New: "192.168.1.22",
		Gateway: "192.168.1.1", IPv4Green: "192.168.1.10", NetmaskGreen: "255.255.255.0", MAC: "00:90:F8:0A:0B:0C",
		ISDN: []TrunkPort{{Trunk: 4, TrunkNumber: 20004, Protocol: "pmp", Secret: PortSecretCanary}}})
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

// healthyDB is the healthy NS7's inventory, in NS7's spellings: 10 Yealink
// T46 and 5 Fanvil X3U phones (Tancredi model ids, vendors from NS7's MAC
// map), a custom device without MAC, one MessageNet trunk made by the
// wizard, no NAT setting.
func healthyDB() *Asterisk {
	db := &Asterisk{SIPSettings: map[string]string{"externip_val": "", "nat": "yes", "nat_mode": "externip"},
		KVSipsettings: map[string]string{"externip": "", "udpextip-0.0.0.0": "", "tcplocalnet-0.0.0.0": "none", "nat": "yes"}}
	for i := 0; i < 10; i++ {
		db.Devices = append(db.Devices, DeviceRow{MAC: fmt.Sprintf("00:15:65:4A:00:%02X", i+1), Vendor: "Yealink/Dreamwave", Model: "yealink-T46",
			Extension: fmt.Sprint(201 + i), Line: 1, Secret: SecretCanary})
	}
	for i := 0; i < 5; i++ {
		db.Devices = append(db.Devices, DeviceRow{MAC: fmt.Sprintf("0C:38:3E:2B:00:%02X", i+1), Vendor: "Fanvil", Model: "fanvil-X3U",
			Extension: fmt.Sprint(211 + i), Line: 1, Secret: SecretCanary})
	}
	db.Devices = append(db.Devices, DeviceRow{Extension: "91299", Secret: SecretCanary}, // a custom device
		DeviceRow{Extension: "92201", Type: "webrtc", Secret: SecretCanary})
	db.Trunks = []TrunkRow{{ID: 1, Tech: "pjsip", Name: "MessageNet", PJSIP: map[string]string{"sip_server": "sip.messagenet.it", "sip_server_port": "5060",
		"outbound_proxy": "", "trunk_name": "MessageNet", "username": "0612345678", "secret": SecretCanary}}}
	return db
}

// gatewayTrunk are the pjsip keywords of a trunk the wizard made for a
// gateway port.
func gatewayTrunk(name, gateway string) map[string]string {
	return map[string]string{"sip_server": gateway, "sip_server_port": "5060", "outbound_proxy": "", "trunk_name": name, "secret": SecretCanary}
}

// TancrediDefaults is Tancredi's defaults scope as NS7 writes it, with
// host as the provisioning host ("" leaves the key out) and the phones'
// admin password (the probe must read the host only).
func TancrediDefaults(host string) string {
	ini := "[metadata]\nversion = 1\nscopeType = \"defaults\"\n[data]\nadminpw = \"" + SecretCanary + "\"\nprovisioning_url_scheme = \"https\"\n"
	if host != "" {
		ini += "hostname = \"" + host + "\"\n"
	}
	return ini + "timezone = \"Europe/Rome\"\n"
}
