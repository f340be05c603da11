package ns7world

import (
	"testing"
)

// The cost a world's MariaDB adds to its start (copy of the template data
// directory, server start, NS7's tables and the rows loaded), against the
// same world without it: go test -bench WorldStart ./tests/ns7world
// (as root). The numbers are in docs/performance.md.
func BenchmarkWorldStart(b *testing.B) {
	for _, c := range []struct {
		name string
		db   bool
	}{{"stub", false}, {"mariadb", true}} {
		b.Run(c.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				Start(b, UnsupportedGateway(), Options{MariaDB: c.db})
			}
		})
	}
}
