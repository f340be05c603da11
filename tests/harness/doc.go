// Package harness emulates, for end-to-end tests, what an NS8 leader does
// around the nethvoice-preflight module (reference/ns8-platform.md §2-5):
//
//   - StartRedis: a leader redis-server and a replica that follows it
//     (authenticated as node/1), on free loopback ports, with NS8's ACL
//     users (cluster, default, api-server, node/1, and module/<id> through
//     AddModuleUser) applied on both, since replicas do not replicate ACLs.
//   - DefaultCluster / Cluster.Apply: a realistic cluster seed, changeable
//     before it is written.
//   - InstallModule: AGENT_INSTALL_DIR and AGENT_STATE_DIR as the node's
//     add-module lays them out, and a module agent that pops
//     module/<id>/tasks and runs action steps as ns8-core's agent does
//     (schemas, stdin, fd 3, environment layers, progress, result keys).
//   - Module.Run / Submit: api-cli's direct-Redis client (subscribe to the
//     progress channel, LPUSH as cluster, wait for output/error/exit_code).
//   - Module.RunUpdateScripts: the module side of an update, as ns8-core's
//     update-module step 50run_scriptdir runs imageroot/update-module.d.
//
// # The default cluster
//
// Node 1 is the leader (cluster/environment NODE_ID=1), node 2 a worker;
// cluster/network is 10.5.4.0/24, cluster/node_sequence 2.
//
//	node/1/vpn  ip_address 10.5.4.1  endpoint leader.example.test:55820  ui_name leader
//	node/2/vpn  ip_address 10.5.4.2  endpoint node2.example.test:55820   ui_name worker
//
// Modules (cluster/module_node, cluster/module_uuid, module/<id>/environment
// with MODULE_ID NODE_ID MODULE_UUID IMAGE_URL IMAGE_ID IMAGE_DIGEST
// IMAGE_REOPODIGEST, module/<id>/flags (rootless or rootfull, plus
// core_module, account_provider, file_server, no_data_backup as the images
// declare them), node/<n>/default_instance/<image> and
// cluster/default_instance/<image> for the first instance of each image):
//
//	traefik1              node 1  hosts {leader.example.test, mail.example.test}
//	traefik2              node 2  hosts {node2.example.test, cloud.example.test}
//	nethvoice-proxy1      node 1  configured: KML_DEFAULT_FQDN=proxy.example.test,
//	                              PUBLIC_IP=198.51.100.10; srv/tcp/sip and srv/udp/sip
//	                              {port 5060, host 10.5.4.1, address HostAddress() (this
//	                              machine, measured as node 1), public_address
//	                              198.51.100.10, fqdn proxy.example.test, node 1, module_uuid}
//	openldap1             node 1  internal rfc2307 domain directory.example.test,
//	                              srv/tcp/ldap host 10.5.4.1 port 20003 tls off;
//	                              user_domain directory.example.test
//	samba1                node 2  internal AD domain ad.example.test,
//	                              srv/tcp/ldap host 10.5.4.2 port 636 tls on
//	nethvoice-preflight1  node 1  the module under test (roles owner/reader/selfadm)
//
// Nodes 1 and 2 run core 3.20.1 (node/<n>/environment IMAGE_URL); the
// default repository's cached metadata (cluster/repository_cache/default)
// lists nethvoice 1.7.7 and nethvoice-proxy 1.7.1 with their labels.
//
// External LDAP domain corp.example.test: cluster/user_domain/ldap/corp.example.test/conf
// {schema rfc2307, base_dn dc=corp,dc=example,dc=test, bind_dn, bind_password,
// tls on, tls_verify on}, providers [ldap.corp.example.test:636], ui_names.
//
// Users: admin (user/admin display_name; roles/admin owner of cluster, of
// every node and every module). The module and default Redis users cannot
// read user/* or roles/*, as on NS8.
//
// Variants: Cluster.RemoveProxy, Cluster.UnconfigureProxy (fqdn
// 12345.ns8.invalid, addresses 127.0.0.1, as the proxy's create-module leaves
// it), Cluster.AddNS7MigrationNode (node 3, flags {nomodules}, VPN record,
// no endpoint), Cluster.AddStaleNS7Admin(n) (user/ns7admin<n>,
// roles/ns7admin<n> cluster=owner), plus AddModule, RemoveModule and Extra
// for anything else.
//
// # What the agent emulator does not do
//
// It has one actions directory (no base actions from /usr/local/agent: no
// restic behind restore-module, no image pull behind update-module), no
// builtin list-actions or cancel-task actions (Module.Cancel stands in), no
// MAX_CONCURRENCY limit (exit 11), no event handlers, no systemd or journald
// (Module.AgentLog collects the agent's messages and every step's stderr),
// no api-server (no HTTP, JWT or role checks: tasks are pushed as cluster).
// Its BRPOP timeout is 1 s instead of 5 s, and a step still alive 5 s after
// SIGTERM gets SIGKILL so that tests cannot hang.
package harness
