package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/manualcheck"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/report"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/tests/harness"
)

// The agent runs up to 32 tasks at once: concurrent configure-module and
// check-node tasks leave a whole environment file (every task's key kept,
// since each sets its own) and a whole stored report.
func TestConcurrentTasksKeepStateWhole(t *testing.T) {
	w := newWorld(t, bigNode, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	if res, _ := w.run(t, "configure-module", map[string]any{"ns7": map[string]any{"host": "ns7.example.test"}, "volumes_path": w.volumes}); res.ExitCode != 0 {
		t.Fatalf("%s", res)
	}
	var pend []*harness.Pending
	for i := 0; i < 32; i++ {
		var p *harness.Pending
		var err error
		if i%4 == 3 {
			p, err = w.module.Submit(ctx, "check-node", nil)
		} else {
			// Each writer touches a different setting and the shared ignore list.
			data := map[string]any{"ignore": []map[string]string{{"id": "node.cpu", "reason": fmt.Sprintf("writer %d", i)}}}
			switch i % 3 {
			case 0:
				data["ldap_domain"] = fmt.Sprintf("d%d.example.test", i)
			case 1:
				data["fqdns"] = map[string]any{"cti": fmt.Sprintf("cti%d.example.test", i)}
			case 2:
				data["timeout_s"] = 5 + i
			}
			p, err = w.module.Submit(ctx, "configure-module", data)
		}
		must(t, err)
		pend = append(pend, p)
	}
	var mu sync.Mutex
	var failed []string
	var wg sync.WaitGroup
	for _, p := range pend {
		wg.Add(1)
		go func(p *harness.Pending) {
			defer wg.Done()
			res, err := p.Wait(ctx)
			if err != nil || res.ExitCode != 0 {
				mu.Lock()
				failed = append(failed, fmt.Sprint(err, res))
				mu.Unlock()
			}
		}(p)
	}
	wg.Wait()
	if len(failed) > 0 {
		t.Fatalf("%d tasks failed: %s", len(failed), failed[0])
	}
	env := w.module.Environment()
	if env["NS7_HOST"] != "ns7.example.test" || env["VOLUMES_PATH"] != w.volumes || env["MODULE_ID"] != moduleID {
		t.Fatalf("a key was lost: %v", env)
	}
	if !strings.HasPrefix(env["LDAP_DOMAIN"], "d") || !strings.HasPrefix(env["CTI_FQDN"], "cti") || env["TIMEOUT_S"] == "" {
		t.Fatalf("a writer's key is missing: %v", env)
	}
	var ign []report.Ignore
	if err := json.Unmarshal([]byte(env["PREFLIGHT_IGNORE"]), &ign); err != nil || len(ign) != 1 {
		t.Fatalf("ignore list damaged: %q", env["PREFLIGHT_IGNORE"])
	}
	if rep, err := openStore(t, w.module).Last("check-node"); err != nil || rep == nil || rep.Action != "check-node" {
		t.Fatalf("stored report damaged: %v %+v", err, rep)
	}
}

// A full state dir: configure-module fails with a clear message and the
// environment file is left as it was.
func TestConfigureModuleFullDisk(t *testing.T) {
	requireRoot(t)
	state := t.TempDir()
	must(t, exec.Command("mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", state).Run())
	t.Cleanup(func() { exec.Command("umount", "-l", state).Run() }) //nolint:errcheck
	before := "MODULE_ID=" + moduleID + "\nNS7_HOST=ns7.example.test\n"
	must(t, os.WriteFile(filepath.Join(state, "environment"), []byte(before), 0o644))
	// Fill the filesystem.
	f, err := os.Create(filepath.Join(state, "filler"))
	must(t, err)
	buf := make([]byte, 4096)
	for {
		if _, err := f.Write(buf); err != nil {
			break
		}
	}
	f.Close()
	cmd := exec.Command(harness.Binary(t), "configure-module", "--data", `{"ignore":[{"id":"node.cpu","reason":"`+strings.Repeat("r", 400)+`"}],"ldap_domain":"voice.example.test"}`)
	cmd.Env = []string{"AGENT_STATE_DIR=" + state, "AGENT_ID=module/" + moduleID}
	out, err := cmd.CombinedOutput()
	ee, ok := err.(*exec.ExitError)
	if !ok || ee.ExitCode() != 1 || !strings.Contains(string(out), "no space left on device") {
		t.Fatalf("exit %v: %s", err, out)
	}
	after, _ := os.ReadFile(filepath.Join(state, "environment"))
	if string(after) != before {
		t.Fatalf("environment changed: %q", after)
	}
	if ents, _ := filepath.Glob(filepath.Join(state, ".environment.tmp-*")); len(ents) != 0 {
		t.Fatalf("temp files left: %v", ents)
	}
}

// 32 tasks at once on the preflight state: every checklist item ticked by
// its own set-checklist task while check-node tasks replace their last
// report and get-report tasks read: no tick is lost, no read fails or sees
// a torn file, and no temp file is left in the state directory.
func TestConcurrentTasksKeepPreflightStateWhole(t *testing.T) {
	w := newWorld(t, bigNode, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	if res, _ := w.run(t, "configure-module", map[string]any{"volumes_path": w.volumes}); res.ExitCode != 0 {
		t.Fatalf("%s", res)
	}
	var pend []*harness.Pending
	items := manualcheck.Items
	for i := 0; i < 32; i++ {
		var p *harness.Pending
		var err error
		switch {
		case i < len(items):
			p, err = w.module.Submit(ctx, "set-checklist", map[string]any{"item": items[i].Item, "done": true, "note": fmt.Sprintf("writer %d", i)})
		case i%2 == 0:
			p, err = w.module.Submit(ctx, "check-node", nil)
		default:
			p, err = w.module.Submit(ctx, "get-report", nil)
		}
		must(t, err)
		pend = append(pend, p)
	}
	for _, p := range pend {
		res, err := p.Wait(ctx)
		if err != nil || res.ExitCode != 0 {
			t.Fatalf("a task failed: %v %s", err, res)
		}
	}
	v := w.getReport(t, nil)
	for i, m := range items {
		if e := v.Checklist[m.Item]; !e.Done || e.Note != fmt.Sprintf("writer %d", i) {
			t.Errorf("item %s lost or mixed up: %+v", m.Item, e)
		}
	}
	if rep, err := openStore(t, w.module).Last("check-node"); err != nil || rep == nil || rep.Action != "check-node" {
		t.Fatalf("stored report damaged: %v %+v", err, rep)
	}
	must(t, filepath.WalkDir(w.module.StateDir, func(p string, d os.DirEntry, err error) error {
		if err == nil && strings.Contains(d.Name(), ".tmp-") {
			t.Errorf("temp file left: %s", p)
		}
		return err
	}))
}
