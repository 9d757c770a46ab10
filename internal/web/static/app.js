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
      groupField: list.dataset.groupField || "",
      groupValue: list.dataset.groupValue || "",
      stage: list.dataset.stage || "",
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
    if (info.groupField) { body.set("group_field", info.groupField); body.set("group_value", info.groupValue); }
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
      var droppable = list.dataset.droppable !== "false";
      list._sortable = Sortable.create(list, {
        group: { name: "pipeline", pull: droppable, put: droppable },
        sort: droppable,
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
    if (card.parentElement.dataset.droppable === "false") return;
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
    var sched = e.target.closest && e.target.closest("[data-schedule]");
    if (sched) {
      var form = document.getElementById("schedule-form");
      form.action = sched.dataset.schedule;
      document.getElementById("schedule-back").value = location.pathname + location.search;
      document.getElementById("schedule-dialog").showModal();
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
      if (!el.dataset.refresh) return;
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
    // close the stream when leaving, so that it does not hold one of the
    // browser's few connections to the server while the next page loads
    window.addEventListener("pagehide", function () { es.close(); });
    es.addEventListener("changed", function (e) {
      var models = e.data.split(",");
      clearTimeout(refreshTimer);
      refreshTimer = setTimeout(function () { refreshLive(models); }, 150);
    });
  }
  document.addEventListener("DOMContentLoaded", listen);

  // the search box proposes where to look: "Search Customer for: acme"
  function setupSearch() {
    var input = document.getElementById("search-input");
    var list = document.getElementById("search-suggest");
    if (!input || !list || input._ready) return;
    input._ready = true;
    var fields = JSON.parse(input.dataset.fields || "[]");
    var active = -1;
    function choose(i) {
      var text = input.value.trim();
      if (!text) return;
      var form = document.getElementById("search-form");
      var h = document.createElement("input");
      h.type = "hidden"; h.name = "s"; h.value = fields[i][0] + ":" + text;
      form.appendChild(h);
      input.value = "";
      input.removeAttribute("name");
      form.submit();
    }
    function show() {
      var text = input.value.trim();
      list.innerHTML = "";
      active = -1;
      input.removeAttribute("aria-activedescendant");
      if (!text) { list.hidden = true; return; }
      fields.forEach(function (f, i) {
        var li = document.createElement("li");
        li.setAttribute("role", "option");
        li.id = "suggest-" + f[0];
        li.textContent = (input.dataset.for || "Search %s for: %s").replace("%s", f[1]).replace("%s", text);
        li.addEventListener("mousedown", function (e) { e.preventDefault(); choose(i); });
        list.appendChild(li);
      });
      list.hidden = false;
    }
    input.addEventListener("input", show);
    input.addEventListener("blur", function () { list.hidden = true; });
    input.addEventListener("keydown", function (e) {
      var items = list.querySelectorAll("li");
      if (e.key === "ArrowDown" || e.key === "ArrowUp") {
        if (!items.length) return;
        e.preventDefault();
        if (active < 0) active = e.key === "ArrowDown" ? 0 : items.length - 1;
        else active = (active + (e.key === "ArrowDown" ? 1 : items.length - 1)) % items.length;
        items.forEach(function (li, i) { li.classList.toggle("active", i === active); });
        input.setAttribute("aria-activedescendant", items[active].id);
      } else if (e.key === "Enter" && !list.hidden && items.length) {
        e.preventDefault();
        choose(active >= 0 ? active : 0);
      } else if (e.key === "Escape") {
        list.hidden = true;
      }
    });
  }

  // the custom filter builder: conditions on any field, with operators
  // that fit its type, in nested "any"/"all" groups; it writes an Odoo
  // domain into the hidden input d
  var OPS = {
    char: ["ilike", "not ilike", "=", "!=", "set", "notset"], text: ["ilike", "not ilike", "set", "notset"], html: ["ilike", "not ilike"],
    integer: ["=", "!=", ">", "<", "set", "notset"], float: ["=", "!=", ">", "<"], monetary: ["=", "!=", ">", "<"],
    date: ["=", ">", "<", "set", "notset"], datetime: [">", "<", "set", "notset"], boolean: ["is", "isnot"],
    selection: ["=", "!="], many2one: ["ilike", "not ilike", "set", "notset"], many2many: ["ilike", "not ilike", "set", "notset"],
    one2many: ["set", "notset"],
  };
  var OP_LABEL = { "ilike": "contains", "not ilike": "notcontains", "=": "is", "!=": "isnot", ">": "gt", "<": "lt", "set": "set", "notset": "notset", "is": "yes", "isnot": "no" };
  function setupBuilder() {
    var root = document.getElementById("builder");
    if (!root || root._ready) return;
    root._ready = true;
    var fields = JSON.parse(root.dataset.fields || "[]");
    var L = JSON.parse(root.dataset.labels || "{}");
    function byName(n) { return fields.find(function (f) { return f.name === n; }); }
    function el(tag, cls, text) { var e = document.createElement(tag); if (cls) e.className = cls; if (text) e.textContent = text; return e; }
    function group(container) {
      var g = el("div", "bgroup");
      var mode = el("select", "bmode");
      [["&", L.all], ["|", L.any]].forEach(function (o) { var op = el("option", "", o[1]); op.value = o[0]; mode.appendChild(op); });
      var rows = el("div", "brows");
      var add = el("button", "btn", L.add); add.type = "button";
      var addg = el("button", "btn", L.group); addg.type = "button";
      add.onclick = function () { row(rows); };
      addg.onclick = function () { group(rows); };
      g.append(mode, rows, add, addg);
      if (container !== root) {
        var rm = el("button", "btn", L.remove); rm.type = "button"; rm.onclick = function () { g.remove(); };
        g.append(rm);
      }
      container.appendChild(g);
      return g;
    }
    function row(rows) {
      var r = el("div", "brow");
      var fsel = el("select", "bfield");
      fields.forEach(function (f) { var o = el("option", "", f.label); o.value = f.name; fsel.appendChild(o); });
      var osel = el("select", "bop");
      var val = el("span", "bval");
      function refresh() {
        var f = byName(fsel.value);
        osel.innerHTML = "";
        (OPS[f.type] || ["="]).forEach(function (op) { var o = el("option", "", L[OP_LABEL[op]] || op); o.value = op; osel.appendChild(o); });
        value();
      }
      function value() {
        var f = byName(fsel.value), op = osel.value;
        val.innerHTML = "";
        if (op === "set" || op === "notset" || op === "is" || op === "isnot") return;
        var input;
        if (f.type === "selection") {
          input = el("select", "bvalue");
          (f.selection || []).forEach(function (s) { var o = el("option", "", s[1]); o.value = s[0]; input.appendChild(o); });
        } else {
          input = el("input", "bvalue");
          input.type = f.type === "date" || f.type === "datetime" ? "date" : (["integer", "float", "monetary"].indexOf(f.type) >= 0 ? "number" : "text");
          input.step = "any";
        }
        input.setAttribute("aria-label", f.label);
        val.appendChild(input);
      }
      fsel.onchange = refresh;
      osel.onchange = value;
      var rm = el("button", "btn", "✕"); rm.type = "button"; rm.title = L.remove; rm.onclick = function () { r.remove(); };
      r.append(fsel, osel, val, rm);
      rows.appendChild(r);
      refresh();
    }
    function leaf(r) {
      var f = byName(r.querySelector(".bfield").value), op = r.querySelector(".bop").value;
      var v = r.querySelector(".bvalue"), value = v ? v.value : null;
      if (op === "set") return [f.name, "!=", false];
      if (op === "notset") return [f.name, "=", false];
      if (op === "is") return [f.name, "=", true];
      if (op === "isnot") return [f.name, "=", false];
      if (["integer"].indexOf(f.type) >= 0) value = parseInt(value, 10) || 0;
      if (["float", "monetary"].indexOf(f.type) >= 0) value = parseFloat(value) || 0;
      return [f.name, op, value];
    }
    function domainOf(g) {
      var mode = g.querySelector(":scope > .bmode").value;
      var parts = [];
      g.querySelectorAll(":scope > .brows > .brow, :scope > .brows > .bgroup").forEach(function (c) {
        if (c.classList.contains("brow")) parts.push([leaf(c)]);
        else { var d = domainOf(c); if (d.length) parts.push(d); }
      });
      var out = [];
      for (var i = 1; i < parts.length; i++) out.push(mode);
      parts.forEach(function (p) { out = out.concat(p); });
      return out;
    }
    var top = group(root);
    row(top.querySelector(".brows"));
    document.getElementById("builder-form").addEventListener("submit", function () {
      document.getElementById("builder-domain").value = JSON.stringify(domainOf(top));
    });
  }

  function init() {
    setupSearch();
    setupBuilder();
    var board = document.getElementById("board");
    if (board && window.Sortable) setupBoard(board);
  }
  document.addEventListener("DOMContentLoaded", init);
  document.addEventListener("htmx:afterSettle", init);
})();
