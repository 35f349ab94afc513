// The grid worker's offline field app (外勤工作台).
// - A service worker (field/sw.js) keeps this page and its files usable without signal.
// - The pack (tasks, houses and residents of the worker's grids, masked as on screen) is kept in
//   IndexedDB encrypted with AES-GCM under a non-extractable key the server derives per user; the
//   key and the pack are deleted when the session ends, and the logout response clears the site's
//   storage altogether.
// - What is done offline is queued in IndexedDB (encrypted, photos too) with an idempotency key per
//   action, shown as "待同步 N 条", and sent in order when the connection returns. The server applies
//   each key once; a conflict keeps the worker's text and photos here to edit or discard.
(function () {
  "use strict";
  var root = document.getElementById("field");
  if (!root || !window.indexedDB || !window.crypto || !window.crypto.subtle) { return; }
  var S = JSON.parse(document.getElementById("field-strings").textContent);
  var DB_NAME = "gongzhi-field";
  var db = null, key = null, pack = null, flushing = false, editing = null, kept = { report: [], verify: [] };
  var queued = [];  // the queue's items (metadata in clear; payloads and photos sealed)
  var done = [];    // synced in this visit: labels only, never stored

  function fmt(text, values) {
    return text.replace(/%\((\w+)\)s/g, function (_, name) { return values[name]; });
  }
  function $(id) { return document.getElementById(id); }
  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) { node.setAttribute(name, attrs[name]); });
    if (text !== undefined && text !== null) { node.textContent = text; }
    return node;
  }
  function alertMessage(text, link, ok) {
    var box = $("field-alert");
    box.textContent = text || "";
    box.className = "field-alert" + (ok ? " ok" : "");
    if (link) { box.appendChild(document.createTextNode(" ")); box.appendChild(el("a", { href: link.href }, link.text)); }
    box.hidden = !text;
  }
  function newKey() {
    if (crypto.randomUUID) { return crypto.randomUUID(); }
    var bytes = crypto.getRandomValues(new Uint8Array(16));
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }
  function csrf() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }
  function localTime(iso) {
    var d = new Date(iso);
    function two(n) { return ("0" + n).slice(-2); }
    return d.getFullYear() + "-" + two(d.getMonth() + 1) + "-" + two(d.getDate()) + " " + two(d.getHours()) + ":" + two(d.getMinutes());
  }

  // --- IndexedDB --------------------------------------------------------------------------------
  function openDb() {
    return new Promise(function (resolve, reject) {
      var request = indexedDB.open(DB_NAME, 1);
      request.onupgradeneeded = function () {
        request.result.createObjectStore("meta");
        request.result.createObjectStore("queue", { keyPath: "seq", autoIncrement: true });
      };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }
  function tx(store, mode, work) {
    return new Promise(function (resolve, reject) {
      var t = db.transaction(store, mode), result;
      var request = work(t.objectStore(store));
      if (request) { request.onsuccess = function () { result = request.result; }; }
      t.oncomplete = function () { resolve(result); };
      t.onerror = t.onabort = function () { reject(t.error); };
    });
  }
  function getMeta(name) { return tx("meta", "readonly", function (s) { return s.get(name); }); }
  function setMeta(name, value) { return tx("meta", "readwrite", function (s) { return s.put(value, name); }); }
  function delMeta(name) { return tx("meta", "readwrite", function (s) { return s.delete(name); }); }

  // --- Encryption (AES-GCM, non-extractable key) ---------------------------------------------
  function importKey(b64) {
    var raw = Uint8Array.from(atob(b64), function (c) { return c.charCodeAt(0); });
    return crypto.subtle.importKey("raw", raw, { name: "AES-GCM" }, false, ["encrypt", "decrypt"]);
  }
  function sealBytes(bytes) {
    var iv = crypto.getRandomValues(new Uint8Array(12));
    return crypto.subtle.encrypt({ name: "AES-GCM", iv: iv }, key, bytes).then(function (data) { return { iv: iv, data: data }; });
  }
  function openBytes(box) { return crypto.subtle.decrypt({ name: "AES-GCM", iv: box.iv }, key, box.data); }
  function seal(value) { return sealBytes(new TextEncoder().encode(JSON.stringify(value))); }
  function unseal(box) { return openBytes(box).then(function (plain) { return JSON.parse(new TextDecoder().decode(plain)); }); }

  // --- The pack ---------------------------------------------------------------------------------
  function wipeCache() {
    key = null; pack = null;
    return Promise.all(["key", "pack", "generated_at", "expires_at", "patrol"].map(delMeta)).then(render);
  }
  function sessionEnded() {
    return wipeCache().then(function () {
      alertMessage(S.session_ended, { href: root.getAttribute("data-login-url"), text: "→" });
    });
  }
  function receive(data) {
    return getMeta("owner").then(function (owner) {
      // Another worker's queue on a shared phone cannot be read with this key: drop it.
      var clear = owner !== undefined && owner !== data.user
        ? tx("queue", "readwrite", function (s) { return s.clear(); }) : Promise.resolve();
      return clear.then(function () { return importKey(data.key); });
    }).then(function (imported) {
      key = imported; pack = data.pack;
      return Promise.all([setMeta("key", key), setMeta("owner", data.user), setMeta("expires_at", data.expires_at),
                          setMeta("generated_at", data.generated_at)]);
    }).then(function () { return seal(pack); }).then(function (box) { return setMeta("pack", box); })
      .then(function () { $("pack-time").textContent = fmt(S.pack_time, { t: localTime(data.generated_at) }); });
  }
  function loadCached() {
    return Promise.all([getMeta("key"), getMeta("pack"), getMeta("expires_at"), getMeta("generated_at")]).then(function (v) {
      if (!v[0] || !v[1]) { alertMessage(S.no_pack); return; }
      if (Date.now() / 1000 > v[2]) { return wipeCache().then(function () { alertMessage(S.expired); }); }
      key = v[0];
      $("pack-time").textContent = fmt(S.pack_time, { t: localTime(v[3]) });
      return unseal(v[1]).then(function (value) { pack = value; });
    });
  }
  function refresh() {
    return fetch(root.getAttribute("data-data-url"), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (response.status === 401) { return sessionEnded().then(function () { return "ended"; }); }
        if (!response.ok) {
          return response.json().then(function (body) { alertMessage(body.detail); return loadCached(); });
        }
        alertMessage("");
        return response.json().then(receive);
      }, function () { return loadCached(); });
  }

  // --- The queue --------------------------------------------------------------------------------
  function loadQueue() {
    return tx("queue", "readonly", function (s) { return s.getAll(); }).then(function (items) {
      queued = items.sort(function (a, b) { return a.seq - b.seq; });
      renderQueue();
    });
  }
  function enqueue(kind, payload, files) {
    if (!key) { alertMessage(S.no_pack); return Promise.resolve(false); }
    return Promise.all((files || []).map(function (file) {
      var bytes = file.kept ? Promise.resolve(file.kept) : file.arrayBuffer();  // kept: photos of an item being edited
      return bytes.then(sealBytes).then(function (box) { return { name: file.name, type: file.type, box: box }; });
    })).then(function (photos) {
      return seal(payload).then(function (box) {
        var item = { key: newKey(), kind: kind, recorded_at: new Date().toISOString(), state: "pending", message: "",
                     payload: box, photos: photos };
        var drop = editing ? tx("queue", "readwrite", function (s) { return s.delete(editing); }) : Promise.resolve();
        editing = null;
        return drop.then(function () { return tx("queue", "readwrite", function (s) { return s.add(item); }); });
      });
    }).then(loadQueue).then(function () {
      alertMessage(navigator.onLine ? S.saved : S.saved_offline, null, true);
      flush();
      return true;
    });
  }
  function send(item) {
    return unseal(item.payload).then(function (payload) {
      return Promise.all(item.photos.map(function (photo) {
        return openBytes(photo.box).then(function (bytes) { return { photo: photo, bytes: bytes }; });
      })).then(function (photos) {
        var form = new FormData();
        form.append("key", item.key); form.append("kind", item.kind);
        form.append("recorded_at", item.recorded_at); form.append("payload", JSON.stringify(payload));
        photos.forEach(function (p) { form.append("photos", new Blob([p.bytes], { type: p.photo.type }), p.photo.name); });
        return fetch(root.getAttribute("data-sync-url"), {
          method: "POST", body: form, credentials: "same-origin",
          headers: { "X-CSRFToken": csrf(), Accept: "application/json" } });
      });
    });
  }
  // A phone says it is online a moment before its connection carries anything: a send that fails
  // for want of a network is tried again after 2 s, 4 s, 8 s … (at most 30 s, the regular round).
  var retryTimer = null, retryDelay = 2000;
  function retrySoon() {
    if (retryTimer) { return; }
    retryTimer = setTimeout(function () { retryTimer = null; if (navigator.onLine) { flush(); } }, retryDelay);
    retryDelay = Math.min(retryDelay * 2, 30000);
  }
  function flush() {
    if (flushing || !key || !navigator.onLine) { return Promise.resolve(); }
    flushing = true;
    $("sync-now").setAttribute("aria-busy", "true");
    var synced = 0, stop = false, unreachable = false;
    var pending = queued.filter(function (item) { return item.state === "pending"; });
    return pending.reduce(function (chain, item) {
      return chain.then(function () {
        if (stop) { return; }
        return send(item).then(function (response) {
          if (response.status === 401) { stop = true; return sessionEnded(); }
          var json = (response.headers.get("Content-Type") || "").indexOf("json") !== -1;
          if (!json || response.status >= 500) { stop = true; alertMessage(S.server_error); return; }
          return response.json().then(function (body) {
            if (body.status === "applied") {
              synced += 1;
              done.push({ label: body.message, url: (body.result || {}).url });
              return tx("queue", "readwrite", function (s) { return s.delete(item.seq); });
            }
            item.state = body.status === "conflict" ? "conflict" : "refused";
            item.message = body.message || body.detail || "";
            return tx("queue", "readwrite", function (s) { return s.put(item); });
          });
        }, function () { stop = unreachable = true; });  // no connection: try again soon
      });
    }, Promise.resolve()).then(function () {
      flushing = false;
      if (unreachable) { retrySoon(); } else { retryDelay = 2000; }
      $("sync-now").removeAttribute("aria-busy");
      if (synced) { alertMessage(fmt(S.synced, { n: synced }), null, true); }
      return loadQueue().then(function () { return synced && navigator.onLine ? refresh().then(render) : null; });
    }, function () { flushing = false; $("sync-now").removeAttribute("aria-busy"); return loadQueue(); });
  }

  // --- Rendering ---------------------------------------------------------------------------------
  function option(select, value, label, selected) {
    var o = el("option", { value: value }, label);
    if (selected) { o.selected = true; }
    select.appendChild(o);
  }
  function fillSelect(select, items, current, blank) {
    select.textContent = "";
    if (blank !== undefined) { option(select, "", blank, !current); }
    items.forEach(function (item) { option(select, item[0], item[1], item[0] === current); });
  }
  function verifyingIds() {
    return Promise.all(queued.filter(function (i) { return i.kind === "case.verify"; }).map(function (i) {
      return key ? unseal(i.payload).then(function (p) { return p.case; }, function () { return null; }) : null;
    }));
  }
  function caseItem(c, withButton, waiting) {
    var li = el("li", { "data-case": c.id });
    var box = el("div", { "class": "field-card" });
    box.appendChild(el("strong", {}, c.number + " · " + (c.category || c.status_label)));
    box.appendChild(el("span", { "class": "small" }, [c.area, c.address].filter(Boolean).join(" · ")));
    box.appendChild(el("span", { "class": "small muted" }, c.description));
    if (waiting) { box.appendChild(el("span", { "class": "badge-wait" }, S.waiting)); }
    if (withButton && !waiting) {
      var button = el("button", { type: "button", "class": "primary", "data-verify": c.id }, S.verify + " " + c.number);
      button.addEventListener("click", function () { openVerify(c); });
      box.appendChild(button);
    }
    li.appendChild(box);
    return li;
  }
  function renderTasks() {
    var verify = $("verify-list"), handle = $("handle-list");
    verify.textContent = ""; handle.textContent = "";
    if (!pack) { return; }
    return verifyingIds().then(function (ids) {
      if (!pack.tasks.to_verify.length) { verify.appendChild(el("li", { "class": "empty" }, S.no_tasks)); }
      pack.tasks.to_verify.forEach(function (c) { verify.appendChild(caseItem(c, true, ids.indexOf(c.id) !== -1)); });
      if (!pack.tasks.to_handle.length) { handle.appendChild(el("li", { "class": "empty" }, S.no_handle)); }
      pack.tasks.to_handle.forEach(function (c) { handle.appendChild(caseItem(c, false, false)); });
    });
  }
  function renderHouses() {
    var list = $("house-list"), q = $("house-q").value.trim();
    list.textContent = "";
    if (!pack) { return; }
    var hits = pack.houses.filter(function (h) {
      return !q || h.address.indexOf(q) !== -1 || h.residents.some(function (r) { return r.name.indexOf(q) !== -1; });
    }).slice(0, 50);
    if (!hits.length) { list.appendChild(el("li", { "class": "empty" }, S.no_houses)); }
    if (pack.houses_left_out) { list.appendChild(el("li", { "class": "muted small" }, fmt(S.left_out, { n: pack.houses.length }))); }
    hits.forEach(function (house) {
      var li = el("li");
      var button = el("button", { type: "button", "class": "field-card link-card", "data-house": house.id });
      button.appendChild(el("strong", {}, house.address));
      button.appendChild(el("span", { "class": "small muted" }, house.grid_name + " · " + house.residents.length));
      button.addEventListener("click", function () { openHouse(house); });
      li.appendChild(button);
      list.appendChild(li);
    });
  }
  function label(choices, value) {
    var hit = choices.filter(function (c) { return c[0] === value; })[0];
    return hit ? hit[1] : "—";
  }
  function openHouse(house, focusPerson) {
    $("house-list").hidden = true; $("house-detail").hidden = false;
    $("house-title").textContent = house.address;
    var box = $("house-residents");
    box.textContent = "";
    if (!house.residents.length) { box.appendChild(el("p", { "class": "empty" }, S.residents_none)); }
    house.residents.forEach(function (r) {
      var card = el("section", { "class": "field-card resident", "data-person": r.id });
      card.appendChild(el("h4", {}, r.name + " " + [r.gender, r.age !== null ? fmt(S.age, { n: r.age }) : "", r.relation].filter(Boolean).join(" · ")));
      card.appendChild(el("p", { "class": "small" }, S.phone + "：" + (r.phone || "—") + " · " + S.status + "："
        + label(pack.choices.residence_status, r.residence_status) + " · " + S.employment + "：" + label(pack.choices.employment, r.employment)));
      var details = el("details");
      details.appendChild(el("summary", {}, S.visit));
      var form = $("visit-template").content.firstElementChild.cloneNode(true);
      fillSelect(form.elements.residence_status, pack.choices.residence_status, r.residence_status, S.unchanged);
      fillSelect(form.elements.employment, pack.choices.employment, r.employment, S.unchanged);
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        var payload = { person: r.id, residence_status: form.elements.residence_status.value,
                        employment: form.elements.employment.value, phone: form.elements.phone.value.trim(),
                        seen: { residence_status: r.residence_status, employment: r.employment } };
        enqueue("household.visit", payload, []).then(function (ok) {
          if (!ok) { return; }
          if (payload.residence_status) { r.residence_status = payload.residence_status; }
          if (payload.employment) { r.employment = payload.employment; }
          return seal(pack).then(function (b) { return setMeta("pack", b); }).then(function () { openHouse(house); });
        });
      });
      details.appendChild(form);
      if (focusPerson === r.id) { details.open = true; }
      card.appendChild(details);
      box.appendChild(card);
    });
  }
  function renderForms() {
    var grids = pack ? pack.grids.map(function (g) { return [g.code, g.name]; }) : [];
    [$("patrol-grid"), $("report-grid")].forEach(function (select) { fillSelect(select, grids, select.value || (grids[0] || [])[0]); });
    fillSelect($("report-category"), pack ? pack.categories.map(function (c) { return [String(c.id), c.name]; }) : [],
               $("report-category").value, S.unchanged);
    var options = $("household-options");
    options.textContent = "";
    (pack ? pack.households : []).forEach(function (h) { options.appendChild(el("option", { value: h.door + (h.head ? " · " + h.head : "") })); });
    var counts = $("patrol-counts");
    if (pack && !counts.children.length) {
      pack.count_fields.forEach(function (f) {
        var wrap = el("label", { "class": "count-field" }, f[1] + " ");
        wrap.appendChild(el("input", { type: "number", min: "0", max: "999", value: "0", name: f[0], inputmode: "numeric" }));
        counts.appendChild(wrap);
      });
    }
    return loadPatrol();
  }
  function render() {
    renderForms();
    renderHouses();
    return renderTasks();
  }
  function renderQueue() {
    var list = $("queue-list");
    list.textContent = "";
    $("sync-now").textContent = fmt(S.pending, { n: queued.length });
    if (!queued.length) { list.appendChild(el("li", { "class": "empty" }, S.queue_empty)); }
    queued.forEach(function (item) {
      var li = el("li", { "class": "queue-item state-" + item.state, "data-state": item.state });
      li.appendChild(el("strong", {}, S["kind_" + item.kind] || item.kind));
      li.appendChild(el("span", { "class": "small muted" }, " " + localTime(item.recorded_at)
        + (item.photos.length ? " · " + fmt(S.photos_n, { n: item.photos.length }) : "")
        + " · " + (item.state === "pending" ? S.waiting : S[item.state])));
      if (item.message) { li.appendChild(el("p", { "class": "field-error" }, item.message)); }
      if (item.state !== "pending") {
        var edit = el("button", { type: "button" }, S.edit);
        edit.addEventListener("click", function () { editItem(item); });
        var discard = el("button", { type: "button", "class": "danger" }, S.discard);
        discard.addEventListener("click", function () {
          if (window.confirm(S.discard_confirm)) { tx("queue", "readwrite", function (s) { return s.delete(item.seq); }).then(loadQueue); }
        });
        li.appendChild(edit); li.appendChild(discard);
      }
      list.appendChild(li);
    });
    var doneList = $("done-list");
    doneList.textContent = "";
    done.forEach(function (d) {
      var li = el("li", { "class": "queue-item state-applied" });
      li.appendChild(d.url ? el("a", { href: d.url }, d.label) : el("span", {}, d.label));
      doneList.appendChild(li);
    });
  }

  // --- Forms ------------------------------------------------------------------------------------
  function fieldError(id, text) { var p = $(id); p.textContent = text || ""; p.hidden = !text; return !text; }
  function photosOf(input, keptKind) {
    var files = Array.prototype.slice.call(input.files || []);
    return files.length ? files : kept[keptKind];
  }
  function openVerify(c) {
    var form = $("verify-form");
    form.hidden = false;
    form.dataset.case = c.id; form.dataset.version = c.version;
    $("verify-title").textContent = S.verify + " " + c.number;
    form.elements.note.focus();
  }
  function submitVerify(event) {
    event.preventDefault();
    var form = $("verify-form"), choice = form.querySelector("input[name=passed]:checked");
    var ok = fieldError("verify-passed-error", choice ? "" : S.need_passed);
    var passed = choice && choice.value === "1";
    ok = fieldError("verify-note-error", choice && !passed && !form.elements.note.value.trim() ? S.need_note : "") && ok;
    var files = photosOf($("verify-photos"), "verify");
    if (!ok) { return; }
    enqueue("case.verify", { case: Number(form.dataset.case), version: Number(form.dataset.version), passed: passed,
                             note: form.elements.note.value.trim() }, files).then(function (saved) {
      if (!saved) { return; }
      form.reset(); form.hidden = true; kept.verify = []; $("verify-kept").textContent = "";
      renderTasks();
    });
  }
  function submitReport(event) {
    event.preventDefault();
    var form = $("report-form"), max = Number(root.getAttribute("data-max-photos"));
    var files = photosOf($("report-photos"), "report");
    var ok = fieldError("report-description-error", form.elements.description.value.trim() ? "" : S.need_description);
    ok = fieldError("report-photos-error", files.length > max ? fmt(S.too_many_photos, { n: max }) : "") && ok;
    if (!ok) { form.elements.description.focus(); return; }
    enqueue("case.report", { description: form.elements.description.value.trim(), category: form.elements.category.value,
                             grid: form.elements.grid.value, address: form.elements.address.value.trim() }, files)
      .then(function (saved) { if (saved) { form.reset(); kept.report = []; $("report-kept").textContent = ""; renderForms(); } });
  }

  // The patrol being walked: a draft kept (sealed) across reloads until it is saved or given up.
  var patrol = null;
  function loadPatrol() {
    if (!key) { patrol = null; return showPatrol(); }
    return getMeta("patrol").then(function (box) { return box ? unseal(box) : null; })
      .then(function (value) { patrol = value; showPatrol(); });
  }
  function savePatrol() {
    return patrol ? seal(patrol).then(function (box) { return setMeta("patrol", box); }) : delMeta("patrol");
  }
  function showPatrol() {
    var running = !!patrol;
    $("patrol-running").hidden = !running; $("patrol-start").hidden = running;
    $("patrol-grid").disabled = running;
    if (!running) { return; }
    $("patrol-grid").value = patrol.grid; $("patrol-companions").value = patrol.companions || "";
    $("patrol-since").textContent = fmt(S.patrol_started, { t: localTime(patrol.started_at) }) + " · "
      + fmt(S.visits_count, { n: patrol.visits.length });
    var list = $("visit-list");
    list.textContent = "";
    if (!patrol.visits.length) { list.appendChild(el("li", { "class": "empty" }, S.no_visits)); }
    patrol.visits.forEach(function (v, index) {
      var li = el("li", {}, v.door + (v.head_name ? " · " + v.head_name : "") + (v.note ? "：" + v.note : "") + " ");
      var remove = el("button", { type: "button", "class": "link" }, S.remove);
      remove.addEventListener("click", function () { patrol.visits.splice(index, 1); savePatrol().then(showPatrol); });
      li.appendChild(remove);
      list.appendChild(li);
    });
  }
  function startPatrol() {
    if (!fieldError("patrol-grid-error", $("patrol-grid").value ? "" : S.need_grid)) { return; }
    if (!key) { alertMessage(S.no_pack); return; }
    patrol = { grid: $("patrol-grid").value, companions: $("patrol-companions").value.trim(),
               started_at: new Date().toISOString(), visits: [] };
    savePatrol().then(showPatrol);
  }
  function addVisit() {
    var picked = $("visit-household").value, household = null;
    (pack ? pack.households : []).forEach(function (h) {
      if (picked && picked === h.door + (h.head ? " · " + h.head : "")) { household = h; }
    });
    var door = $("visit-door").value.trim() || (household ? household.door : "");
    if (!fieldError("visit-door-error", door ? "" : S.need_door)) { return; }
    patrol.visits.push({ household: household ? household.id : null, door: door,
                         head_name: $("visit-head").value.trim() || (household ? household.head : ""),
                         note: $("visit-note").value.trim(), at: new Date().toISOString() });
    ["visit-household", "visit-door", "visit-head", "visit-note"].forEach(function (id) { $(id).value = ""; });
    savePatrol().then(showPatrol).then(function () { $("visit-household").focus(); });
  }
  function submitPatrol(event) {
    event.preventDefault();
    if (!patrol) { return; }
    var counts = {};
    Array.prototype.forEach.call($("patrol-counts").querySelectorAll("input"), function (input) { counts[input.name] = input.value || "0"; });
    var payload = { grid: patrol.grid, companions: $("patrol-companions").value.trim(), started_at: patrol.started_at,
                    ended_at: new Date().toISOString(), visits: patrol.visits, counts: counts,
                    summary: $("patrol-summary").value.trim() };
    enqueue("patrol", payload, []).then(function (saved) {
      if (!saved) { return; }
      patrol = null; $("patrol-summary").value = "";
      Array.prototype.forEach.call($("patrol-counts").querySelectorAll("input"), function (input) { input.value = "0"; });
      savePatrol().then(showPatrol);
    });
  }
  function editItem(item) {
    if (!key) { alertMessage(S.no_pack); return; }
    Promise.all([unseal(item.payload), Promise.all(item.photos.map(function (p) {
      return openBytes(p.box).then(function (bytes) { return { name: p.name, type: p.type, kept: bytes }; });
    }))]).then(function (v) {
      var payload = v[0], photos = v[1];
      editing = item.seq;
      if (item.kind === "case.report") {
        var form = $("report-form");
        form.elements.description.value = payload.description || ""; form.elements.address.value = payload.address || "";
        form.elements.category.value = payload.category || ""; form.elements.grid.value = payload.grid || "";
        kept.report = photos; $("report-kept").textContent = photos.length ? fmt(S.photos_n, { n: photos.length }) : "";
        selectTab("tab-report");
      } else if (item.kind === "case.verify") {
        selectTab("tab-tasks");
        openVerify({ id: payload.case, version: payload.version, number: "" });
        var vf = $("verify-form");
        vf.elements.note.value = payload.note || "";
        Array.prototype.forEach.call(vf.querySelectorAll("input[name=passed]"), function (r) { r.checked = (r.value === "1") === payload.passed; });
        kept.verify = photos; $("verify-kept").textContent = photos.length ? fmt(S.photos_n, { n: photos.length }) : "";
      } else if (item.kind === "patrol") {
        patrol = { grid: payload.grid, companions: payload.companions, started_at: payload.started_at, visits: payload.visits };
        $("patrol-summary").value = payload.summary || "";
        savePatrol().then(showPatrol);
        selectTab("tab-patrol");
      } else if (item.kind === "household.visit" && pack) {
        var house = pack.houses.filter(function (h) { return h.residents.some(function (r) { return r.id === payload.person; }); })[0];
        selectTab("tab-houses");
        if (house) { openHouse(house, payload.person); }
      }
    });
  }

  // --- Tabs (arrow keys move between them, as the ARIA tabs pattern says) --------------------
  var tabs = Array.prototype.slice.call(root.querySelectorAll("[role=tab]"));
  function selectTab(panelId) {
    tabs.forEach(function (tab) {
      var on = tab.getAttribute("aria-controls") === panelId;
      tab.setAttribute("aria-selected", on ? "true" : "false");
      tab.tabIndex = on ? 0 : -1;
      $(tab.getAttribute("aria-controls")).hidden = !on;
    });
  }
  tabs.forEach(function (tab, index) {
    tab.addEventListener("click", function () { selectTab(tab.getAttribute("aria-controls")); });
    tab.addEventListener("keydown", function (event) {
      var step = event.key === "ArrowRight" ? 1 : event.key === "ArrowLeft" ? -1 : 0;
      if (!step) { return; }
      var next = tabs[(index + step + tabs.length) % tabs.length];
      selectTab(next.getAttribute("aria-controls")); next.focus();
    });
  });

  function showNet() {
    var net = $("net-state");
    net.textContent = navigator.onLine ? S.online : S.offline;
    net.className = "net " + (navigator.onLine ? "net-on" : "net-off");
  }

  $("verify-form").addEventListener("submit", submitVerify);
  $("verify-form").querySelector("[data-cancel]").addEventListener("click", function () { $("verify-form").hidden = true; editing = null; });
  $("report-form").addEventListener("submit", submitReport);
  $("patrol-form").addEventListener("submit", submitPatrol);
  $("patrol-start").addEventListener("click", startPatrol);
  $("visit-add").addEventListener("click", addVisit);
  $("patrol-cancel").addEventListener("click", function () { patrol = null; savePatrol().then(showPatrol); });
  $("house-q").addEventListener("input", renderHouses);
  $("house-back").addEventListener("click", function () { $("house-detail").hidden = true; $("house-list").hidden = false; });
  $("sync-now").addEventListener("click", function () { selectTab("tab-queue"); flush(); });
  window.addEventListener("online", function () { showNet(); refresh().then(render).then(flush); });
  window.addEventListener("offline", showNet);
  var logout = document.querySelector('form[action$="/accounts/logout/"]');
  if (logout) {
    logout.addEventListener("submit", function (event) {
      if (queued.length && !window.confirm(fmt(S.logout_pending, { n: queued.length }))) { event.preventDefault(); }
    });
  }

  if (navigator.serviceWorker) {
    navigator.serviceWorker.register(root.getAttribute("data-sw-url"), { scope: root.getAttribute("data-scope") })
      .catch(function () { /* without a service worker the page still works online */ });
  }
  showNet();
  openDb().then(function (opened) { db = opened; return loadQueue(); })
    .then(refresh).then(render).then(loadQueue).then(function () {
      root.setAttribute("data-ready", "1");
      if (navigator.onLine) { return flush(); }
    });
  setInterval(function () { if (navigator.onLine) { flush(); } }, 30000);
})();
