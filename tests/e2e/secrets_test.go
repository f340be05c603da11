package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/manualcheck"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/tests/ns7world"
)

// The secrets audit (SPEC §9): canaries planted everywhere a secret can
// enter — NS7's bind password (account-provider-test dump and config
// printjson sssd answer it), NS7's database password files, the one-time
// SSH password given to probe-ns7 and run-preflight, the module's
// REDIS_PASSWORD — and searched for in every place the module's work can
// leave a trace: task outputs, task errors (the steps' stderr), the agent
// log, every key of every type on the leader Redis (module/<id>/environment
// among them), the environment file and every file of the state dir
// (agent.env excepted: NS8 keeps REDIS_PASSWORD there).
func TestSecretsNeverLeak(t *testing.T) {
	const (
		otp       = "Canary-OneTime-SSH-0c1d2e3f"
		dbSecret  = "Canary-MariaDB-root-9a8b7c"
		ampSecret = "Canary-AMPDB-4e5f6a"
	)
	v := ns7world.Healthy()
	// Where NS7 keeps database passwords (/root/.my.cnf is outside the
	// world's overlays: these are its siblings NethServer writes).
	v.Files["/var/lib/nethserver/secrets/mysql"] = dbSecret + "\n"
	v.Files["/etc/amportal.conf"] = "AMPDBUSER=freepbxuser\nAMPDBPASS=" + ampSecret + "\n"
	v.Files["/etc/my.cnf.d/client.cnf"] = "[client]\nuser=root\npassword=" + dbSecret + "\n"
	// No key authorized: the one-time password is what logs in.
	e := newNS7Env(t, ns7Scenario{variant: v, noKey: true, opts: ns7world.Options{RootPassword: otp}})
	canaries := map[string]string{
		"one-time SSH password": otp,
		"NS7 bind password":     ns7world.BindPasswordCanary,
		"NS7 database password": dbSecret,
		"FreePBX DB password":   ampSecret,
		"REDIS_PASSWORD":        e.module.Password,
	}
	var texts []string
	run := func(action string, data any) {
		t.Helper()
		res, _ := e.run(t, action, data)
		if res.ExitCode != 0 {
			t.Fatalf("%s: %s", action, res)
		}
		texts = append(texts, action+" output\x00"+res.OutputRaw, action+" error\x00"+res.Error, action+" context\x00"+string(res.Context))
	}
	run("configure-module", map[string]any{
		"ns7": map[string]any{"host": e.ns7.IP}, "fqdns": map[string]any{"nethvoice": voiceFQDN, "cti": ctiFQDN},
		"resolvers": []string{e.dns.addr}, "volumes_path": e.volumes, "ldap_domain": "voice.example.org", "timeout_s": 5,
	})
	run("set-checklist", map[string]any{"item": manualcheck.Items[0].Item, "done": true})
	run("probe-ns7", e.input(map[string]any{"password": otp}))
	run("check-user-domain", nil)
	run("run-preflight", map[string]any{"password": otp})
	run("get-report", nil)
	run("get-configuration", nil)
	if !strings.Contains(e.ns7.Log(), "Accepted password for root") {
		t.Fatalf("the one-time password was not used:\n%s", e.ns7.Log())
	}
	texts = append(texts, "agent log\x00"+e.module.AgentLog())

	// Every key on the leader, whatever its type.
	ctx := context.Background()
	rdb := e.redis.Admin()
	keys, err := rdb.Keys(ctx, "*").Result()
	must(t, err)
	for _, k := range keys {
		var v string
		switch typ := rdb.Type(ctx, k).Val(); typ {
		case "string":
			v = rdb.Get(ctx, k).Val()
		case "hash":
			v = fmt.Sprint(rdb.HGetAll(ctx, k).Val())
		case "list":
			v = fmt.Sprint(rdb.LRange(ctx, k, 0, -1).Val())
		case "set":
			v = fmt.Sprint(rdb.SMembers(ctx, k).Val())
		case "zset":
			v = fmt.Sprint(rdb.ZRangeWithScores(ctx, k, 0, -1).Val())
		case "stream":
			v = fmt.Sprint(rdb.XRange(ctx, k, "-", "+").Val())
		default:
			t.Errorf("Redis key %s of type %q not searched", k, typ)
		}
		texts = append(texts, "Redis key "+k+"\x00"+k+" "+v)
	}
	// The state dir, the environment file among its files.
	must(t, filepath.WalkDir(e.module.StateDir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || d.Name() == "agent.env" {
			return err
		}
		b, err := os.ReadFile(p)
		texts = append(texts, p+"\x00"+string(b))
		return err
	}))
	if len(keys) < 20 {
		t.Fatalf("only %d Redis keys: the audit searched too little", len(keys))
	}
	for name, c := range canaries {
		if len(c) < 12 {
			t.Fatalf("canary %s too short", name)
		}
		for _, s := range texts {
			where, text, _ := strings.Cut(s, "\x00")
			if strings.Contains(text, c) {
				t.Errorf("%s found in %s", name, where)
			}
		}
	}
	t.Logf("%d canaries searched in %d places (%d Redis keys)", len(canaries), len(texts), len(keys))
}
