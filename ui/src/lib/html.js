// escapeHtml makes text safe for props that ns8-ui-lib renders with v-html
// (NsInlineNotification's title and description): task errors carry text
// from the module's stderr, settings and NS7, never markup.
export function escapeHtml(s) {
  return String(s === undefined || s === null ? "" : s)
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}
