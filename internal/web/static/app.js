// Kanso's page behaviour: the pipeline's drag and drop and keyboard moves,
// folding columns, the toast for refusals, and the phone menu.
(function () {
  "use strict";

  function toast(msg) {
    var t = document.getElementById("toast");
    if (!t) return;
    t.textContent = msg;
    t.hidden = false;
    clearTimeout(t._timer);
    t._timer = setTimeout(function () { t.hidden = true; }, 6000);
  }
  window.kansoToast = toast;

  // htmx requests that fail show their answer in the toast
  document.addEventListener("htmx:responseError", function (e) {
    toast(e.detail.xhr.responseText || "Error " + e.detail.xhr.status);
  });
  document.addEventListener("htmx:sendError", function () {
    toast(document.body.dataset.offline || "The server cannot be reached; nothing was changed.");
  });

  function cardInfo(card) {
    var list = card.parentElement;
    var prev = card.previousElementSibling, next = card.nextElementSibling;
    while (prev && !prev.classList.contains("card")) prev = prev.previousElementSibling;
    while (next && !next.classList.contains("card")) next = next.nextElementSibling;
    return {
      stage: list.dataset.stage,
      above: prev ? prev.dataset.id : "",
      below: next ? next.dataset.id : "",
    };
  }

  function adjustCount(column, delta) {
    var c = column && column.querySelector("[data-count]");
    if (c) c.textContent = String(parseInt(c.textContent, 10) + delta);
  }

  // move sends a card's new place; on refusal it calls undo.
  function move(card, undo) {
    var info = cardInfo(card);
    var body = new URLSearchParams();
    body.set("stage", info.stage);
    body.set("above", info.above);
    body.set("below", info.below);
    body.set("write_date", card.dataset.writeDate || "");
    card.classList.add("saving");
    return fetch("/crm/lead/" + card.dataset.id + "/move", {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: body,
      credentials: "same-origin",
    }).then(function (r) {
      return r.json().then(function (data) { return { ok: r.ok, data: data }; });
    }).then(function (res) {
      card.classList.remove("saving");
      if (!res.ok) {
        undo();
        toast(res.data.error || "The move was refused.");
        card.dataset.moveResult = "refused";
        return;
      }
      card.dataset.writeDate = res.data.write_date;
      card.dataset.moveResult = "saved";
    }).catch(function () {
      card.classList.remove("saving");
      undo();
      toast(document.body.dataset.offline || "The server cannot be reached; the card was put back.");
      card.dataset.moveResult = "refused";
    });
  }

  function setupBoard(board) {
    board.querySelectorAll("ol.cards").forEach(function (list) {
      if (list._sortable) return;
      list._sortable = Sortable.create(list, {
        group: "pipeline",
        draggable: ".card",
        animation: 120,
        forceFallback: true,
        fallbackTolerance: 3,
        delay: 150,
        delayOnTouchOnly: true,
        onEnd: function (evt) {
          if (evt.from === evt.to && evt.oldIndex === evt.newIndex) return;
          var card = evt.item, from = evt.from, oldIndex = evt.oldIndex;
          var fromCol = from.closest(".column"), toCol = evt.to.closest(".column");
          if (from !== evt.to) { adjustCount(fromCol, -1); adjustCount(toCol, 1); }
          move(card, function () {
            if (from !== evt.to) { adjustCount(fromCol, 1); adjustCount(toCol, -1); }
            var ref = from.children[oldIndex] || null;
            from.insertBefore(card, ref);
          });
        },
      });
    });
  }

  // keyboard: arrows move the focused card to the next or previous
  // stage (top of the column), Enter opens it
  document.addEventListener("keydown", function (e) {
    var card = e.target.closest && e.target.closest(".card");
    if (!card || e.target !== card) return;
    if (e.key === "Enter") {
      var a = card.querySelector("a.card-title");
      if (a) a.click();
      return;
    }
    if (e.key !== "ArrowLeft" && e.key !== "ArrowRight") return;
    e.preventDefault();
    var col = card.closest(".column");
    var target = e.key === "ArrowRight" ? col.nextElementSibling : col.previousElementSibling;
    if (!target) return;
    var list = target.querySelector("ol.cards");
    var from = card.parentElement, next = card.nextElementSibling;
    list.insertBefore(card, list.firstChild);
    adjustCount(col, -1); adjustCount(target, 1);
    card.focus();
    move(card, function () {
      from.insertBefore(card, next);
      adjustCount(col, 1); adjustCount(target, -1);
      card.focus();
    });
  });

  document.addEventListener("click", function (e) {
    var fold = e.target.closest && e.target.closest(".column-head .fold");
    if (fold) {
      var col = fold.closest(".column");
      var folded = col.classList.toggle("folded");
      fold.setAttribute("aria-expanded", folded ? "false" : "true");
      return;
    }
    var menu = e.target.closest && e.target.closest(".menu-toggle");
    if (menu) {
      var nav = document.getElementById("mainnav");
      var open = nav.classList.toggle("open");
      menu.setAttribute("aria-expanded", open ? "true" : "false");
    }
  });

  // live updates: when a model shown on the page changes (a colleague
  // moved a card, a new lead arrived), the page refreshes that part,
  // unless the user is in the middle of a drag or typing in it
  var dragging = false;
  document.addEventListener("pointerdown", function (e) { if (e.target.closest && e.target.closest(".card")) dragging = true; });
  document.addEventListener("pointerup", function () { setTimeout(function () { dragging = false; }, 0); });
  var refreshTimer = null;
  function refreshLive(models) {
    document.querySelectorAll("[data-live]").forEach(function (el) {
      var watched = el.dataset.live.split(",");
      if (!models.some(function (m) { return watched.indexOf(m) >= 0; })) return;
      if (dragging || el.contains(document.activeElement) && document.activeElement.matches("input, textarea, select")) return;
      if (el.querySelector(".saving")) return;
      fetch(el.dataset.refresh, { credentials: "same-origin" }).then(function (r) { return r.ok ? r.text() : null; }).then(function (html) {
        if (html === null || dragging) return;
        var focused = document.activeElement && document.activeElement.id;
        el.innerHTML = html;
        if (window.htmx) htmx.process(el);
        el.querySelectorAll("ol.cards").forEach(function (l) { l._sortable = null; });
        init();
        if (focused && document.getElementById(focused)) document.getElementById(focused).focus();
        el.dataset.refreshed = String((parseInt(el.dataset.refreshed || "0", 10)) + 1);
      });
    });
  }
  function listen() {
    if (!window.EventSource || !document.querySelector("[data-live]")) return;
    var es = new EventSource("/events");
    es.addEventListener("changed", function (e) {
      var models = e.data.split(",");
      clearTimeout(refreshTimer);
      refreshTimer = setTimeout(function () { refreshLive(models); }, 150);
    });
  }
  document.addEventListener("DOMContentLoaded", listen);

  function init() {
    var board = document.getElementById("board");
    if (board && window.Sortable) setupBoard(board);
  }
  document.addEventListener("DOMContentLoaded", init);
  document.addEventListener("htmx:afterSettle", init);
})();
