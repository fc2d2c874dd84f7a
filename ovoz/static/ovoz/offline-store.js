// One object store of the phone's IndexedDB, shared by the report page's service worker (served in front
// of it by ovoz.core.workers) and the enumerators' offline collection page (loaded before its script).
"use strict";

// A function inStore(mode, work): opens the database, runs work(objectStore) in one transaction of that
// mode ("readonly" or "readwrite"), and resolves with the result of the request work returns, if any,
// once the transaction is complete.
function offlineStore(databaseName, storeName) {
  function database() {
    return new Promise(function (resolve, reject) {
      var opening = indexedDB.open(databaseName, 1);
      opening.onupgradeneeded = function () { opening.result.createObjectStore(storeName, { keyPath: "id" }); };
      opening.onsuccess = function () { resolve(opening.result); };
      opening.onerror = function () { reject(opening.error); };
    });
  }

  return function inStore(mode, work) {
    return database().then(function (db) {
      return new Promise(function (resolve, reject) {
        var transaction = db.transaction(storeName, mode);
        var request = work(transaction.objectStore(storeName));
        transaction.oncomplete = function () { db.close(); resolve(request ? request.result : undefined); };
        transaction.onerror = function () { db.close(); reject(transaction.error); };
      });
    });
  };
}
