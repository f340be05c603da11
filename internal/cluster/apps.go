package cluster

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/redis/go-redis/v9"
	"golang.org/x/mod/semver"

	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/repodata"
)

// Image names of the modules a NethVoice migration installs.
const ProxyImage = "nethvoice-proxy"

// App is the newest stable release of an image in the Software Center's
// repositories, with the labels the core decides installability on
// (ns8-core cluster/modules.py: org.nethserver.min-core against the node's
// core, org.nethserver.max-per-node against its instances).
type App struct {
	Image      string `json:"image"`
	Version    string `json:"version"`
	MinCore    string `json:"min_core,omitempty"`
	MaxPerNode int    `json:"max_per_node,omitempty"`
	Repository string `json:"repository"`
}

// appImages are the images whose metadata is kept.
var appImages = []string{ProxyImage, NethVoiceImage}

// readRepositories reads the repository metadata the core caches
// (cluster/repository_cache/<name> field data: the repository's
// repodata.json, fetched when the Software Center or list-modules last
// ran). A cache that is missing or damaged leaves Apps without that image:
// the checks say the value is unknown.
func (s *Snapshot) readRepositories(ctx context.Context, rdb *redis.Client) error {
	keys, err := scanAll(ctx, rdb, "cluster/repository_cache/*")
	if err != nil {
		return fmt.Errorf("list repository caches: %w", err)
	}
	if len(keys) == 0 {
		return nil
	}
	pipe := rdb.Pipeline()
	data := make([]*redis.StringCmd, len(keys))
	for i, k := range keys {
		data[i] = pipe.HGet(ctx, k, "data")
	}
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return fmt.Errorf("read repository caches: %w", err)
	}
	for i, k := range keys {
		raw, _ := data[i].Result()
		repo := strings.TrimPrefix(k, "cluster/repository_cache/")
		for _, a := range ParseRepodata([]byte(raw), repo) {
			if cur, ok := s.Apps[a.Image]; !ok || CompareVersions(a.Version, cur.Version) > 0 {
				if s.Apps == nil {
					s.Apps = map[string]App{}
				}
				s.Apps[a.Image] = a
			}
		}
	}
	return nil
}

// ParseRepodata reads a repodata.json (ns8-core repodata-schema.json: an
// array of {id, source, versions:[{tag, testing, labels}]}) and returns the
// newest stable (non-testing, semver) release of each image of interest. A
// damaged document gives nothing.
func ParseRepodata(raw []byte, repo string) []App {
	var entries []repodata.Entry
	if json.Unmarshal(raw, &entries) != nil {
		return nil
	}
	var out []App
	for _, e := range entries {
		image := e.ID
		if image == "" {
			image = ImageName(e.Source)
		}
		if !slices.Contains(appImages, image) {
			continue
		}
		var best *App
		for _, v := range e.Versions {
			if v.Testing || !repodata.ValidTag(v.Tag) || repodata.Prerelease(v.Tag) {
				continue
			}
			if best == nil || CompareVersions(v.Tag, best.Version) > 0 {
				a := App{Image: image, Version: v.Tag, MinCore: v.Labels["org.nethserver.min-core"], Repository: repo}
				fmt.Sscan(v.Labels["org.nethserver.max-per-node"], &a.MaxPerNode) //nolint:errcheck // absent: no limit
				best = &a
			}
		}
		if best != nil {
			out = append(out, *best)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Image < out[j].Image })
	return out
}

// CompareVersions compares two semantic versions as NS8 does (semver;
// "3.17.0-0" is a pre-release of 3.17.0). It returns -1, 0 or +1; a version
// that is not semver sorts before every valid one.
func CompareVersions(a, b string) int {
	return semver.Compare("v"+strings.TrimPrefix(a, "v"), "v"+strings.TrimPrefix(b, "v"))
}

// ValidVersion reports whether v is a semantic version.
func ValidVersion(v string) bool { return semver.IsValid("v" + strings.TrimPrefix(v, "v")) }
