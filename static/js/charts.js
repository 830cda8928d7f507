// Draws every Plotly figure on the page. A figure is a plain {data, layout} object: either
// written into the page with Django's json_script (the element names that script in
// data-figure) or, when it is large, fetched from the URL in data-figure-url. No inline
// script, so the Content-Security-Policy stays strict.
(function () {
  "use strict";
  var config = { responsive: true, displaylogo: false, modeBarButtonsToRemove: ["lasso2d", "select2d"] };

  function plot(el, figure) {
    window.Plotly.newPlot(el, figure.data, figure.layout || {}, config);
    if (figure.links) {
      // Clicking a point opens the page it stands for (e.g. an account).
      el.on("plotly_click", function (event) {
        var url = event.points[0] && event.points[0].customdata;
        if (typeof url === "string" && url.charAt(0) === "/") window.location.assign(url);
      });
    }
  }

  function fetchFigure(el) {
    fetch(el.dataset.figureUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error(response.status);
        return response.json();
      })
      .then(function (figure) { plot(el, figure); })
      .catch(function () {
        el.textContent = "The chart could not be loaded. Reload the page to try again.";
        el.classList.add("chart-failed");
      });
  }

  function draw(root) {
    root.querySelectorAll("[data-figure], [data-figure-url]").forEach(function (el) {
      if (el.dataset.drawn) return;
      el.dataset.drawn = "1";
      if (el.dataset.figureUrl) {
        fetchFigure(el);
        return;
      }
      var source = document.getElementById(el.dataset.figure);
      if (source) plot(el, JSON.parse(source.textContent));
    });
  }

  document.addEventListener("DOMContentLoaded", function () { draw(document); });
  document.addEventListener("htmx:afterSwap", function (event) { draw(event.target); });
})();
