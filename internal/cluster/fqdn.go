package cluster

import (
	"context"
	"errors"
	"fmt"
	"sort"

	"github.com/redis/go-redis/v9"
)

// NethVoiceInstance is an installed NethVoice module and the host names it
// is configured with (module/<id>/environment, ns8-nethvoice
// configure-module/20setenvs).
type NethVoiceInstance struct {
	ID        string `json:"id"`
	Node      string `json:"node"`
	Host      string `json:"nethvoice_host,omitempty"`  // NETHVOICE_HOST: admin and wizard
	CTIHost   string `json:"nethcti_ui_host,omitempty"` // NETHCTI_UI_HOST
	ProxyFQDN string `json:"proxy_fqdn,omitempty"`      // NETHVOICE_PROXY_FQDN
}

// NethVoiceImage is the image name of NethVoice modules.
const NethVoiceImage = "nethvoice"

// readNethVoice reads the host names of every NethVoice instance in one
// pipelined round trip, sorted by module id. The environment hashes are
// readable by the default user, as IMAGE_URL is.
func (s *Snapshot) readNethVoice(ctx context.Context, rdb *redis.Client) error {
	var ids []string
	for id, m := range s.Modules {
		if m.Image == NethVoiceImage {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	if len(ids) == 0 {
		return nil
	}
	fields := []string{"NETHVOICE_HOST", "NETHCTI_UI_HOST", "NETHVOICE_PROXY_FQDN"}
	pipe := rdb.Pipeline()
	cmds := make([]*redis.SliceCmd, len(ids))
	for i, id := range ids {
		cmds[i] = pipe.HMGet(ctx, "module/"+id+"/environment", fields...)
	}
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return fmt.Errorf("read NethVoice environments: %w", err)
	}
	s.NethVoice = make([]NethVoiceInstance, len(ids))
	for i, id := range ids {
		vals, _ := cmds[i].Result()
		str := func(j int) string {
			if j < len(vals) {
				v, _ := vals[j].(string)
				return v
			}
			return ""
		}
		s.NethVoice[i] = NethVoiceInstance{ID: id, Node: s.Modules[id].Node, Host: str(0), CTIHost: str(1), ProxyFQDN: str(2)}
	}
	return nil
}
