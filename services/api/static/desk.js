// Live alerts on the alert list: server-sent events from /api/stream. The page works
// without this script; it only adds new alerts at the top as they fire.
(function () {
  "use strict";
  var list = document.getElementById("alert-list");
  if (!list || !list.dataset.live || !window.EventSource) return;
  var status = document.getElementById("live-status");
  var source = new EventSource("/api/stream");
  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text) node.textContent = text;
    return node;
  }
  source.addEventListener("alert", function (event) {
    var a = JSON.parse(event.data);
    if (document.querySelector('[data-alert-id="' + a.id + '"]')) return;
    var empty = list.querySelector(".empty");
    if (empty) empty.remove();
    var item = el("li", "alert fresh sev-" + a.severity);
    item.dataset.alertId = a.id;
    var head = el("div", "head");
    head.appendChild(el("span", "kind", a.kind));
    head.appendChild(el("span", "sev", a.severity));
    var link = el("a", "open", a.reason);
    link.href = "/alerts/" + encodeURIComponent(a.id);
    head.appendChild(link);
    item.appendChild(head);
    item.appendChild(el("div", "sides muted", (a.sources || []).join(" vs ")));
    list.insertBefore(item, list.firstChild);
    if (status) status.textContent = "New alert: " + a.reason;
  });
  source.onerror = function () { if (status) status.textContent = "Live updates paused; reconnecting…"; };
})();
