package ns7world

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/ns7sample"
)

// A world with Options.MariaDB runs a real MariaDB server (Debian's
// mariadb-server) for NethVoice's asterisk database: NS7's own table
// definitions (schema.go) loaded with the variant's rows, on a unix socket
// in the world's directory, which the world's /root/.my.cnf names. The
// probe's real inventory queries (phones, gateways, trunks, NAT) reach it
// through the mysql stub; the other queries keep the fixture answers
// (sizes, extensions, the old engine's phones).
//
// Cost: the system tables are created once per machine and MariaDB
// version (a template data directory in the temporary directory, about a
// second); it holds NS7's tables, empty. Each world copies it, starts its
// own server and loads its rows (BenchmarkWorldStart measures it).

// mariaDB is one world's server.
type mariaDB struct {
	dir, socket, cnf string
	cmd              *exec.Cmd
	done             chan struct{}
}

// RequireMariaDB fails when Debian's mariadb-server is not installed.
func RequireMariaDB(t testing.TB) {
	t.Helper()
	for _, c := range []string{"mariadbd", "mariadb-install-db", "mariadb"} {
		if _, err := exec.LookPath(c); err != nil {
			if _, err := os.Stat("/usr/sbin/" + c); err != nil {
				t.Fatalf("%s is not installed (apt-get install mariadb-server; tests/run.sh does it)", c)
			}
		}
	}
}

var template struct {
	once sync.Once
	dir  string
	err  error
}

// templateDir is a data directory with MariaDB's system tables and NS7's
// empty tables (schema.go), made once per machine, server version and
// schema, and reused (renamed into place whole, so a half-made one is
// never used).
func templateDir() (string, error) {
	template.once.Do(func() {
		out, err := exec.Command("mariadbd", "--version").Output()
		if err != nil {
			template.err = fmt.Errorf("mariadbd --version: %v", err)
			return
		}
		sum := sha256.Sum256(append(out, ns7Schema...))
		dir := filepath.Join(os.TempDir(), "ns7world-mariadb-"+hex.EncodeToString(sum[:6]))
		if _, err := os.Stat(filepath.Join(dir, "asterisk")); err == nil {
			template.dir = dir
			return
		}
		template.dir, template.err = makeTemplate(dir)
	})
	return template.dir, template.err
}

