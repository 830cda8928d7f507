// Draws every Plotly figure on the page. A figure is a plain {data, layout} object that
// the server wrote with Django's json_script; the element that shows it names that
// script in data-figure. No inline script, so the Content-Security-Policy stays strict.
(function () {
  "use strict";
  var config = { responsive: true, displaylogo: false, modeBarButtonsToRemove: ["lasso2d", "select2d"] };

  function draw(root) {
    root.querySelectorAll("[data-figure]").forEach(function (el) {
      var source = document.getElementById(el.dataset.figure);
      if (!source || el.dataset.drawn) return;
      var figure = JSON.parse(source.textContent);
      window.Plotly.newPlot(el, figure.data, figure.layout || {}, config);
      el.dataset.drawn = "1";
      if (figure.links) {
        // Clicking a point opens the page it stands for (e.g. an account).
        el.on("plotly_click", function (event) {
          var url = event.points[0] && event.points[0].customdata;
          if (typeof url === "string" && url.charAt(0) === "/") window.location.assign(url);
        });
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () { draw(document); });
  document.addEventListener("htmx:afterSwap", function (event) { draw(event.target); });
})();
