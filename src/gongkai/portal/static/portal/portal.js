/* Public pages: the font-size switch 【字体:大 中 小】 and the 高对比度 toggle (both remembered in
 * localStorage, 适老化) and print buttons.
 * Loaded with `defer`; no inline scripts or handlers, so a strict Content-Security-Policy can apply.
 * The controls are hidden in the HTML and shown here, so a visitor without JavaScript never sees a
 * button that does nothing. */
(function () {
  "use strict";

  var STORAGE_KEY = "gongkai.portal.fontSize";
  var SIZES = ["small", "medium", "large"];
  var DEFAULT_SIZE = "medium";
  var CONTRAST_KEY = "gongkai.portal.highContrast";
  var CONTRAST_CLASS = "high-contrast";

  function storedSize() {
    try {
      var value = window.localStorage.getItem(STORAGE_KEY);
      return SIZES.indexOf(value) >= 0 ? value : null;
    } catch (e) {
      return null; // storage disabled (private mode, strict settings): fall back to the default
    }
  }

  function saveSize(size) {
    try {
      window.localStorage.setItem(STORAGE_KEY, size);
    } catch (e) {
      /* not remembered, still applied */
    }
  }

  function storedContrast() {
    try {
      return window.localStorage.getItem(CONTRAST_KEY) === "on";
    } catch (e) {
      return false;
    }
  }

  function saveContrast(on) {
    try {
      window.localStorage.setItem(CONTRAST_KEY, on ? "on" : "off");
    } catch (e) {
      /* not remembered, still applied */
    }
  }

  function applyContrast(on) {
    document.documentElement.classList.toggle(CONTRAST_CLASS, on);
    var toggles = document.querySelectorAll("[data-contrast-toggle]");
    for (var i = 0; i < toggles.length; i++) {
      toggles[i].setAttribute("aria-pressed", on ? "true" : "false");
    }
  }

  function applySize(size) {
    document.documentElement.setAttribute("data-font-size", size);
    var buttons = document.querySelectorAll("[data-set-font-size]");
    for (var i = 0; i < buttons.length; i++) {
      var pressed = buttons[i].getAttribute("data-set-font-size") === size;
      buttons[i].setAttribute("aria-pressed", pressed ? "true" : "false");
    }
  }

  function init() {
    applySize(storedSize() || DEFAULT_SIZE);
    applyContrast(storedContrast());

    var switches = document.querySelectorAll("[data-font-switch]");
    for (var i = 0; i < switches.length; i++) {
      switches[i].hidden = false;
    }
    var contrastToggles = document.querySelectorAll("[data-contrast-toggle]");
    for (var k = 0; k < contrastToggles.length; k++) {
      contrastToggles[k].hidden = false;
    }
    var printers = document.querySelectorAll("[data-print]");
    for (var j = 0; j < printers.length; j++) {
      printers[j].hidden = false;
    }

    // <button> elements answer Enter and Space by themselves: one click handler serves mouse and keyboard.
    document.addEventListener("click", function (event) {
      var target = event.target;
      if (!(target instanceof Element)) {
        return;
      }
      var sizeButton = target.closest("[data-set-font-size]");
      if (sizeButton) {
        var size = sizeButton.getAttribute("data-set-font-size");
        if (SIZES.indexOf(size) >= 0) {
          applySize(size);
          saveSize(size);
        }
        return;
      }
      if (target.closest("[data-contrast-toggle]")) {
        var on = !document.documentElement.classList.contains(CONTRAST_CLASS);
        applyContrast(on);
        saveContrast(on);
        return;
      }
      if (target.closest("[data-print]")) {
        window.print();
      }
    });

    // Another tab changed the size: follow it.
    window.addEventListener("storage", function (event) {
      if (event.key === STORAGE_KEY && SIZES.indexOf(event.newValue) >= 0) {
        applySize(event.newValue);
      } else if (event.key === CONTRAST_KEY) {
        applyContrast(event.newValue === "on");
      }
    });
  }

  // The script is deferred: set the saved mode on <html> as soon as it runs, before the controls are wired.
  if (storedContrast()) {
    document.documentElement.classList.add(CONTRAST_CLASS);
  }
  var early = storedSize();
  if (early) {
    document.documentElement.setAttribute("data-font-size", early);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