// makeTemplate creates the system tables, starts a server on them, creates
// NS7's tables, stops it cleanly and moves the data directory to dir.
func makeTemplate(dir string) (string, error) {
	tmp, err := os.MkdirTemp(os.TempDir(), "ns7world-mariadb-new-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp)
	data := filepath.Join(tmp, "mysql")
	if out, err := exec.Command("mariadb-install-db", "--no-defaults", "--datadir="+data, "--user=root", "--skip-test-db",
		"--auth-root-authentication-method=normal", "--innodb-log-file-size=4M", "--innodb-data-file-path=ibdata1:1M:autoextend").CombinedOutput(); err != nil {
		return "", fmt.Errorf("mariadb-install-db: %v: %s", err, out)
	}
	m, err := serve(tmp, data)
	if err != nil {
		return "", err
	}
	_, err = m.run("", ns7Schema)
	m.stop()
	if err != nil {
		return "", err
	}
	if err := os.Rename(data, dir); err != nil {
		if _, serr := os.Stat(filepath.Join(dir, "asterisk")); serr != nil { // else another process made it first
			return "", err
		}
	}
	return dir, nil
}

// serve starts a server on the data directory data, its socket and logs
// in dir, and waits until it answers.
func serve(dir, data string) (*mariaDB, error) {
	m := &mariaDB{dir: dir, socket: filepath.Join(dir, "mysql.sock"), cnf: filepath.Join(dir, "my.cnf")}
	m.cmd = exec.Command("mariadbd", "--no-defaults", "--datadir="+data, "--socket="+m.socket, "--skip-networking", "--user=root",
		"--pid-file="+filepath.Join(dir, "mysql.pid"), "--log-error="+filepath.Join(dir, "mysql.err"),
		"--innodb-buffer-pool-size=16M", "--innodb-log-file-size=4M", "--skip-name-resolve",
		// A test server: durability costs start time and buys nothing.
		"--innodb-flush-log-at-trx-commit=0", "--innodb-doublewrite=0", "--innodb-flush-method=nosync", "--skip-log-bin")
	if err := m.cmd.Start(); err != nil {
		return nil, err
	}
	m.done = make(chan struct{})
	go func() { m.cmd.Wait(); close(m.done) }()
	if err := m.waitReady(20 * time.Second); err != nil {
		m.stop()
		return nil, err
	}
	return m, nil
}

// startMariaDB copies the template into dir, starts the server and loads
// the variant's rows; the root password is set last.
func startMariaDB(dir string, db *ns7sample.Asterisk) (*mariaDB, error) {
	tpl, err := templateDir()
	if err != nil {
		return nil, err
	}
	data := filepath.Join(dir, "mysql")
	if out, err := exec.Command("cp", "-a", tpl, data).CombinedOutput(); err != nil {
		return nil, fmt.Errorf("cp: %v: %s", err, out)
	}
	m, err := serve(dir, data)
	if err != nil {
		return nil, err
	}
	pw := make([]byte, 12)
	rand.Read(pw)
	password := "Canary-MariaDB-" + hex.EncodeToString(pw)
	sql := loadSQL(db) + fmt.Sprintf("ALTER USER 'root'@'localhost' IDENTIFIED BY '%s';\n", password)
	if _, err := m.run("asterisk", sql); err != nil {
		m.stop()
		return nil, err
	}
	cnf := fmt.Sprintf("[client]\nuser=root\npassword=%s\nsocket=%s\n", password, m.socket)
	if err := os.WriteFile(m.cnf, []byte(cnf), 0o600); err != nil {
		m.stop()
		return nil, err
	}
	return m, nil
}

func (m *mariaDB) waitReady(d time.Duration) error {
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		if _, err := m.run("", "SELECT 1"); err == nil {
			return nil
		}
		select {
		case <-m.done:
			log, _ := os.ReadFile(filepath.Join(m.dir, "mysql.err"))
			return fmt.Errorf("mariadbd exited: %s", log)
		case <-time.After(20 * time.Millisecond):
		}
	}
	return fmt.Errorf("mariadbd did not answer within %s", d)
}

// run runs SQL with the mariadb client (-N -B), as root through the
// socket: without a password before the load, with the world's my.cnf
// after.
func (m *mariaDB) run(db, sql string) (string, error) {
	args := []string{"--no-defaults", "--socket=" + m.socket, "--user=root", "-N", "-B"}
	if _, err := os.Stat(m.cnf); err == nil {
		args = []string{"--defaults-file=" + m.cnf, "-N", "-B"}
	}
	if db != "" {
		args = append(args, db)
	}
	cmd := exec.Command("mariadb", args...)
	cmd.Stdin = strings.NewReader(sql)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return out.String(), fmt.Errorf("mariadb: %v: %s", err, strings.TrimSpace(errb.String()))
	}
	return out.String(), nil
}

// stop ends the server this world started (by its process id).
func (m *mariaDB) stop() {
	if m.cmd == nil || m.cmd.Process == nil {
		return
	}
	m.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-m.done:
	case <-time.After(10 * time.Second):
		m.cmd.Process.Kill()
		<-m.done
	}
}

// SQL runs statements on the world's MariaDB (database asterisk) and
// returns what the client printed (-N -B): what NS8's import would do to
// the dump, run on NS7's own tables.
func (w *World) SQL(sql string) (string, error) {
	if w.db == nil {
		return "", fmt.Errorf("this world has no MariaDB (Options.MariaDB)")
	}
	return w.db.run("asterisk", sql)
}

// q quotes a value for SQL ("" is NULL when null is set).
func q(s string, null bool) string {
	if s == "" && null {
		return "NULL"
	}
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}

