package harness

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"time"
)

// ScriptResult is how one update-module.d script ended.
type ScriptResult struct {
	Name     string
	ExitCode int
}

// UpdateResult is what RunUpdateScripts did; Output is the scripts' stdout
// and stderr (sent to the journal on a node).
type UpdateResult struct {
	Scripts []ScriptResult
	Output  string
}

// RunUpdateScripts runs the module's update-module.d scripts as ns8-core's
// update-module step 50run_scriptdir does (notes: ns8-native-research.md
// §4): every entry of AGENT_INSTALL_DIR/update-module.d in name order,
// non-executable ones skipped; the step environment (agent.env, the
// environment file re-read, AGENT_TASK_*), cwd the state dir; stdin the
// update-module request, shared by all (the first reader consumes it);
// stdout sent to stderr; a script that fails is logged ("<4>... has
// failed") and the next one runs: a script cannot fail the update.
func (m *Module) RunUpdateScripts(ctx context.Context, moduleURL string) (UpdateResult, error) {
	var res UpdateResult
	dir := filepath.Join(m.InstallDir, "update-module.d")
	ents, err := os.ReadDir(dir)
	if err != nil {
		return res, err
	}
	names := make([]string, 0, len(ents))
	for _, e := range ents {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	task := &Task{ID: newUUID(), Action: "update-module", Data: map[string]any{"module_url": moduleURL, "force": false},
		User: "admin", Queue: m.AgentID() + "/tasks", Timestamp: time.Now().UTC()}
	env, err := m.stepEnv(task)
	if err != nil {
		return res, err
	}
	stdin, err := requestFile(task.Data)
	if err != nil {
		return res, err
	}
	defer stdin.Close()
	var out bytes.Buffer
	for _, name := range names {
		path := filepath.Join(dir, name)
		if st, err := os.Stat(path); err != nil || st.IsDir() || st.Mode()&0o111 == 0 {
			m.log.printf("<7>Skipping non-executable %s", path)
			continue
		}
		cmd := exec.CommandContext(ctx, path)
		cmd.Dir, cmd.Env, cmd.Stdin = m.StateDir, env, stdin
		cmd.Stdout, cmd.Stderr = &out, &out
		err := cmd.Run()
		code := cmd.ProcessState.ExitCode()
		if err != nil && code <= 0 {
			return res, fmt.Errorf("%s: %w", name, err)
		}
		if code != 0 {
			m.log.printf("<4>%s has failed with exit code %d", path, code)
		}
		res.Scripts = append(res.Scripts, ScriptResult{Name: name, ExitCode: code})
	}
	res.Output = out.String()
	m.log.printf("%s", res.Output)
	return res, nil
}

// requestFile is the request as an open file at offset 0, to be shared as
// stdin by every script.
func requestFile(data any) (*os.File, error) {
	raw, err := json.Marshal(data)
	if err != nil {
		return nil, err
	}
	f, err := os.CreateTemp("", "update-request-")
	if err != nil {
		return nil, err
	}
	os.Remove(f.Name()) // open until closed
	_, err = f.Write(raw)
	if err == nil {
		_, err = f.Seek(0, 0)
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}
