// What the signed-in cluster admin may do on this module.
//
// NS8 grants a module's "reader" role the actions named list-*, get-*,
// show-* and read-* (cluster/actions/add-module/50update in ns8-core), and
// the "owner" role everything. No core API tells a module page the user's
// role: the api-server refuses a task the role does not allow with HTTP 403
// on its POST, and that is all the page can learn
// (ns8-native-research.md §2.3). So the page finds out at the first
// refusal, says what the role allows, and from then on disables what
// would be refused again.
import Vue from "vue";

// readerAction says whether NS8's reader role allows `action`.
export function readerAction(action) {
  return /^(list|get|show|read)-/.test(String(action));
}

// isForbidden tells the api-server's refusal (HTTP 403 on the task POST)
// from other failures.
export function isForbidden(err) {
  return !!(err && err.response && err.response.status === 403);
}

// access is shared by every view:
//   readOnly: an owner-only action was refused: the user is a reader;
//   none: even a reader's action was refused: the user has no role on
//         this module (NS8 does not grant readers on modules installed
//         after they were created).
export const access = Vue.observable({ readOnly: false, none: false });

// noteRefusal records what a 403 on `action` says about the user's role.
export function noteRefusal(action) {
  if (readerAction(action)) {
    access.none = true;
  }
  access.readOnly = true;
}
