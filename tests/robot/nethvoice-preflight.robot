*** Comments ***
# See __init__.robot: needs a real NS8 leader; it cannot run in this
# project's CI.

*** Settings ***
Library    SSHLibrary
Library    Collections
Library    OperatingSystem

*** Keywords ***
Run task
    [Arguments]    ${action}    ${data}=null    ${rc_expected}=0
    ${out}    ${err}    ${rc} =    Execute Command
    ...    api-cli run module/${module_id}/${action} --data '${data}'
    ...    return_rc=True    return_stderr=True
    Should Be Equal As Integers    ${rc}    ${rc_expected}    ${err}
    RETURN    ${out}

*** Test Cases ***
Check if the module is installed correctly
    ${output}    ${rc} =    Execute Command    add-module ${IMAGE_URL} 1
    ...    return_rc=True
    Should Be Equal As Integers    ${rc}    0
    &{output} =    Evaluate    ${output}
    Set Suite Variable    ${module_id}    ${output.module_id}

The module has its SSH key
    ${out} =    Run task    get-configuration
    &{cfg} =    Evaluate    json.loads('''${out}''')    json
    Should Start With    ${cfg.ssh_public_key}    ssh-ed25519

Bad input is refused as the agent refuses it
    Run task    configure-module    {"bogus": 1}    rc_expected=10

Configure the module
    Run task    configure-module    {"fqdns": {"nethvoice": "voice.example.com", "cti": "cti.example.com"}, "timeout_s": 5}

The node is checked
    ${out} =    Run task    check-node
    Should Contain    ${out}    "action": "check-node"
    Should Contain    ${out}    "cluster.redis"

The whole preflight runs and is stored
    ${out} =    Run task    run-preflight
    Should Contain    ${out}    "action": "run-preflight"
    ${out} =    Run task    get-report
    Should Contain    ${out}    "history"

A manual item is ticked
    ${out} =    Run task    set-checklist    {"item": "backup", "done": true, "note": "robot"}
    Should Contain    ${out}    "done": true

Check if the module is removed correctly
    ${rc} =    Execute Command    remove-module --no-preserve ${module_id}
    ...    return_rc=True    return_stdout=False
    Should Be Equal As Integers    ${rc}    0