// loadSQL inserts the variant's rows: the gateway models in order (ids 1,
// 2, ...), the gateways with explicit ids and their ports in the order the
// demo numbers them (ns7sample AnswerGateways), devices, trunks with their
// pjsip keywords, SIP settings.
func loadSQL(db *ns7sample.Asterisk) string {
	var b strings.Builder
	for _, m := range db.Models() {
		fmt.Fprintf(&b, "INSERT INTO gateway_models (model, manufacturer, tech, n_pri_trunks, n_isdn_trunks, n_fxo_trunks, n_fxs_ext, description) VALUES (%s, %s, %s, %d, %d, %d, %d, %s);\n",
			q(m.Model, false), q(m.Manufacturer, true), q(m.Tech, true), m.PRI, m.ISDN, m.FXO, m.FXS, q(m.Description, true))
	}
	for i, g := range db.Gateways {
		mid := db.ModelID(g.Manufacturer, g.Model)
		if mid == 0 {
			continue
		}
		id := i + 1
		fmt.Fprintf(&b, "INSERT INTO gateway_config (id, model_id, name, ipv4, ipv4_new, gateway, ipv4_green, netmask_green, mac) VALUES (%d, %d, %s, %s, %s, %s, %s, %s, %s);\n",
			id, mid, q(g.Name, true), q(g.IPv4, true), q(g.IPv4New, true), q(g.Gateway, true), q(g.IPv4Green, true), q(g.NetmaskGreen, true), q(g.MAC, true))
		for _, p := range g.ISDN {
			fmt.Fprintf(&b, "INSERT INTO gateway_config_isdn (config_id, trunk, trunknumber, protocol, secret) VALUES (%d, %d, %d, %s, %s);\n", id, p.Trunk, p.TrunkNumber, q(p.Protocol, true), q(p.Secret, true))
		}
		for _, p := range g.PRI {
			fmt.Fprintf(&b, "INSERT INTO gateway_config_pri (config_id, trunk, trunknumber, secret) VALUES (%d, %d, %d, %s);\n", id, p.Trunk, p.TrunkNumber, q(p.Secret, true))
		}
		for _, p := range g.FXO {
			fmt.Fprintf(&b, "INSERT INTO gateway_config_fxo (config_id, trunk, trunknumber, number, secret) VALUES (%d, %d, %d, %s, %s);\n", id, p.Trunk, p.TrunkNumber, q(p.Number, true), q(p.Secret, true))
		}
		for _, p := range g.FXS {
			fmt.Fprintf(&b, "INSERT INTO gateway_config_fxs (config_id, extension, physical_extension, secret) VALUES (%d, %s, %s, %s);\n", id, q(p.Extension, true), q(p.PhysicalExtension, true), q(p.Secret, true))
		}
	}
	for i, d := range db.Devices {
		typ, line := d.Type, d.Line
		if typ == "" {
			typ = "physical"
		}
		if line == 0 {
			line = 1
		}
		fmt.Fprintf(&b, "INSERT INTO rest_devices_phones (id, mac, vendor, model, line, extension, secret, type) VALUES (%d, %s, %s, %s, %d, %s, %s, %s);\n",
			i+1, q(d.MAC, true), q(d.Vendor, true), q(d.Model, true), line, q(d.Extension, true), q(d.Secret, true), q(typ, false))
	}
	for _, t := range db.Trunks {
		dis := "off"
		if t.Disabled {
			dis = "on"
		}
		fmt.Fprintf(&b, "INSERT INTO trunks (trunkid, name, tech, channelid, provider, disabled) VALUES (%d, %s, %s, %s, '', '%s');\n", t.ID, q(t.Name, false), q(t.Tech, false), q(t.Name, false), dis)
		for _, k := range slices.Sorted(maps.Keys(t.PJSIP)) {
			fmt.Fprintf(&b, "INSERT INTO pjsip (id, keyword, data) VALUES (%s, %s, %s);\n", q(strconv.Itoa(t.ID), false), q(k, false), q(t.PJSIP[k], false))
		}
	}
	for _, k := range slices.Sorted(maps.Keys(db.SIPSettings)) {
		fmt.Fprintf(&b, "INSERT INTO sipsettings (keyword, data) VALUES (%s, %s);\n", q(k, false), q(db.SIPSettings[k], false))
	}
	for _, k := range slices.Sorted(maps.Keys(db.KVSipsettings)) {
		fmt.Fprintf(&b, "INSERT INTO kvstore_Sipsettings (`key`, val, type, id) VALUES (%s, %s, NULL, 'noid');\n", q(k, false), q(db.KVSipsettings[k], true))
	}
	return b.String()
}
