// On the sign-in page: a session that ended leaves no readable records behind. The offline field
// app's cached pack, its key and the patrol draft are deleted; unsent actions stay in the queue as
// ciphertext until the same worker signs in again (the platform then hands out the same key).
(function () {
  "use strict";
  if (!window.indexedDB || !indexedDB.databases) { return; }
  indexedDB.databases().then(function (found) {
    if (!found.some(function (db) { return db.name === "gongzhi-field"; })) { return; }
    var request = indexedDB.open("gongzhi-field");
    request.onsuccess = function () {
      var db = request.result;
      if (!db.objectStoreNames.contains("meta")) { db.close(); return; }
      var t = db.transaction("meta", "readwrite");
      ["key", "pack", "generated_at", "expires_at", "patrol"].forEach(function (name) { t.objectStore("meta").delete(name); });
      t.oncomplete = function () { db.close(); document.documentElement.setAttribute("data-field-wiped", "1"); };
    };
  });
})();
