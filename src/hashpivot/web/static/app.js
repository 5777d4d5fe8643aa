// hashpivot dashboard: draw the Plotly figures of the page and follow running jobs.
(function () {
  "use strict";
  // Break a line of text into lines of at most `max` characters, at spaces.
  function wrapLine(text, max) {
    var lines = [], line = "";
    text.split(" ").forEach(function (word) {
      if (line && (line + " " + word).length > max) { lines.push(line); line = word; }
      else { line = line ? line + " " + word : word; }
    });
    if (line) { lines.push(line); }
    return lines;
  }
  // A chart's title wrapped to the width of its box (plotly draws it on one line, cut
  // at the edge on a phone); a title of more lines pushes the plot down.
  function fitTitle(layout, width) {
    var title = layout.title;
    if (!title || !title.text || !width) { return; }
    var size = (title.font && title.font.size) || 17;
    var max = Math.max(12, Math.floor((width - 20) / (0.56 * size)));
    var added = 0, parts = [];
    title.text.split("<br>").forEach(function (part) {
      var sub = /^<sup>(.*)<\/sup>$/.exec(part);
      var lines = sub ? wrapLine(sub[1], Math.floor(max * 1.45)) : wrapLine(part, max);
      added += (lines.length - 1) * (sub ? 0.7 : 1);
      parts.push(lines.map(function (l) { return sub ? "<sup>" + l + "</sup>" : l; })
        .join("<br>"));
    });
    title.text = parts.join("<br>");
    if (added > 0) {  // the title pushes the plot down (not over it); the chart grows
      layout.title = Object.assign({}, title, { automargin: true, yref: "paper" });
      if (layout.height) { layout.height += Math.ceil(added * size * 1.3); }
    }
  }
  function drawFigures() {
    if (typeof Plotly === "undefined") { return; }
    document.querySelectorAll("script.figure-data").forEach(function (node) {
      var target = document.getElementById(node.dataset.target);
      if (!target || target.dataset.drawn) { return; }
      var fig = JSON.parse(node.textContent);
      fitTitle(fig.layout, target.clientWidth);
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
