package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/ns7sample"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/store"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/tests/ns7world"
)

// Canaries of what the preflight learns on NS7 and must keep private: staff
// names of the extension list, a gateway's and a phone's MAC, a gateway
// address, a trunk's SIP server and the directory's base DN.
var privacyCanaries = map[string]string{
	"extension name":  "Zebedeo Canarino",
	"extension name2": "Quirina Fringuello",
	"MAC":             "00:0C:38:CA:11:AB",
	"phone MAC":       "0C:38:3E:CA:11:AC",
	"gateway address": "10.99.77.41",
	"SIP server":      "sip.canary-carrier.example",
	"base DN":         "dc=zanzibar-canary,dc=nh",
}

func privacyWorld() ns7world.Variant {
	v := ns7world.Healthy()
	c := privacyCanaries
	v.SQL["extensions"] = "201\t" + c["extension name"] + "\n202\t" + c["extension name2"] + "\n203\tCarla Verdi\n"
	v.DB.Gateways = []ns7sample.GatewayConfig{{Name: "gw-office", Manufacturer: "Patton", Model: "TRI_FXO_4", IPv4New: c["gateway address"], MAC: c["MAC"]}}
	v.DB.Devices[0].MAC = c["phone MAC"]
	v.DB.Trunks[0].Name, v.DB.Trunks[0].PJSIP["sip_server"] = "Carrier", c["SIP server"]
	for _, k := range []string{"BaseDN", "UserDN", "GroupDN", "BindDN"} {
		v.Provider[k] = strings.ReplaceAll(v.Provider[k], "dc=directory,dc=nh", c["base DN"])
	}
	return v
}

// reader is a Redis user that is not this module: the passwordless default
// user (every process of every node) or another module.
type reader struct {
	name string
	rdb  *redis.Client
}

// readable is every key a reader can read, with its value as text; denied
// counts the keys it can list but not read (NOPERM).
func readable(ctx context.Context, t *testing.T, r reader) (map[string]string, int) {
	t.Helper()
	out := map[string]string{}
	denied := 0
	var keys []string
	iter := r.rdb.Scan(ctx, 0, "*", 1000).Iterator()
	for iter.Next(ctx) {
		keys = append(keys, iter.Val())
	}
	must(t, iter.Err())
	for _, k := range keys {
		typ, err := r.rdb.Type(ctx, k).Result()
		if err != nil && strings.HasPrefix(err.Error(), "NOPERM") {
			denied++
			continue
		}
		must(t, err)
		var v any
		switch typ {
		case "string":
			v, err = r.rdb.Get(ctx, k).Result()
		case "hash":
			v, err = r.rdb.HGetAll(ctx, k).Result()
		case "list":
			v, err = r.rdb.LRange(ctx, k, 0, -1).Result()
		case "set":
			v, err = r.rdb.SMembers(ctx, k).Result()
		case "zset":
			v, err = r.rdb.ZRangeWithScores(ctx, k, 0, -1).Result()
		case "stream":
			v, err = r.rdb.XRange(ctx, k, "-", "+").Result()
		case "none": // expired between SCAN and TYPE
			continue
		default:
			t.Fatalf("%s: key %s of type %q not read", r.name, k, typ)
		}
		if err != nil && strings.HasPrefix(err.Error(), "NOPERM") {
			denied++
			continue
		}
		must(t, err)
		out[k] = fmt.Sprint(v)
	}
	return out, denied
}

// listen collects every message a reader's PSUBSCRIBE * receives.
func listen(t *testing.T, rdb *redis.Client) func() []string {
	t.Helper()
	ps := rdb.PSubscribe(context.Background(), "*")
	_, err := ps.Receive(context.Background())
	must(t, err)
	var mu sync.Mutex
	var msgs []string
	done := make(chan struct{})
	go func() {
		defer close(done)
		for m := range ps.Channel() {
			mu.Lock()
			msgs = append(msgs, m.Channel+" "+m.Payload)
			mu.Unlock()
		}
	}()
	return func() []string {
		time.Sleep(200 * time.Millisecond) // the last messages in flight
		ps.Close()
		<-done
		mu.Lock()
		defer mu.Unlock()
		return msgs
	}
}

