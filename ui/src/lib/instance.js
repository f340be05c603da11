// What the page knows of the module instance it shows, shared by the
// header and the views: the label the administrator gave it (base action
// get-name) and its node (base action get-status). Empty until known.
import Vue from "vue";

export const instance = Vue.observable({ label: "", node: "", nodeLabel: "" });

// nodeText names the node as the cluster admin does: its label with the
// id, or "Node <id>". t is vue-i18n's $t.
export function nodeText(t, inst) {
  if (!inst.node) {
    return "";
  }
  return inst.nodeLabel ? t("common.node_label", { node: inst.node, label: inst.nodeLabel }) : t("common.node", { node: inst.node });
}
