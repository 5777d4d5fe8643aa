// hashpivot dashboard: draw the Plotly figures of the page and follow running jobs.
(function () {
  "use strict";
  function drawFigures() {
    if (typeof Plotly === "undefined") { return; }
    document.querySelectorAll("script.figure-data").forEach(function (node) {
      var target = document.getElementById(node.dataset.target);
      if (!target || target.dataset.drawn) { return; }
      var fig = JSON.parse(node.textContent);
      Plotly.newPlot(target, fig.data, fig.layout, { responsive: true, displaylogo: false });
      target.dataset.drawn = "1";
    });
  }
  function follow(bar) {
    var id = bar.dataset.runId;
    function poll() {
      fetch("/api/runs/" + id, { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (run) {
          if (!run) { return; }
          bar.value = run.progress_fraction;
          var msg = document.getElementById("run-message");
          if (msg && bar.dataset.reload) { msg.textContent = run.message; }
          if (run.status === "queued" || run.status === "running") {
            setTimeout(poll, 700);
          } else if (bar.dataset.reload) {
            window.location.reload();
          } else {
            bar.replaceWith(document.createTextNode(run.status));
          }
        })
        .catch(function () { setTimeout(poll, 2000); });
    }
    setTimeout(poll, 500);
  }
  window.addEventListener("beforeprint", function () {
    document.querySelectorAll(".chart").forEach(function (el) {
      if (el.dataset.drawn && typeof Plotly !== "undefined") { Plotly.Plots.resize(el); }
    });
  });
  document.addEventListener("DOMContentLoaded", function () {
    drawFigures();
    document.querySelectorAll("progress[data-run-id]").forEach(follow);
  });
})();
