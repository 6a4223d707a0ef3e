// “换一张”: fetch a new captcha challenge without losing what was typed in the form.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-captcha-refresh]");
    if (!button) return;
    var box = button.closest(".captcha");
    fetch(button.dataset.url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        box.querySelector("[data-captcha-token]").value = data.token;
        box.querySelector("[data-captcha-image]").src = button.dataset.imageUrl + "?t=" + encodeURIComponent(data.token);
        var input = box.querySelector(".captcha-input");
        input.value = "";
        input.focus();
      });
  });
})();
