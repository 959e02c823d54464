// Draws every [data-chart] element from the figure in its <script type="application/json">.
// window.rstChartsReady resolves to the number of charts drawn (browser tests wait on it).
(function () {
  "use strict";
  var lang = document.documentElement.lang || "ko";
  var config = { displaylogo: false, responsive: true, locale: lang,
                 modeBarButtonsToRemove: ["select2d", "lasso2d"] };
  var drawn = [];
  document.querySelectorAll("[data-chart]").forEach(function (element) {
    // Set through the CSSOM: a style attribute in the HTML would need 'unsafe-inline'.
    if (element.dataset.height) { element.style.minHeight = element.dataset.height + "px"; }
    var source = document.getElementById(element.dataset.chart + "-figure");
    if (!source) { return; }
    var figure = JSON.parse(source.textContent);
    drawn.push(Plotly.newPlot(element, figure.data, figure.layout, config));
  });
  window.rstChartsReady = Promise.all(drawn).then(function (plots) { return plots.length; });
})();
