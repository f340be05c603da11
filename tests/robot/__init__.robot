*** Comments ***
# Robot Framework suite for a REAL NS8 leader node, following NS8's module
# test conventions (ns8-kickstart tests/, run by run-ns8-tests / the
# test-module workflow with NODE_ADDR, IMAGE_URL and SSH_KEYFILE).
#
# IT CANNOT RUN HERE: the development and CI machines of this project have no
# NS8 node, no container registry and no way to install one. Run it against a
# disposable NS8 leader:
#
#   robot -v NODE_ADDR:leader.example.com -v IMAGE_URL:ghcr.io/nethvoice-preflight/nethvoice-preflight:latest \
#         -v SSH_KEYFILE:~/.ssh/id_ecdsa tests/robot

*** Settings ***
Library           SSHLibrary
Suite Setup       Connect to the node
Suite Teardown    Close All Connections

*** Variables ***
${SSH_KEYFILE}    %{HOME}/.ssh/id_ecdsa

*** Keywords ***
Connect to the node
    Open Connection    ${NODE_ADDR}
    Login With Public Key    root    ${SSH_KEYFILE}
    ${output} =    Execute Command    systemctl is-system-running --wait
    Should Be True    '${output}' == 'running' or '${output}' == 'degraded'
