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
  // at the edge on a phone). Each line added (of the title or of its <sup> subtitle: both
  // are 1.3 font sizes apart) widens the top margin and the chart by as much, so the plot
  // keeps its height and the title, set from the top, its room. (Not plotly's title automargin: its second
  // layout pass left some traces drawn where the plot had been, over the title.)
  function fitTitle(layout, width) {
    var title = layout.title;
    if (!title || !title.text || !width) { return; }
    var size = (title.font && title.font.size) || 17;
    var max = Math.max(12, Math.floor((width - 20) / (0.56 * size)));
    var added = 0, parts = [];
    title.text.split("<br>").forEach(function (part) {
      var sub = /^<sup>(.*)<\/sup>$/.exec(part);
      var lines = sub ? wrapLine(sub[1], Math.floor(max * 1.45)) : wrapLine(part, max);
      added += lines.length - 1;
      parts.push(lines.map(function (l) { return sub ? "<sup>" + l + "</sup>" : l; })
        .join("<br>"));
    });
    title.text = parts.join("<br>");
    if (added > 0) {  // from the top down (centred, plotly grows it down into the plot)
      var px = Math.ceil(added * size * 1.3);
      var margin = Object.assign({ t: 100 }, layout.margin);  // (plotly's default top)
      layout.margin = Object.assign({}, margin, { t: margin.t + px });
      layout.title = Object.assign({}, title, {
        yref: "container", y: 1, yanchor: "top", pad: { t: 25 } });
      if (layout.height) { layout.height += px; }
    }
  }
  // A legend of many rows (a phone shows one entry a row) and turned axis labels left
  // the plot a strip, shorter than its axis title: the chart grows until the plot has
  // MIN_PLOT_PX again.
  var MIN_PLOT_PX = 200;
  function keepPlotHeight(target) {
    var full = target._fullLayout;
    if (full && full._size && full._size.h < MIN_PLOT_PX) {
      Plotly.relayout(target, { height: full.height + MIN_PLOT_PX - full._size.h });
    }
  }
  function drawFigures() {
    if (typeof Plotly === "undefined") { return; }
    document.querySelectorAll("script.figure-data").forEach(function (node) {
      var target = document.getElementById(node.dataset.target);
      if (!target || target.dataset.drawn) { return; }
      var fig = JSON.parse(node.textContent);
      fitTitle(fig.layout, target.clientWidth);
      Plotly.newPlot(target, fig.data, fig.layout, { responsive: true, displaylogo: false })
        .then(function () { keepPlotHeight(target); });
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
