// Package node measures the node the module runs on: CPU count, memory
// and the free space of the filesystem that holds module volumes. It only
// collects facts; nodecheck judges them.
package node

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// Facts are the measurements of one node.
type Facts struct {
	CPUs          int    `json:"cpus"`
	MemTotalBytes uint64 `json:"mem_total_bytes"`
	VolumesPath   string `json:"volumes_path"`  // the path asked for
	MeasuredPath  string `json:"measured_path"` // the existing path statfs measured
	DiskFreeBytes uint64 `json:"disk_free_bytes"`
	DiskSizeBytes uint64 `json:"disk_size_bytes"`
}

// Measurer reads from a proc tree (normally /proc).
type Measurer struct {
	ProcRoot string
}

// Measure collects the facts. ctx bounds statfs, which can hang on a dead
// network filesystem.
func (m Measurer) Measure(ctx context.Context, volumesPath string) (Facts, error) {
	proc := m.ProcRoot
	if proc == "" {
		proc = "/proc"
	}
	var f Facts
	raw, err := os.ReadFile(filepath.Join(proc, "cpuinfo"))
	if err != nil {
		return f, fmt.Errorf("read cpuinfo: %w", err)
	}
	if f.CPUs, err = ParseCPUInfo(raw); err != nil {
		return f, err
	}
	raw, err = os.ReadFile(filepath.Join(proc, "meminfo"))
	if err != nil {
		return f, fmt.Errorf("read meminfo: %w", err)
	}
	if f.MemTotalBytes, err = ParseMemTotal(raw); err != nil {
		return f, err
	}
	f.VolumesPath = volumesPath
	f.MeasuredPath = nearestExisting(volumesPath)
	var st unix.Statfs_t
	if err := unix.Statfs(f.MeasuredPath, &st); err != nil {
		return f, fmt.Errorf("statfs %s: %w", f.MeasuredPath, err)
	}
	f.DiskFreeBytes = st.Bavail * uint64(st.Bsize)
	f.DiskSizeBytes = st.Blocks * uint64(st.Bsize)
	return f, ctx.Err()
}

// nearestExisting walks up to the closest existing directory: the volumes
// directory of a module not installed yet does not exist, but its
// filesystem does.
func nearestExisting(p string) string {
	p = filepath.Clean(p)
	for {
		if _, err := os.Stat(p); err == nil || p == "/" {
			return p
		}
		p = filepath.Dir(p)
	}
}

// DefaultVolumesPath is where a rootless module's volumes live: under the
// home directory of the module's user, itself under the home base directory
// shared with the future NethVoice module. HOME is the preflight module's.
func DefaultVolumesPath() string {
	if h := os.Getenv("HOME"); h != "" && h != "/" {
		return filepath.Dir(h)
	}
	return "/home"
}

// ParseCPUInfo counts the "processor" entries of /proc/cpuinfo.
func ParseCPUInfo(raw []byte) (int, error) {
	n := 0
	sc := bufio.NewScanner(bytes.NewReader(raw))
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	for sc.Scan() {
		k, _, ok := strings.Cut(sc.Text(), ":")
		if ok && strings.TrimSpace(k) == "processor" {
			n++
		}
	}
	if n == 0 {
		return 0, errors.New("cpuinfo lists no processor")
	}
	return n, nil
}

// ParseMemTotal reads MemTotal (kB) from /proc/meminfo, in bytes.
func ParseMemTotal(raw []byte) (uint64, error) {
	sc := bufio.NewScanner(bytes.NewReader(raw))
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok || strings.TrimSpace(k) != "MemTotal" {
			continue
		}
		fields := strings.Fields(v)
		if len(fields) == 0 {
			return 0, errors.New("meminfo: MemTotal has no value")
		}
		kb, err := strconv.ParseUint(fields[0], 10, 64)
		if err != nil {
			return 0, fmt.Errorf("meminfo: MemTotal %q: %w", fields[0], err)
		}
		if len(fields) > 1 && fields[1] != "kB" {
			return 0, fmt.Errorf("meminfo: MemTotal unit %q, expected kB", fields[1])
		}
		if kb > (1<<64-1)/1024 {
			return 0, errors.New("meminfo: MemTotal out of range")
		}
		return kb * 1024, nil
	}
	return 0, errors.New("meminfo has no MemTotal line")
}
