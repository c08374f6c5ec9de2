// Doorstep checkout widget (docs/widget.md): delivery windows for an address, grouped by day, with price, a
// green mark and a "usually home" mark on the suggested windows (learned reach); a click holds one (with a countdown); the shop confirms it from its own code after payment.
// With the pickup option, the customer may instead choose a pickup point near the address and one of its days.
// A classic script (no module: it loads cross-origin without CORS); it talks only to the Doorstep server it came
// from. API: DoorstepSlots.mount(el, options) -> widget {hold, confirm(customer), refresh()}, and the events
// doorstep:offers, doorstep:points, doorstep:hold, doorstep:expired, doorstep:confirmed, doorstep:error on the element.
(function () {
  "use strict";
  var LABELS = /*LABELS*/{};
  var script = document.currentScript;
  var BASE = script && script.src ? new URL(script.src).origin : location.origin;
  var seq = 0;

  function h(tag, attrs, kids) {
    var n = document.createElement(tag);
    for (var k in attrs || {}) if (attrs[k] != null && attrs[k] !== false) n.setAttribute(k, attrs[k] === true ? "" : attrs[k]);
    [].concat(kids || []).forEach(function (c) { if (c != null) n.append(c); });
    return n;
  }
  function fill(text, vars) { return text.replace(/\{(\w+)\}/g, function (_, k) { return vars[k]; }); }
  function hhmm(iso) { return iso.slice(11, 16); } // the zone's local time, as the API writes it
  function span(x) { // a window's local times; an end at the next midnight (a locker open all day) is 24:00
    var end = hhmm(x.end);
    return hhmm(x.start) + "–" + (end === "00:00" && x.end.slice(0, 10) > x.start.slice(0, 10) ? "24:00" : end);
  }
  function isoDay(d) { return new Date(d.getTime() - d.getTimezoneOffset() * 60000).toISOString().slice(0, 10); }

  function Widget(el, o) {
    this.el = el;
    this.o = o;
    this.lang = LABELS[(o.lang || "").toLowerCase().split("-")[0]] ? o.lang.toLowerCase().split("-")[0] : "en";
    this.t = LABELS[this.lang];
    this.hold = null;
    this.offers = [];
    this.id = "dsw" + ++seq;
    this.timer = null;
    this.mode = "door"; // or "point": a pickup point's days (the pickup option)
    this.point = null; // the chosen pickup point
    el.__doorstep = this;
    this.refresh();
  }

  Widget.prototype.call = function (method, path, body) {
    return fetch((this.o.base || BASE) + path, {
      method: method,
      headers: { "Authorization": "Bearer " + this.o.key, "Content-Type": "application/json" },
      body: body ? JSON.stringify(body) : undefined,
    }).then(function (r) {
      return r.json().then(function (j) {
        if (r.ok) return j;
        var e = new Error((j.error && j.error.message) || r.statusText);
        e.code = j.error && j.error.code;
        throw e;
      });
    });
  };

  Widget.prototype.emit = function (name, detail) {
    this.el.dispatchEvent(new CustomEvent("doorstep:" + name, { detail: detail, bubbles: true }));
  };

  Widget.prototype.say = function (text) { this.status.textContent = text; };

  Widget.prototype.frame = function () {
    this.status = h("p", { class: "dsw-status", role: "status", "aria-live": "polite" });
    this.list = h("div", { class: "dsw-days" });
    this.clock = h("p", { class: "dsw-clock", hidden: true });
    this.points = h("ul", { class: "dsw-points", hidden: true });
    var root = h("div", { class: "dsw", lang: this.lang, role: "group", "aria-labelledby": this.id + "-t" }, [
      h("p", { class: "dsw-title", id: this.id + "-t" }, this.t.title), this.o.pickup ? this.modes() : null,
      this.points, this.list, this.clock, this.status,
    ]);
    this.el.replaceChildren(root);
  };

  // Two pressed-state buttons: the address's windows, or the pickup points near it.
  Widget.prototype.modes = function () {
    var self = this, label = this.id + "-m";
    this.modeButtons = ["door", "point"].map(function (m) {
      var b = h("button", { type: "button", class: "dsw-mode", "data-mode": m, "aria-pressed": m === self.mode ? "true" : "false" },
        m === "door" ? self.t.to_door : self.t.to_point);
      b.addEventListener("click", function () { self.choose(m); });
      return b;
    });
    return h("div", { class: "dsw-modes", role: "group", "aria-labelledby": label }, [
      h("span", { class: "dsw-sr", id: label }, this.t.how)].concat(this.modeButtons));
  };

  Widget.prototype.choose = function (mode) {
    if (this.done || mode === this.mode) return Promise.resolve();
    this.mode = mode;
    this.point = null;
    this.modeButtons.forEach(function (b) { b.setAttribute("aria-pressed", b.getAttribute("data-mode") === mode ? "true" : "false"); });
    return this.refresh();
  };

  Widget.prototype.days = function () {
    var o = this.o, from = o.dateFrom || isoDay(new Date());
    return [from, o.dateTo || isoDay(new Date(Date.parse(from + "T12:00:00Z") + ((o.days || 3) - 1) * 86400000))];
  };

  // The key itself refused (unknown or revoked, not allowed, or not allowed from this page's origin): trying again
  // won't help the shopper, and the shop's developer is told why in the console.
  var KEY_REFUSED = { E4001: 1, E4002: 1, E4007: 1 };

  Widget.prototype.fail = function (e) {
    var self = this;
    if (e && (e.code === "E1134" || e.code === "E1135")) { // an address the server cannot place: trying again won't
      this.list.replaceChildren();
      this.say(this.t.unknown_address);
      return this.emit("error", e);
    }
    if (e && KEY_REFUSED[e.code]) {
      this.list.replaceChildren();
      this.say(this.t.unavailable);
      if (window.console) console.warn("Doorstep widget: " + e.code + " " + e.message);
      return this.emit("error", e);
    }
    this.list.replaceChildren(h("button", { type: "button", class: "dsw-retry" }, this.t.retry));
    this.list.firstChild.addEventListener("click", function () { self.refresh(); });
    this.say(this.t.failed);
    this.emit("error", e);
  };

  Widget.prototype.refresh = function () {
    var self = this, o = this.o, span = this.days();
    if (!this.status) this.frame();
    if (!o.location && !o.address) { // no address yet: the shop's field (with suggestions) will give one
      this.list.replaceChildren();
      this.say(this.t.need_address);
      return Promise.resolve();
    }
    if (this.mode === "point" && !this.point) return this.nearPoints();
    this.points.hidden = this.mode !== "point";
    this.say(this.t.loading);
    var body = { date_from: span[0], date_to: span[1], parcels: o.parcels || 1 };
    if (this.point) body.pickup_point_id = this.point.id; else this.where(body);
    if (o.serviceLevels && !this.point) body.service_levels = o.serviceLevels;
    return this.call("POST", "/v1/slots/offers", body).then(function (res) {
      self.placed(res);
      self.offers = res.offers.slice().sort(function (a, b) { return a.start < b.start ? -1 : 1; });
      self.draw();
      self.say(self.offers.length ? "" : (self.point ? self.t.point_none : self.t.none));
      self.emit("offers", res);
    }, function (e) { self.fail(e); });
  };

  // The pickup points near the address, nearest first, each a pressed-state button; choosing one shows its days.
  Widget.prototype.nearPoints = function () {
    var self = this, o = this.o;
    this.offers = [];
    this.list.replaceChildren();
    this.say(this.t.points_loading);
    var body = this.where({});
    if (o.pickupWithin) body.within_m = o.pickupWithin;
    return this.call("POST", "/v1/slots/pickup-points", body).then(function (res) {
      self.placed(res);
      self.points.replaceChildren.apply(self.points, res.points.map(function (pt) { return h("li", {}, self.pointButton(pt)); }));
      self.points.hidden = false;
      self.say(res.points.length ? self.t.choose_point : self.t.no_points);
      self.emit("points", res);
    }, function (e) { self.fail(e); });
  };

  // The place asked for: the shop's coordinates, else its address (data-address) until the server has placed it.
  Widget.prototype.where = function (body) {
    if (this.o.location) body.location = this.o.location; else body.address = this.o.address;
    return body;
  };
  Widget.prototype.placed = function (res) {
    if (res.placed && !this.o.location) this.o.location = { lat: res.placed.lat, lng: res.placed.lng };
  };

  Widget.prototype.distance = function (m) {
    var km = m >= 1000, fmt = new Intl.NumberFormat(this.lang, { style: "unit", unit: km ? "kilometer" : "meter", maximumFractionDigits: km ? 1 : 0 });
    return fmt.format(km ? m / 1000 : Math.max(10, Math.round(m / 10) * 10));
  };

  // How far: the walk (minutes, then metres) when the deployment measured it on foot, else the straight line.
  Widget.prototype.away = function (pt) {
    if (pt.walk_m != null) {
      var minutes = Math.max(1, Math.round((pt.walk_s || 0) / 60));
      return fill(this.t.walk, { minutes: String(minutes), distance: this.distance(pt.walk_m) });
    }
    return fill(this.t.away, { distance: this.distance(pt.distance_m) });
  };

  Widget.prototype.pointButton = function (pt) {
    var self = this, chosen = this.point && this.point.id === pt.id;
    var b = h("button", { type: "button", class: "dsw-point", "aria-pressed": chosen ? "true" : "false", "data-point": pt.id }, [
      h("span", { class: "dsw-pname" }, pt.name),
      h("span", { class: "dsw-pkind" }, this.t[pt.kind] || pt.kind),
      h("span", { class: "dsw-pdist" }, this.away(pt)),
      pt.address ? h("span", { class: "dsw-paddr" }, pt.address) : null,
    ]);
    b.addEventListener("click", function () {
      if (self.done) return;
      self.point = pt;
      self.points.querySelectorAll(".dsw-point").forEach(function (x) {
        x.setAttribute("aria-pressed", x.getAttribute("data-point") === pt.id ? "true" : "false");
      });
      self.refresh();
    });
    return b;
  };

  Widget.prototype.dayName = function (day) {
    var d = new Date(day + "T12:00:00Z");
    return new Intl.DateTimeFormat(this.lang, { weekday: "long", day: "numeric", month: "long", timeZone: "UTC" }).format(d);
  };

  Widget.prototype.price = function (cents) {
    if (cents == null) return null;
    if (cents === 0) return this.t.free;
    return new Intl.NumberFormat(this.lang, { style: "currency", currency: this.o.currency || "EUR" }).format(cents / 100);
  };

  Widget.prototype.draw = function () {
    var self = this, days = {}, order = [];
    this.offers.forEach(function (x) {
      var d = x.start.slice(0, 10);
      if (!days[d]) { days[d] = []; order.push(d); }
      days[d].push(x);
    });
    this.list.replaceChildren.apply(this.list, order.map(function (d, i) {
      var label = self.id + "-d" + i;
      return h("div", { class: "dsw-day", role: "group", "aria-labelledby": label, "data-day": d }, [
        h("p", { class: "dsw-dayname", id: label }, self.dayName(d)),
        h("ul", { class: "dsw-slots" }, days[d].map(function (x) { return h("li", {}, self.button(x)); })),
      ]);
    }));
  };

  Widget.prototype.button = function (x) {
    var self = this, price = this.price(x.price_cents), held = this.hold && this.hold.offer_id === x.id;
    var b = h("button", { type: "button", class: "dsw-slot", "aria-pressed": held ? "true" : "false",
      "data-offer": x.id, "data-start": x.start, "data-level": x.service_level, "data-suggested": x.suggested ? "true" : null }, [
      h("span", { class: "dsw-time" }, span(x)),
      this.t[x.kind] && x.kind !== "pickup" ? h("span", { class: "dsw-kind", "data-kind": x.kind }, this.t[x.kind]) : null,
      price ? h("span", { class: "dsw-price" }, price) : null,
      x.green ? h("span", { class: "dsw-green", title: this.t.green_hint }, [this.t.green,
        h("span", { class: "dsw-sr" }, " (" + this.t.green_hint + ")")]) : null,
      x.suggested ? h("span", { class: "dsw-home", title: this.t.home_hint }, [this.t.home,
        h("span", { class: "dsw-sr" }, " (" + this.t.home_hint + ")")]) : null,
    ]);
    b.addEventListener("click", function () { self.take(x); });
    return b;
  };

  Widget.prototype.take = function (x) {
    var self = this;
    if (this.done || (this.hold && this.hold.offer_id === x.id)) return Promise.resolve(this.hold);
    this.say(this.t.holding);
    return this.call("POST", "/v1/slots/holds", { offer_id: x.id }).then(function (hold) {
      // the window held before goes back at once (another customer may want it)
      if (self.hold) self.call("POST", "/v1/slots/holds/" + self.hold.id + "/release").catch(function () {});
      self.hold = hold;
      self.offer = x;
      self.heldPoint = x.pickup_point_id ? self.point : null; // the confirmation names the point
      self.mark();
      self.say(fill(self.t.held, { time: new Date(hold.expires_at).toLocaleTimeString(self.lang, { hour: "2-digit", minute: "2-digit" }) }));
      self.tick();
      self.emit("hold", { hold: hold, offer: x });
      return hold;
    }, function (e) {
      self.say(self.t.taken);
      self.emit("error", e);
      if (e.code === "E2252" || e.code === "E2251" || e.code === "E2255") self.refresh().then(function () { self.say(self.t.taken); });
      throw e;
    });
  };

  Widget.prototype.mark = function () {
    var id = this.hold && this.hold.offer_id;
    this.list.querySelectorAll(".dsw-slot").forEach(function (b) {
      b.setAttribute("aria-pressed", b.getAttribute("data-offer") === id ? "true" : "false");
    });
  };

  Widget.prototype.tick = function () {
    var self = this;
    clearInterval(this.timer);
    function step() {
      if (!self.hold || self.done) { clearInterval(self.timer); self.clock.hidden = true; return; }
      var left = Math.max(0, Math.round((Date.parse(self.hold.expires_at) - Date.now()) / 1000));
      self.clock.hidden = false;
      self.clock.textContent = fill(self.t.left, { time: Math.floor(left / 60) + ":" + String(left % 60).padStart(2, "0") });
      if (left === 0) self.expire();
    }
    step();
    this.timer = setInterval(step, 1000);
  };

  Widget.prototype.expire = function () {
    var hold = this.hold;
    clearInterval(this.timer);
    this.hold = null;
    this.clock.hidden = true;
    this.emit("expired", hold);
    var self = this;
    this.refresh().then(function () { self.say(self.t.expired); });
  };

  // The shop calls this after payment: the held window becomes an order for the customer
  // ({name, address, phone, email, language, external_ref, instructions}); resolves to the API's answer.
  Widget.prototype.confirm = function (customer) {
    var self = this;
    if (!this.hold) return Promise.reject(Object.assign(new Error("no delivery window is held"), { code: "NO_HOLD" }));
    return this.call("POST", "/v1/slots/holds/" + this.hold.id + "/confirm", customer || {}).then(function (res) {
      self.done = true;
      clearInterval(self.timer);
      self.clock.hidden = true;
      self.el.querySelectorAll(".dsw-slot, .dsw-point, .dsw-mode").forEach(function (b) { b.disabled = b.getAttribute("aria-pressed") !== "true"; });
      var said = { day: self.dayName(self.offer.start.slice(0, 10)), window: span(self.offer) };
      var point = self.heldPoint;
      self.say(point ? fill(self.t.confirmed_point, Object.assign(said, { point: point.name })) : fill(self.t.confirmed, said));
      self.emit("confirmed", res);
      return res;
    }, function (e) {
      if (e.code === "E2253") self.expire();
      self.emit("error", e);
      throw e;
    });
  };

  function mount(el, options) { return el.__doorstep || new Widget(el, options); }

  // Address suggestions on the shop's own address field (docs/widget.md, "Address suggestions"): an ARIA 1.2
  // combobox over GET /v1/geocode/suggest with the widget's publishable key. Choosing one puts its text in the field,
  // fires doorstep:address on the field ({text, label, location, precision}) and, with a widget, asks for the windows
  // at that place. Typing after a choice forgets the place: the widget waits for the next choice.
  function Suggest(input, o) {
    var self = this, lang = (o.lang || "").toLowerCase().split("-")[0];
    this.input = input;
    this.o = o;
    this.t = LABELS[lang] || LABELS.en;
    this.items = [];
    this.active = -1;
    this.asked = 0;
    this.timer = null;
    this.id = "dsw" + ++seq;
    this.list = h("ul", { id: this.id + "-l", class: "dsw-suggest", role: "listbox", "aria-label": this.t.suggest_label, hidden: true });
    this.status = h("p", { class: "dsw-sr", role: "status", "aria-live": "polite" });
    input.after(this.list, this.status);
    [["role", "combobox"], ["aria-autocomplete", "list"], ["aria-expanded", "false"], ["aria-controls", this.list.id],
      ["autocomplete", "off"]].forEach(function (a) { input.setAttribute(a[0], a[1]); });
    input.addEventListener("input", function () { self.typed(); });
    input.addEventListener("keydown", function (e) { self.key(e); });
    input.addEventListener("blur", function () { setTimeout(function () { self.close(); }, 150); });
    this.list.addEventListener("mousedown", function (e) { e.preventDefault(); }); // keep the focus in the field
    input.__doorstepSuggest = this;
  }

  Suggest.prototype.typed = function () {
    var self = this, q = this.input.value.trim(), w = this.widget();
    clearTimeout(this.timer);
    if (w && w.o.location && !w.done) { w.o.location = null; w.o.address = null; w.refresh(); }
    if (q.length < (/^\d/.test(q) ? 2 : 3)) return this.show([]);
    this.timer = setTimeout(function () { self.ask(q); }, this.o.delay == null ? 150 : this.o.delay);
  };

  Suggest.prototype.ask = function (q) {
    var self = this, n = ++this.asked;
    var url = (this.o.base || BASE) + "/v1/geocode/suggest?limit=" + (this.o.limit || 6) + "&q=" + encodeURIComponent(q);
    return fetch(url, { headers: { "Authorization": "Bearer " + this.o.key } }).then(function (r) {
      return r.ok ? r.json() : { suggestions: [] };
    }).then(function (res) {
      if (n !== self.asked) return; // a later keystroke asked again: its answer counts
      self.show(res.suggestions);
      self.status.textContent = res.suggestions.length ? fill(self.t.suggest_count, { count: res.suggestions.length }) : self.t.suggest_none;
    }, function () { if (n === self.asked) self.show([]); });
  };

  Suggest.prototype.show = function (items) {
    var self = this;
    this.items = items;
    this.active = -1;
    this.input.removeAttribute("aria-activedescendant");
    this.list.replaceChildren.apply(this.list, items.map(function (s, i) {
      var li = h("li", { id: self.id + "-o" + i, class: "dsw-option", role: "option", "aria-selected": "false",
        "data-precision": s.precision }, s.text);
      li.addEventListener("click", function () { self.pick(i); });
      return li;
    }));
    this.list.hidden = !items.length;
    this.input.setAttribute("aria-expanded", items.length ? "true" : "false");
  };

  Suggest.prototype.close = function () { this.show([]); };

  Suggest.prototype.move = function (i) {
    var n = this.items.length;
    if (!n) return;
    this.active = (i + n) % n;
    var self = this;
    [].forEach.call(this.list.children, function (li, j) { li.setAttribute("aria-selected", j === self.active ? "true" : "false"); });
    var li = this.list.children[this.active];
    this.input.setAttribute("aria-activedescendant", li.id);
    li.scrollIntoView({ block: "nearest" });
  };

  Suggest.prototype.key = function (e) {
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      if (!this.items.length) return;
      e.preventDefault();
      this.move(this.active < 0 ? (e.key === "ArrowDown" ? 0 : -1) : this.active + (e.key === "ArrowDown" ? 1 : -1));
    } else if (e.key === "Enter" && this.active >= 0) {
      e.preventDefault(); // choosing a suggestion does not submit the shop's form
      this.pick(this.active);
    } else if (e.key === "Escape" && this.items.length) {
      e.preventDefault();
      this.close();
    }
  };

  Suggest.prototype.widget = function () {
    var el = this.o.widget;
    return el ? el.__doorstep || null : null;
  };

  Suggest.prototype.pick = function (i) {
    var s = this.items[i], w = this.widget();
    this.input.value = s.text;
    this.close();
    this.status.textContent = "";
    this.input.dispatchEvent(new CustomEvent("doorstep:address", { detail: s, bubbles: true }));
    if (w && !w.done) {
      w.o.location = { lat: s.location.lat, lng: s.location.lng };
      w.o.address = s.text;
      w.point = null;
      w.refresh();
    }
  };

  function suggest(input, options) {
    return input.__doorstepSuggest || new Suggest(input, options || {});
  }

  // <input data-doorstep-address="delivery">: suggestions with the key and language of the widget element #delivery.
  function suggestFromData(input) {
    var el = document.getElementById(input.dataset.doorstepAddress);
    if (!el) return;
    suggest(input, { key: el.dataset.doorstepKey, widget: el, lang: el.dataset.lang || document.documentElement.lang });
  }

  function fromData(el) {
    var d = el.dataset;
    return mount(el, {
      key: d.doorstepKey, location: d.lat && d.lng ? { lat: Number(d.lat), lng: Number(d.lng) } : null, address: d.address,
      lang: d.lang || document.documentElement.lang,
      days: d.days ? Number(d.days) : undefined, dateFrom: d.dateFrom, dateTo: d.dateTo, currency: d.currency,
      parcels: d.parcels ? Number(d.parcels) : undefined, serviceLevels: d.serviceLevels ? d.serviceLevels.split(",") : undefined,
      pickup: d.pickup === "true", pickupWithin: d.pickupWithin ? Number(d.pickupWithin) : undefined,
    });
  }

  window.DoorstepSlots = { mount: mount, get: function (el) { return el.__doorstep || null; }, suggest: suggest, labels: LABELS };
  function auto() {
    document.querySelectorAll("[data-doorstep-key]").forEach(fromData);
    document.querySelectorAll("input[data-doorstep-address]").forEach(suggestFromData);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", auto); else auto();
})();