// What the preflight learns stays private (issue 14): the full preflight
// against the NS7 world with canary names, a MAC and addresses; then every
// key that the passwordless default user (leader and replica) and another
// module's user (traefik1) can read, and every message default hears on
// any channel, hold none of them; neither does the agent log (the
// journal). get-report, the admin's view, has them all, and the state
// directory keeps them in files only the module can read.
func TestPreflightKeepsNS7DataPrivate(t *testing.T) {
	e := fullWorld(t, privacyWorld(), 5)
	e.redis.AddModuleUser("traefik1")
	heard := []func() []string{listen(t, e.redis.DefaultClient(e.redis.LeaderAddr())), listen(t, e.redis.DefaultClient(e.redis.ReplicaAddr()))}

	res, rep := e.run(t, "run-preflight", nil)
	if res.ExitCode != 0 {
		t.Fatalf("%s", res)
	}
	if !rep.Ready {
		t.Logf("not ready (not what this test is about): %v", blockingOf(rep))
	}
	ctx := context.Background()
	must(t, e.redis.WaitSync(ctx))
	var msgs []string
	for _, h := range heard {
		msgs = append(msgs, h()...)
	}

	readers := []reader{
		{"default@leader", e.redis.DefaultClient(e.redis.LeaderAddr())},
		{"default@replica", e.redis.DefaultClient(e.redis.ReplicaAddr())},
		{"module/traefik1@leader", e.redis.ModuleClient(e.redis.LeaderAddr(), "traefik1")},
		{"module/traefik1@replica", e.redis.ModuleClient(e.redis.ReplicaAddr(), "traefik1")},
	}
	own := "module/" + moduleID + "/"
	for _, r := range readers {
		vals, denied := readable(ctx, t, r)
		if _, ok := vals[own+"environment"]; !ok || len(vals) < 20 {
			t.Fatalf("%s read %d keys, not the module's environment: the test reads too little", r.name, len(vals))
		}
		for k, v := range vals {
			if strings.HasPrefix(k, own+"preflight/") {
				t.Errorf("%s reads %s: only the run lock may be kept in Redis, and only while a run runs", r.name, k)
			}
			for what, c := range privacyCanaries {
				if strings.Contains(k+" "+v, c) {
					t.Errorf("%s reads the %s %q in key %s", r.name, what, c, k)
				}
			}
		}
		t.Logf("%s: %d keys read, %d listed but not readable", r.name, len(vals), denied)
	}
	event := false
	for _, m := range msgs {
		event = event || strings.HasPrefix(m, own+"event/preflight-completed ")
		for what, c := range privacyCanaries {
			if strings.Contains(m, c) {
				t.Errorf("the default user heard the %s on %s", what, m)
			}
		}
	}
	if !event || strings.Contains(strings.Join(msgs, "\n"), `"user"`) {
		t.Errorf("the event (counts only, no user) was not heard as expected: %q", msgs)
	}
	for what, c := range privacyCanaries {
		if strings.Contains(e.module.AgentLog(), c) {
			t.Errorf("the %s is in the agent log (the journal)", what)
		}
	}
	// The task output (the report) is in Redis for the admin and the
	// module, under task/module/<id>/...: the readers above were denied it.
	tasks, err := e.redis.Admin().Keys(ctx, "task/"+own+"*/output").Result()
	must(t, err)
	if len(tasks) == 0 {
		t.Fatal("no task output key: the denied count proves nothing")
	}

	// The admin's view has them all.
	gr, _ := e.run(t, "get-report", nil)
	if gr.ExitCode != 0 {
		t.Fatalf("%s", gr)
	}
	for what, c := range privacyCanaries {
		if !strings.Contains(gr.OutputRaw, c) {
			t.Errorf("get-report lacks the %s %q", what, c)
		}
	}
	checkPrivateFiles(t, filepath.Join(e.module.StateDir, store.Dir))
}

// checkPrivateFiles fails unless dir and everything under it is the
// module's alone: directories 0700, files 0600.
func checkPrivateFiles(t *testing.T, dir string) {
	t.Helper()
	n := 0
	must(t, filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		want := os.FileMode(0o600)
		if d.IsDir() {
			want = 0o700
		}
		if info.Mode().Perm() != want {
			t.Errorf("%s: mode %v, want %v", p, info.Mode().Perm(), want)
		}
		n++
		return nil
	}))
	if n < 5 {
		t.Errorf("only %d entries under %s", n, dir)
	}
}
