// Draws each chart from its Vega-Lite spec and its table's rows, with the hub's own Vega (no eval: the expression
// interpreter keeps the console's Content-Security-Policy strict).
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("[data-chart]").forEach(function (el) {
    var id = el.getAttribute("data-chart");
    var spec = JSON.parse(document.getElementById(id).textContent);
    spec.data = { values: JSON.parse(document.getElementById(id + "-data").textContent) };
    vegaEmbed(el, spec, { actions: false, renderer: "svg", ast: true, expr: vega.expressionInterpreter, defaultStyle: false })
      .then(function () { el.setAttribute("data-drawn", "yes"); })
      .catch(function (err) { el.textContent = "The chart could not be drawn: " + err; el.setAttribute("data-drawn", "error"); });
  });
});
