// Small page behaviours, kept out of the HTML so the Content-Security-Policy can forbid inline
// script and event handlers (config/security.py).
//   <select data-submit-on-change data-clear="year">  submits its form on change, after
//                                                     emptying the named field;
//   <button data-print>                               opens the print dialog.
(function () {
  "use strict";
  document.querySelectorAll("select[data-submit-on-change]").forEach(function (select) {
    select.addEventListener("change", function () {
      var form = select.form;
      var clear = select.dataset.clear && form.elements[select.dataset.clear];
      if (clear) { clear.value = ""; }
      form.submit();
    });
  });
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
})();
