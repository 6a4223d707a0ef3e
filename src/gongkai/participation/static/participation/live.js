/* 在线访谈: the live page follows the session without reloading.
 *
 * Every few seconds it asks /hudong/fangtan/<id>/live.json?after=<seq> for the approved questions and the
 * guests' answers that appeared since the last one it has (each change carries the next `seq` of the
 * interview), and puts them on the page: answers at the end of the transcript (a correction replaces the
 * entry in place), approved questions in the waiting list. Text only: the page never parses what the
 * public or the operator typed as HTML. A change of state (the session starts or ends) is shown too.
 * Loaded with `defer`; no inline script (Content-Security-Policy). Paused while the tab is hidden; slows
 * down when the server does not answer.
 */
(function () {
  "use strict";

  var ENDED_POLLS = 40; // after the end, keep listening a while for the last answers (then stop)
  var MAX_DELAY = 60000;

  var box = document.getElementById("live");
  if (!box || !window.fetch) return;
  var url = box.getAttribute("data-live-url");
  var after = parseInt(box.getAttribute("data-after"), 10) || 0;
  var status = box.getAttribute("data-status") || "";
  var baseDelay = (parseInt(box.getAttribute("data-poll"), 10) || 0) * 1000;
  var anonymous = box.getAttribute("data-anonymous") || "网友";
  if (!url || !baseDelay) return;

  var answered = document.getElementById("live-answered");
  var waiting = document.getElementById("live-waiting");
  var waitingBox = document.getElementById("waiting-box");
  var empty = document.getElementById("live-empty");
  var statusLine = document.getElementById("live-status");
  var delay = baseDelay;
  var timer = null;
  var busy = false;
  var endedPolls = 0;

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function meta(nameClass, name, iso, label, verb) {
    var p = el("p", "qa-meta");
    p.appendChild(el("span", nameClass, name));
    p.appendChild(document.createTextNode(" "));
    var time = el("time", null, label);
    if (iso) time.setAttribute("datetime", iso);
    p.appendChild(time);
    p.appendChild(document.createTextNode(" " + verb));
    return p;
  }

  function build(entry) {
    var li = el("li", "qa qa--new");
    li.id = "qa-" + entry.id;
    li.setAttribute("data-id", String(entry.id));
    li.setAttribute("data-seq", String(entry.seq));
    var question = el("div", "qa-question");
    question.appendChild(meta("qa-name", entry.name || anonymous, entry.asked_at, entry.asked_label, "提问:"));
    question.appendChild(el("p", "qa-text", entry.question));
    li.appendChild(question);
    if (entry.status === "answered") {
      var answer = el("div", "qa-answer");
      answer.appendChild(meta("qa-guest", entry.guest, entry.answered_at, entry.answered_label, "回答:"));
      answer.appendChild(el("p", "qa-text", entry.answer));
      li.appendChild(answer);
    }
    return li;
  }

  function refreshLists() {
    if (empty) empty.hidden = answered.children.length > 0;
    if (waitingBox) waitingBox.hidden = waiting.children.length === 0;
  }

  function upsert(entry) {
    if (typeof entry.id !== "number" || typeof entry.seq !== "number") return;
    var existing = document.getElementById("qa-" + entry.id);
    if (existing && (parseInt(existing.getAttribute("data-seq"), 10) || 0) >= entry.seq) return; // stale
    var node = build(entry);
    if (entry.status === "answered") {
      if (existing && existing.parentNode === answered) {
        answered.replaceChild(node, existing); // a corrected answer stays where it was
      } else {
        if (existing) existing.parentNode.removeChild(existing);
        answered.appendChild(node);
      }
    } else if (entry.status === "approved") {
      if (existing && existing.parentNode === answered) return; // never back from answered
      if (existing) waiting.replaceChild(node, existing);
      else waiting.appendChild(node);
    }
  }

  function closeAsking() {
    var form = document.getElementById("ask-form");
    var closed = document.getElementById("ask-closed");
    if (form) form.hidden = true;
    if (closed) closed.hidden = false;
  }

  function changeStatus(next, label) {
    status = next;
    box.setAttribute("data-status", next);
    var badge = document.getElementById("interview-state");
    if (badge) {
      badge.textContent = label;
      badge.className = "interview-badge interview-badge--" + next;
    }
    var title = document.getElementById("live-title");
    if (next === "live") {
      box.hidden = false;
      if (title) title.textContent = "访谈直播";
      statusLine.textContent = "访谈已开始,嘉宾的回答会自动显示在下方,无需刷新页面。";
      baseDelay = Math.min(baseDelay, 4000);
      delay = baseDelay;
    } else if (next === "ended") {
      if (title) title.textContent = "访谈实录";
      statusLine.textContent = "本期访谈已结束,以下是访谈实录。";
      closeAsking();
      baseDelay = Math.max(baseDelay, 15000);
      delay = baseDelay;
    }
  }

  function apply(data) {
    var entries = Array.isArray(data.entries) ? data.entries : [];
    for (var i = 0; i < entries.length; i++) upsert(entries[i]);
    refreshLists();
    if (typeof data.last === "number" && data.last > after) after = data.last;
    if (data.status && data.status !== status) changeStatus(data.status, data.status_label || "");
    if (data.accepting === false) closeAsking();
    return Boolean(data.more);
  }

  function schedule(ms) {
    if (timer) window.clearTimeout(timer);
    timer = window.setTimeout(poll, ms);
  }

  function poll() {
    timer = null;
    if (document.hidden || busy) return; // visibilitychange polls again when the tab is shown
    if (status === "ended" && ++endedPolls > ENDED_POLLS) return;
    busy = true;
    window
      .fetch(url + "?after=" + encodeURIComponent(after), {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      })
      .then(function (data) {
        busy = false;
        delay = baseDelay;
        schedule(apply(data) ? 0 : delay);
      })
      .catch(function () {
        busy = false;
        delay = Math.min(delay * 2, MAX_DELAY);
        schedule(delay);
      });
  }

  document.addEventListener("visibilitychange", function () {
    if (!document.hidden && !timer && !busy) schedule(0);
  });
  schedule(delay);
})();
