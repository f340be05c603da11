package ns7world

// Stub commands for what only NS7 has. Each answers in NS7's real format
// from the variant's fixture data under /var/lib/ns7world (seen only inside
// the world's mount namespace). Every stub first runs stub_enter, which
// leaves a mark (so a test can wait for a command to start) and sleeps
// when the variant makes that command slow.

const stubLib = `D=/var/lib/ns7world
stub_enter() {
	: > "$D/marks/$1"
	if [ -f "$D/slow/$1" ]; then sleep "$(cat "$D/slow/$1")"; fi
}
`

var stubs = map[string]string{
	// rpm -q [--qf FMT] names... | rpm -qf [--] file
	"usr/bin/rpm": `#!/bin/sh
. /var/lib/ns7world/lib.sh
stub_enter rpm
if [ "$1" = "-qf" ]; then
	shift; [ "$1" = "--" ] && shift
	if grep -qxF -- "$1" "$D/rpm-owned" 2>/dev/null; then echo "nethserver-freepbx-14.3.3-1.ns7.noarch"; exit 0; fi
	echo "file $1 is not owned by any package"; exit 1
fi
[ "$1" = "-q" ] && shift
if [ "$1" = "--qf" ]; then shift 2; fi
missing=0
for name in "$@"; do
	if [ "$name" = kernel ]; then cat "$D/kernels"; continue; fi
	line=$(grep "^$name " "$D/rpm-packages")
	if [ -n "$line" ]; then echo "$line"; else echo "package $name is not installed"; missing=$((missing+1)); fi
done
exit $missing
`,
	"usr/bin/yum": `#!/bin/sh
. /var/lib/ns7world/lib.sh
stub_enter yum
cat "$D/yum.out"
exit "$(cat "$D/yum.rc")"
`,
	"usr/bin/systemctl": `#!/bin/sh
. /var/lib/ns7world/lib.sh
stub_enter systemctl
[ "$1" = "is-active" ] || exit 1
shift
rc=0
for u in "$@"; do
	s=$(awk -v u="$u" '$1 == u { print $2 }' "$D/services")
	[ -n "$s" ] || s=inactive
	echo "$s"
	[ "$s" = active ] || rc=3
done
exit $rc
`,
	"usr/bin/ss": `#!/bin/sh
. /var/lib/ns7world/lib.sh
stub_enter ss
cat "$D/ss.out"
`,
	"usr/bin/hostname": `#!/bin/sh
cat /var/lib/ns7world/hostname
`,
	"usr/bin/uname": `#!/bin/sh
if [ "$1" = "-r" ]; then cat /var/lib/ns7world/kernel; else echo Linux; fi
`,
	"usr/sbin/account-provider-test": `#!/bin/sh
. /var/lib/ns7world/lib.sh
stub_enter account-provider-test
[ "$1" = dump ] || exit 1
cat "$D/account-provider.json"
`,
	"usr/sbin/e-smith/config": `#!/bin/sh
. /var/lib/ns7world/lib.sh
stub_enter config
case "$1" in
printjson) [ -f "$D/config/$2.json" ] && cat "$D/config/$2.json"; exit 0 ;;
get) [ -f "$D/config-get/$2" ] && cat "$D/config-get/$2"; exit 0 ;;
esac
exit 1
`,
	// mysql --defaults-file=... -N -B -e "SQL": the answer is chosen by the
	// table the query reads; no fixture file is a MariaDB error. In a world
	// with MariaDB the inventory queries run on the real server.
	"usr/bin/mysql": `#!/bin/sh
. /var/lib/ns7world/lib.sh
stub_enter mysql
sql="" next=""
for a in "$@"; do
	[ -n "$next" ] && { sql="$a"; next=""; }
	[ "$a" = "-e" ] && next=1
done
case "$sql" in
*information_schema*) f=sizes ;;
*rest_devices_phones*) f=phones ;;
*gateway_config*) f=gateways ;;
*asterisk.trunks*) f=trunks ;;
*asterisk.users*) f=extensions ;;
*endpointman_mac_list*) f=legacy ;;
*kvstore_Sipsettings*) f=nat ;;
*) echo "ERROR 1064 (42000): unknown query" >&2; exit 1 ;;
esac
# A world with MariaDB answers the inventory queries from NS7's tables.
if [ -f "$D/mariadb" ]; then
	case "$f" in phones|gateways|trunks|nat) exec /usr/bin/mariadb "$@" ;; esac
fi
if [ ! -f "$D/sql/$f.tsv" ]; then echo "ERROR 1045 (28000): Access denied for user 'root'@'localhost' (using password: YES)" >&2; exit 1; fi
cat "$D/sql/$f.tsv"
`,
	// wg show ns8 latest-handshakes; the fixture holds "<peer> <age s>"
	// (or "never") so that ages are relative to the moment of the probe.
	"usr/bin/wg": `#!/bin/sh
. /var/lib/ns7world/lib.sh
stub_enter wg
if [ ! -f "$D/wg.out" ]; then echo "Unable to access interface: No such device" >&2; exit 1; fi
now=$(date +%s)
while read -r peer age; do
	if [ "$age" = never ]; then printf '%s\t0\n' "$peer"; else printf '%s\t%s\n' "$peer" $((now - age)); fi
done < "$D/wg.out"
`,
}
