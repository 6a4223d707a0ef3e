// 征求意见: “对此条提意见” chooses the article in the form without reloading the page, so what was already
// typed is kept. Without JavaScript the link reloads the page with ?anchor=… and the form is preset.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var link = event.target.closest("[data-comment-anchor]");
    if (!link) return;
    var form = document.querySelector(".consultation-form");
    var select = form && form.querySelector("select[name='anchor']");
    if (!select) return;
    var anchor = link.getAttribute("data-comment-anchor");
    if (!Array.prototype.some.call(select.options, function (o) { return o.value === anchor; })) return;
    event.preventDefault();
    select.value = anchor;
    var section = document.getElementById("comment-form");
    if (section && section.scrollIntoView) section.scrollIntoView({ block: "start" });
    if (history.replaceState) history.replaceState(null, "", "?anchor=" + encodeURIComponent(anchor) + "#comment-form");
    var text = form.querySelector("textarea[name='text']");
    if (text) text.focus();
  });
})();
