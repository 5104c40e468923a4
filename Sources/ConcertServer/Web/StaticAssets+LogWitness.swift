extension StaticAssets {
    /// The browser's own witness of the log, on the board: it fetches the newest signed
    /// checkpoint, checks its Ed25519 signature (WebCrypto) with the log key it saw first, and
    /// checks with a consistency proof (RFC 9162, 2.1.4.2, written here again) that it extends
    /// the last checkpoint this browser verified, which it keeps in its local storage. The board
    /// then reads "Log verified to N"; anything wrong turns it into an alarm that says what.
    static let logWitnessScript = """
        (function () {
          "use strict";
          var shown = document.getElementById("log-verified");
          if (!shown || !window.crypto || !crypto.subtle) { return; }
          var storeKey = "concert-log-witness";

          function bytes(hex) {
            var out = new Uint8Array(hex.length / 2);
            for (var i = 0; i < out.length; i++) { out[i] = parseInt(hex.substr(2 * i, 2), 16); }
            return out;
          }
          function base64(text) {
            var raw = atob(text), out = new Uint8Array(raw.length);
            for (var i = 0; i < raw.length; i++) { out[i] = raw.charCodeAt(i); }
            return out;
          }
          function hex(array) {
            return Array.prototype.map.call(array, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
          }
          function node(left, right) {
            var joined = new Uint8Array(65);
            joined[0] = 1; joined.set(left, 1); joined.set(right, 33);
            return crypto.subtle.digest("SHA-256", joined).then(function (d) { return new Uint8Array(d); });
          }
          function same(a, b) { return a.length === b.length && a.every(function (v, i) { return v === b[i]; }); }
          function report(text, broken) {
            shown.textContent = text;
            shown.className = broken ? "alarm" : "muted";
          }
          function get(path) {
            return fetch(path, { credentials: "same-origin" }).then(function (response) {
              return response.json().then(function (data) {
                if (!response.ok) { throw new Error(data.detail || response.statusText); }
                return data;
              });
            });
          }

          // RFC 9162, 2.1.4.2, with sizes as numbers (exact up to 2^53).
          function consistent(first, firstRoot, second, secondRoot, proof) {
            if (first === second) { return Promise.resolve(proof.length === 0 && same(firstRoot, secondRoot)); }
            if (first === 0) { return Promise.resolve(true); }
            if (proof.length === 0) { return Promise.resolve(false); }
            var path = proof.slice();
            var power = first;
            while (power % 2 === 0) { power = power / 2; }
            if (power === 1) { path.unshift(firstRoot); }
            var fn = first - 1, sn = second - 1;
            while (fn % 2 === 1) { fn = Math.floor(fn / 2); sn = Math.floor(sn / 2); }
            var fr = path[0], sr = path[0], index = 1;
            function step() {
              if (index >= path.length) { return Promise.resolve(same(fr, firstRoot) && same(sr, secondRoot) && sn === 0); }
              var c = path[index++];
              if (sn === 0) { return Promise.resolve(false); }
              var work;
              if (fn % 2 === 1 || fn === sn) {
                work = Promise.all([node(c, fr), node(c, sr)]).then(function (both) {
                  fr = both[0]; sr = both[1];
                  while (fn % 2 === 0 && fn !== 0) { fn = Math.floor(fn / 2); sn = Math.floor(sn / 2); }
                });
              } else {
                work = node(sr, c).then(function (hash) { sr = hash; });
              }
              return work.then(function () { fn = Math.floor(fn / 2); sn = Math.floor(sn / 2); return step(); });
            }
            return step();
          }

          // The checkpoint's signed text and its Ed25519 signature by the key named `keyName`.
          function verifySignature(note, verifierKey) {
            // name+keyhash+base64(key): the base64 may hold "+" too, so only the first two split.
            var first = verifierKey.indexOf("+"), second = verifierKey.indexOf("+", first + 1);
            var parts = [verifierKey.substring(0, first), verifierKey.substring(first + 1, second), verifierKey.substring(second + 1)];
            var blank = note.indexOf("\\n\\n");
            if (first < 1 || second < 0 || blank < 0) { return Promise.resolve(null); }
            var body = note.substring(0, blank + 1);
            var line = note.substring(blank + 2).split("\\n").filter(function (l) {
              return l.indexOf("\\u2014 " + parts[0] + " ") === 0;
            })[0];
            if (!line) { return Promise.resolve(null); }
            var signature = base64(line.split(" ")[2]).slice(4);
            var key = base64(parts[2]).slice(1);
            return crypto.subtle.importKey("raw", key, { name: "Ed25519" }, false, ["verify"]).then(function (imported) {
              return crypto.subtle.verify({ name: "Ed25519" }, imported, signature, new TextEncoder().encode(body));
            }).then(function (valid) {
              if (!valid) { return null; }
              var lines = body.split("\\n");
              return { size: Number(lines[1]), root: base64(lines[2]) };
            });
          }

          function check() {
            var kept = null;
            try { kept = JSON.parse(localStorage.getItem(storeKey) || "null"); } catch (error) { kept = null; }
            get("/api/v1/log/checkpoint").then(function (checkpoint) {
              if (kept && kept.verifierKey !== checkpoint.verifierKey) {
                throw new Error("the log is now signed with another key than the one this browser saw first");
              }
              return verifySignature(checkpoint.note, checkpoint.verifierKey).then(function (signed) {
                if (!signed) { throw new Error("the checkpoint's signature does not hold"); }
                if (!kept) { return signed; }
                if (signed.size < kept.size) {
                  throw new Error("the log holds " + signed.size + " events, fewer than the " + kept.size + " this browser verified");
                }
                return get("/api/v1/log/consistency?from=" + kept.size + "&to=" + signed.size).then(function (answer) {
                  return consistent(kept.size, bytes(kept.root), signed.size, signed.root, answer.proof.map(bytes));
                }).then(function (extends_) {
                  if (!extends_) {
                    throw new Error("the checkpoint of " + signed.size + " events does not extend the one of " + kept.size + " this browser verified: the log was rewritten");
                  }
                  return signed;
                });
              }).then(function (signed) {
                localStorage.setItem(storeKey, JSON.stringify({ verifierKey: checkpoint.verifierKey, size: signed.size, root: hex(signed.root) }));
                report("Log verified to " + signed.size.toLocaleString("en"), false);
                shown.title = "Checked in this browser: signed by " + checkpoint.origin + ", and extends every checkpoint this browser saw before.";
              });
            }).catch(function (error) {
              if (error && error.name === "NotSupportedError") { report("Log not checked: this browser cannot check Ed25519", false); return; }
              report("LOG CHECK FAILED: " + error.message, true);
              shown.setAttribute("role", "alert");
            });
          }
          check();
          setInterval(check, 15000);
        })();
        """
}
