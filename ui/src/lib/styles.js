// coreStylesheetApplied says whether Carbon's rules are in the document:
// the cluster admin's core.css carries all of Carbon, so an element with
// Carbon's bx--visually-hidden class is taken out of the flow
// (position: absolute) only when core.css was loaded and applied. A
// missing core.css (404), one served with the wrong type, or a page opened
// outside NS8 all leave it static.
export function coreStylesheetApplied(doc) {
  const probe = doc.createElement("span");
  probe.className = "bx--visually-hidden";
  doc.body.appendChild(probe);
  const applied = doc.defaultView.getComputedStyle(probe).position === "absolute";
  doc.body.removeChild(probe);
  return applied;
}
