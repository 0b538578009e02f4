// A running batch's counts, as the server sends them (server-sent events). Without
// scripts the page reloads itself every two seconds instead.
"use strict";
(function () {
  var box = document.getElementById("batch");
  if (!box || box.dataset.done === "yes" || !window.EventSource) { return; }
  var bar = document.getElementById("progress");
  var counts = document.getElementById("counts");
  var template = counts.textContent.replace(/\d+/, "{made}").replace(/\d+/, "{total}");
  var source = new EventSource(box.dataset.events);
  source.onmessage = function (message) {
    var state = JSON.parse(message.data);
    bar.max = Math.max(state.total, 1);
    bar.value = state.made;
    bar.textContent = state.made + " / " + state.total;
    counts.textContent = template.replace("{made}", state.made).replace("{total}", state.total);
    if (state.done) {
      source.close();
      window.location.reload();  // the finished page: its summary, print file and any errors
    }
  };
})();
