package ns7sample

import (
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// MaxSample bounds the zeros a throughput sample may ask for.
const MaxSample = 64 << 20

// Exec answers one command of an SSH session the way NS7's shell would
// for the commands the probe sends (internal/ns7): the batch (bash -c
// '<script>', each command framed by the script's markers with its exit
// code) and the throughput sample (timeout N head -c BYTES /dev/zero). It
// writes the two streams and returns the exit status; anything else is
// refused as bash refuses an unknown command.
func (v Variant) Exec(command string, now time.Time, stdout, stderr io.Writer) int {
	if n, ok := sampleBytes(command); ok {
		return writeZeros(stdout, n)
	}
	nonce, cmds, err := ParseBatch(command)
	if err != nil {
		fmt.Fprintf(stderr, "bash: %v\n", err)
		return 127
	}
	for _, c := range cmds {
		a := v.Answer(c.ID, c.Argv, now)
		// What the script prints around each command (ns7.Script).
		fmt.Fprintf(stdout, "\n%s begin %s\n%s", nonce, c.ID, a.Stdout)
		fmt.Fprintf(stderr, "%s begin %s\n%s", nonce, c.ID, a.Stderr)
		fmt.Fprintf(stdout, "\n%s end %s %d\n", nonce, c.ID, a.Exit)
	}
	return 0
}

var sampleRe = regexp.MustCompile(`^timeout [0-9]+ head -c ([0-9]+) /dev/zero$`)

func sampleBytes(command string) (int64, bool) {
	m := sampleRe.FindStringSubmatch(command)
	if m == nil {
		return 0, false
	}
	n, err := strconv.ParseInt(m[1], 10, 64)
	return min(n, MaxSample), err == nil
}

func writeZeros(w io.Writer, n int64) int {
	buf := make([]byte, 64<<10)
	for n > 0 {
		k := min(n, int64(len(buf)))
		if _, err := w.Write(buf[:k]); err != nil {
			return 141 // SIGPIPE, as head would end
		}
		n -= k
	}
	return 0
}

// BatchCommand is one command of the probe's batch: its id and its
// argument vector (a Shell snippet is sh -c <snippet>).
type BatchCommand struct {
	ID   string
	Argv []string
}

var beginRe = regexp.MustCompile(`^printf '\\n(\S+) begin (\S+)\\n'; `)

// ParseBatch reads the command the probe sends for its batch: bash -c
// followed by the script of ns7.Script, quoted. It returns the script's
// nonce and its commands in order.
func ParseBatch(command string) (string, []BatchCommand, error) {
	words, err := SplitWords(command)
	if err != nil {
		return "", nil, err
	}
	if len(words) != 3 || words[0] != "bash" || words[1] != "-c" {
		return "", nil, fmt.Errorf("%.40q: command not found", command)
	}
	var nonce string
	var cmds []BatchCommand
	lines := strings.Split(words[2], "\n")
	for i := 0; i < len(lines); i++ {
		m := beginRe.FindStringSubmatch(lines[i])
		if m == nil || i+1 >= len(lines) {
			continue
		}
		nonce = m[1]
		argv, err := SplitWords(strings.TrimSuffix(lines[i+1], " </dev/null"))
		if err != nil {
			return "", nil, err
		}
		// timeout -k 2 <seconds> argv...
		if len(argv) < 5 || argv[0] != "timeout" {
			return "", nil, fmt.Errorf("command %s is not run under timeout", m[2])
		}
		cmds = append(cmds, BatchCommand{ID: m[2], Argv: argv[4:]})
		i++
	}
	if nonce == "" {
		return "", nil, errors.New("no framed command in the script")
	}
	return nonce, cmds, nil
}

// SplitWords splits a command line into words as a POSIX shell does for
// the quoting the probe uses: blanks separate words, single quotes keep
// everything, double quotes keep everything but \" \\ \$ \` , a backslash
// outside quotes keeps the next character. Operators are not recognized.
func SplitWords(s string) ([]string, error) {
	var words []string
	var cur strings.Builder
	inWord := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n':
			if inWord {
				words, inWord = append(words, cur.String()), false
				cur.Reset()
			}
			continue
		case c == '\'':
			j := strings.IndexByte(s[i+1:], '\'')
			if j < 0 {
				return nil, errors.New("unterminated single quote")
			}
			cur.WriteString(s[i+1 : i+1+j])
			i += j + 1
		case c == '"':
			n, err := doubleQuoted(s[i+1:], &cur)
			if err != nil {
				return nil, err
			}
			i += n + 1
		case c == '\\' && i+1 < len(s):
			i++
			cur.WriteByte(s[i])
		default:
			cur.WriteByte(c)
		}
		inWord = true
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words, nil
}

// doubleQuoted copies a double-quoted string's content up to its closing
// quote and returns how many bytes it read (without the closing quote).
func doubleQuoted(s string, cur *strings.Builder) (int, error) {
	for j := 0; j < len(s); j++ {
		switch {
		case s[j] == '"':
			return j, nil
		case s[j] == '\\' && j+1 < len(s) && strings.IndexByte("\"\\$`", s[j+1]) >= 0:
			j++
			cur.WriteByte(s[j])
		default:
			cur.WriteByte(s[j])
		}
	}
	return 0, errors.New("unterminated double quote")
}
