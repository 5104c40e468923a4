/// The stylesheet and script of the web pages, served by the server itself (no outside network).
enum StaticAssets {
    static let stylesheet = """
        :root { --ink: #1d2430; --muted: #5b6575; --line: #d8dde5; --bg: #f6f7f9; --accent: #1f4f8f; }
        * { box-sizing: border-box; }
        [hidden] { display: none !important; }
        body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: var(--bg); }
        header.top { display: flex; gap: 1rem; align-items: center; padding: .6rem 1.5rem; background: #14233b; color: #fff; }
        header.top .brand { color: #fff; font-weight: 700; text-decoration: none; letter-spacing: .04em; }
        header.top .who { margin-left: auto; opacity: .9; }
        header.top form { margin: 0; }
        main { padding: 1rem 1.5rem 3rem; max-width: 1400px; }
        h1 { font-size: 1.6rem; margin: .6rem 0; } h2 { font-size: 1.2rem; margin-top: 2rem; }
        table { border-collapse: collapse; width: 100%; background: #fff; border: 1px solid var(--line); }
        th, td { text-align: left; padding: .4rem .6rem; border-bottom: 1px solid var(--line); vertical-align: top; }
        th { background: #eef1f5; font-weight: 600; position: sticky; top: 0; }
        .muted { color: var(--muted); font-size: .9em; }
        .tag { display: inline-block; padding: 0 .35rem; border: 1px solid var(--line); border-radius: 3px; font-size: .8em; color: var(--muted); }
        ul.selectors { margin: 0; padding: 0; list-style: none; font-family: ui-monospace, monospace; font-size: .85em; }
        .handling { font-weight: 700; padding: 0 .3rem; border-radius: 3px; border: 1px solid; }
        .handling-H0 { color: #245c2a; } .handling-H1 { color: #7a5200; } .handling-H2 { color: #8a1c1c; } .handling-H3 { color: #5a237a; }
        .status { font-weight: 600; padding: 0 .35rem; border-radius: 3px; border: 1px solid; }
        .status-done { color: #245c2a; } .status-failed, .status-aborted { color: #8a1c1c; } .status-inProgress, .status-go { color: #1f4f8f; }
        .offset { font-family: ui-monospace, monospace; white-space: nowrap; }
        dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; }
        dl.facts dt { color: var(--muted); }
        .card { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 1.2rem 1.5rem; }
        .narrow { max-width: 26rem; margin: 3rem auto; }
        form label { display: block; margin-top: .8rem; font-weight: 600; }
        form input { width: 100%; padding: .45rem; font: inherit; border: 1px solid var(--line); border-radius: 4px; }
        button { font: inherit; padding: .35rem .9rem; border-radius: 4px; border: 1px solid var(--line); background: #fff; cursor: pointer; }
        button.primary { margin-top: 1rem; background: var(--accent); color: #fff; border-color: var(--accent); }
        tr.unread td:first-child a { font-weight: 700; }
        .tag.overdue, .judicial { color: #8a1c1c; }
        .judicial-banner { background: #fff4d6; border: 2px solid #7a5200; padding: .5rem; border-radius: 4px; }
        article.message.current { border-left: 4px solid var(--accent); }
        .recipients label { display: inline-block; margin-right: 1rem; }
        .error { color: #8a1c1c; background: #fbeaea; padding: .5rem; border-radius: 4px; }
        .notice { background: #eef1f5; padding: .6rem; border-radius: 4px; }
        .visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
        figure.qr { margin: .6rem 0; }
        figure.qr svg { display: block; width: 240px; max-width: 100%; height: auto; border: 1px solid var(--line); }
        figure.qr figcaption { margin-top: .4rem; }
        code.secret { display: inline-block; font-size: 1rem; letter-spacing: .05em; }
        ol.recovery-codes { columns: 2 16rem; column-gap: 2rem; font-size: 1.05rem; }
        ol.recovery-codes code { letter-spacing: .05em; white-space: nowrap; }
        ol.steps li { margin-bottom: .6rem; }
        a { color: var(--accent); }
        .hold-banner { background: #b3261e; color: #fff; font-size: 1.4rem; font-weight: 800; padding: .8rem 1rem; border-radius: 6px; margin: .5rem 0; letter-spacing: .03em; }
        .hold-banner.aborted { background: #3b3b3b; }
        .go-banner { background: #245c2a; color: #fff; font-weight: 700; padding: .5rem 1rem; border-radius: 6px; margin: .5rem 0; }
        .country h3 .held { color: #b3261e; font-weight: 800; }
        .blocked { color: #8a1c1c; font-size: .85em; margin-top: .2rem; }
        #timeline { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: .4rem; margin: .6rem 0; }
        .legend span { display: inline-block; margin-right: .8rem; font-size: .85em; }
        .legend i { display: inline-block; width: .8em; height: .8em; margin-right: .3em; border-radius: 2px; vertical-align: -.05em; }
        .swatch-planned { background: #8a93a3; } .swatch-ready { background: #b26a00; } .swatch-go { background: #1f4f8f; }
        .swatch-done { background: #245c2a; } .swatch-failed { background: #b3261e; } .swatch-aborted { background: #3b3b3b; }
        dialog { border: 1px solid var(--line); border-radius: 8px; padding: 1.2rem 1.5rem; max-width: min(32rem, 94vw); }
        dialog::backdrop { background: rgba(20, 35, 59, .45); }
        dialog h2 { margin-top: 0; }
        .buttons { display: flex; gap: .6rem; margin-top: 1rem; } .buttons button.primary { margin-top: 0; }
        .control:disabled { opacity: .55; cursor: not-allowed; }
        .board-head { display: flex; justify-content: space-between; align-items: flex-start; gap: 1rem; }
        .clock { text-align: right; } #countdown { font-size: 1.5rem; font-family: ui-monospace, monospace; }
        .connection.live { color: #245c2a; } .connection.lost { color: #b3261e; font-weight: 700; }
        .controls { display: flex; flex-wrap: wrap; gap: .6rem; margin: .6rem 0; }
        .control { font-weight: 800; padding: .5rem 1.2rem; } .control.go { background: #245c2a; color: #fff; } .control.hold { background: #b3261e; color: #fff; }
        .control.abort { background: #3b3b3b; color: #fff; }
        .counters { display: flex; gap: 1rem; flex-wrap: wrap; margin: .6rem 0; }
        .counter { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: .5rem .9rem; }
        .counter span { font-size: 1.4rem; font-weight: 800; }
        .counter span.muted, .counter span.kinds { font-size: 1rem; font-weight: 400; } .counter span.alarm span { font-size: 1.4rem; }
        .board-grid { display: grid; grid-template-columns: 3fr 1.2fr; gap: 1.2rem; }
        .country h3 { margin: 1rem 0 .3rem; font-size: 1rem; }
        tr.overdue { background: #fff4e5; } tr.overdue td:first-child::before { content: "OVERDUE "; color: #b3261e; font-weight: 800; }
        .report button { margin: 0 .2rem .2rem 0; padding: .15rem .5rem; }
        ol.log { list-style: none; padding: 0; margin: 0; max-height: 70vh; overflow: auto; font-size: .9em; }
        ol.log li { border-bottom: 1px solid var(--line); padding: .3rem 0; }
        code { overflow-wrap: anywhere; }
        header.top nav { display: flex; gap: 1rem; flex-wrap: wrap; }
        header.top a, header.top nav a { color: #fff; }
        header.top button { background: #fff; color: var(--ink); }
        a.button { display: inline-block; padding: .35rem .9rem; border: 1px solid var(--accent); border-radius: 4px; text-decoration: none; background: #fff; }
        a.button.primary { background: var(--accent); color: #fff; }
        form.form { max-width: 40rem; }
        form.form.wide { max-width: 64rem; }
        form.form h3 { margin: 0 0 .4rem; }
        form select, form textarea { width: 100%; padding: .45rem; font: inherit; border: 1px solid #8a93a3; border-radius: 4px; background: #fff; }
        form input { border-color: #8a93a3; }
        form input[type=checkbox], form input[type=radio] { width: auto; margin-right: .4rem; }
        form fieldset { border: 1px solid var(--line); border-radius: 6px; margin: 1rem 0 0; padding: .4rem .9rem .8rem; }
        form fieldset legend { font-weight: 700; padding: 0 .3rem; }
        form fieldset label { font-weight: 500; }
        form fieldset.plain { border: 0; padding: 0; margin: .4rem 0 0; }
        form fieldset.plain legend { font-weight: 600; padding: 0; }
        .inline { display: flex; flex-wrap: wrap; gap: 0 1rem; align-items: flex-end; }
        .inline label { flex: 0 1 auto; } .inline label.grow { flex: 1 1 16rem; }
        .row { display: flex; flex-wrap: wrap; gap: 0 .8rem; align-items: flex-end; padding: .3rem 0; border-bottom: 1px dashed var(--line); }
        .row label { flex: 1 1 10rem; } .row button { margin-bottom: .1rem; }
        [data-add-row] { margin-top: .6rem; }
        .field-error { color: #8a1c1c; font-weight: 600; margin: .25rem 0 0; }
        [aria-invalid=true] { border: 2px solid #8a1c1c !important; }
        output.utc { display: block; margin-top: .4rem; font-weight: 600; }
        .forms { display: grid; grid-template-columns: repeat(auto-fit, minmax(18rem, 1fr)); gap: 1rem; }
        .prepare { margin: 1rem 0; }
        table + form.card, table + .forms { margin-top: 1.2rem; }
        ul.gates { list-style: none; margin: 0; padding: 0; font-size: .9em; } ul.gates li.checked { color: #245c2a; }
        ul.gates button { padding: 0 .4rem; font-size: .85em; }
        .warning { color: #8a1c1c; }
        table.results tr.hit td { background: #fff4e5; font-weight: 600; }
        #import-notes li.refused { color: #8a1c1c; font-weight: 600; }
        #calendar-address { margin-bottom: 1rem; }
        #calendar-address input { display: block; width: 100%; box-sizing: border-box; margin: .25rem 0; font-family: ui-monospace, monospace; }
        tr.significant td { background: #fff8e1; }
        .alarm, tr.alarm td { color: #8a1c1c; font-weight: 700; } tr.alarm td { background: #fdecea; }
        li.alarm { background: #fdecea; }
        table.exhibits td:first-child { white-space: nowrap; }
        fieldset.seized-items { margin: .6rem 0; } .seized-item { border-bottom: 1px solid var(--line); padding-bottom: .4rem; }
        dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .3rem 1rem; }
        dl.facts dt { font-weight: 600; } dl.facts dd { margin: 0; overflow-wrap: anywhere; }
        code.hash { overflow-wrap: anywhere; font-size: .85em; }
        ol.custody { list-style: none; padding: 0; border-left: 3px solid var(--line); margin-left: .4rem; }
        ol.custody li { padding: .2rem 0 .6rem 1rem; position: relative; }
        ol.custody li::before { content: ""; position: absolute; left: -.5rem; top: .55rem; width: .7rem; height: .7rem; border-radius: 50%; background: var(--line); }
        ol.custody li.handedOver::before, ol.custody li.sentAbroad::before { background: #c77700; }
        ol.custody li.received::before { background: #245c2a; } ol.custody li.correction::before { background: #8a1c1c; }
        ol.custody p { margin: .15rem 0; }
        table.custody-table { width: 100%; border-collapse: collapse; margin: .5rem 0 1.5rem; }
        table.custody-table th, table.custody-table td { border: 1px solid #999; padding: .25rem .4rem; vertical-align: top; text-align: left; }
        section.report-exhibit { break-inside: avoid-page; }
        @media print {
          header.top, .no-print, script { display: none; }
          main { padding: 0; max-width: none; }
          body { background: #fff; color: #000; font-size: 10.5pt; }
        }
        @media (max-width: 700px) {
          dl.facts { grid-template-columns: 1fr; } dl.facts dd { margin-bottom: .4rem; }
          .board-grid { grid-template-columns: 1fr; }
          .board-head { flex-direction: column; } .clock { text-align: left; }
          .hold-banner { font-size: 1.05rem; }
          header.top nav { gap: .3rem .8rem; }
          main { padding: .8rem .8rem 2rem; }
          header.top { flex-wrap: wrap; gap: .4rem 1rem; padding: .5rem .8rem; }
          header.top .who { margin-left: 0; font-size: .85em; }
          table.stack, table.stack tbody, table.stack tr, table.stack td { display: block; width: 100%; }
          table.stack thead { display: none; }
          table.stack tr { border-bottom: 2px solid var(--line); padding: .35rem 0; }
          table.stack td { border: 0; padding: .15rem .7rem; }
          table.stack td[data-label]::before { content: attr(data-label); display: block; font-size: .78em; font-weight: 600; color: var(--muted); }
          /* An inbox of a hundred messages: each a compact card, its facts side by side. */
          table.messages.stack td[data-label] { display: inline-block; width: auto; padding-right: .2rem; }
          table.messages.stack td[data-label]::before { display: inline; margin-right: .3rem; }
          table.messages.stack td[data-label="Sent (UTC)"] time.local { display: none; }
          table.plan td::before { display: block; font-size: .78em; font-weight: 600; color: var(--muted); }
          table.plan td:nth-child(1)::before { content: "H±"; }
          table.plan td:nth-child(2)::before { content: "Planned (UTC)"; }
          table.plan td:nth-child(3)::before { content: "Local time at the place"; }
          table.plan td:nth-child(4)::before { content: "Your time"; }
          table.plan td:nth-child(5)::before { content: "Action"; }
          table.plan td:nth-child(6)::before { content: "Executing agency"; }
          table.plan td:nth-child(7)::before { content: "Place"; }
          table.plan td:nth-child(8)::before { content: "Legal instrument"; }
          table.plan td:nth-child(9)::before { content: "Gates"; }
          table.plan td:nth-child(10)::before { content: "Status"; }
          /* A sitrep's table of countries by status keeps its columns, in smaller type, and
             scrolls sideways inside the report rather than widening the page. */
          article.sitrep { overflow-x: auto; }
          article.sitrep table { font-size: .78rem; }
          article.sitrep th, article.sitrep td { padding: .2rem .25rem; }
        }
        """

    /// The live board: loads the plan through the API, then follows the live feed.
    static let boardScript = """
        (function () {
          "use strict";
          var root = document.getElementById("board");
          if (!root) { return; }
          var operationId = root.dataset.operation;
          var myAgency = root.dataset.agency;
          var isLead = root.dataset.lead === "true";
          var hHour = root.dataset.hhour ? new Date(root.dataset.hhour) : null;
          var api = "/api/v1/operations/" + operationId;
          var actions = {};
          var agencies = {};
          var operation = null;
          var labels = { planned: "Planned", ready: "Ready", go: "GO", inProgress: "In progress", done: "Done", failed: "Failed", aborted: "Aborted" };
          var next = { planned: ["ready"], ready: ["planned"], go: ["inProgress"], inProgress: ["done", "failed"] };
          var outcomeFor = { arrest: "arrested", serverTakedown: "serversSeized", domainSeizure: "domainSeized",
                             assetFreeze: "assetsFrozen", interview: "interviewed", seizure: "itemsSeized", houseSearch: "itemsSeized" };

          function text(tag, value, className) {
            var element = document.createElement(tag);
            element.textContent = value;
            if (className) { element.className = className; }
            return element;
          }
          function cell(row, label, value, className) {
            var td = row.insertCell();
            td.dataset.label = label;
            if (value !== undefined) { td.textContent = value; }
            if (className) { td.className = className; }
            return td;
          }
          function showMessage(message) {
            var box = document.getElementById("message");
            box.textContent = message || "";
            box.hidden = !message;
          }
          function request(method, path, body) {
            return fetch(path, {
              method: method, credentials: "same-origin",
              headers: body ? { "Content-Type": "application/json" } : {},
              body: body ? JSON.stringify(body) : undefined
            }).then(function (response) {
              return response.json().then(function (data) {
                if (!response.ok) { var error = new Error(data.detail || response.statusText); error.field = data.field; throw error; }
                return data;
              });
            });
          }
          function utc(date) {
            return date.toISOString().substring(11, 16) + " UTC";
          }
          function outcomeText(action) {
            if (!action.outcome) { return ""; }
            var words = action.outcome.kind.replace(/([A-Z])/g, " $1").toLowerCase();
            return words + (action.outcome.count != null ? ": " + action.outcome.count : "") +
              (action.outcome.description ? " (" + action.outcome.description + ")" : "");
          }
          function openGates(action) { return (action.gates || []).filter(function (gate) { return !gate.checked; }); }
          function isOverdue(action) {
            if (!hHour || ["done", "failed", "aborted"].indexOf(action.status) >= 0) { return false; }
            var start = hHour.getTime() + action.offsetMinutes * 60000;
            if (action.status === "inProgress") {
              var began = action.startedAt ? new Date(action.startedAt).getTime() : start;
              return Date.now() > began + action.expectedDurationMinutes * 60000;
            }
            return Date.now() > start;
          }
          function mayAct(action) { return action.executingAgencyId === myAgency || isLead; }

          // A dialog's form: shows it, sends what `body` makes of it, shows a refusal in it.
          function dialog(id, title, prepare, send) {
            var box = document.getElementById(id);
            var form = box.querySelector("form");
            var problem = form.querySelector(".form-problem");
            box.querySelector("h2").textContent = title;
            problem.hidden = true;
            prepare(form);
            form.onsubmit = function (event) {
              event.preventDefault();
              problem.hidden = true;
              send(form).then(function () { box.close(); }).catch(function (error) {
                problem.textContent = error.message;
                problem.hidden = false;
              });
            };
            form.querySelector(".cancel").onclick = function () { box.close(); };
            box.showModal();
            var first = form.querySelector("select:not([hidden]), input:not([hidden])");
            if (first) { first.focus(); }
          }
          function report(action, status) {
            if (status !== "done" && status !== "failed") {
              request("POST", api + "/actions/" + action.id + "/status", { status: status }).then(function (updated) {
                upsert(updated); showMessage("");
              }).catch(function (error) { showMessage(error.message); });
              return;
            }
            var items = document.getElementById("seized-items");
            function addItem() {
              var row = document.createElement("div");
              row.className = "seized-item inline";
              var kind = document.createElement("select");
              kind.dataset.item = "kind";
              Object.keys(kindLabels).forEach(function (value) { kind.appendChild(new Option(kindLabels[value], value)); });
              kind.value = action.kind === "serverTakedown" ? "server" : (action.kind === "seizure" ? "cryptoWallet" : "computer");
              function labelled(text, control, grow) {
                var label = document.createElement("label");
                if (grow) { label.className = "grow"; }
                label.appendChild(document.createTextNode(text + " "));
                label.appendChild(control);
                return label;
              }
              var what = document.createElement("input");
              what.dataset.item = "description";
              what.maxLength = 2000;
              what.autocomplete = "off";
              var hash = document.createElement("input");
              hash.dataset.item = "sha256";
              hash.maxLength = 64;
              hash.spellcheck = false;
              hash.autocomplete = "off";
              var remove = document.createElement("button");
              remove.type = "button";
              remove.textContent = "Remove";
              remove.onclick = function () { row.remove(); };
              row.appendChild(labelled("Kind", kind));
              row.appendChild(labelled("What", what, true));
              row.appendChild(labelled("SHA-256 (optional)", hash, true));
              row.appendChild(remove);
              items.appendChild(row);
            }
            document.getElementById("add-seized").onclick = addItem;
            dialog("outcome-dialog", (status === "done" ? "Done: " : "Failed: ") + action.title, function (form) {
              items.textContent = "";
              if (status === "done" && ["serverTakedown", "seizure", "houseSearch"].indexOf(action.kind) >= 0) { addItem(); }
              document.getElementById("outcome-exhibits").href = "/operations/" + root.dataset.operation + "/exhibits/new?action=" + encodeURIComponent(action.id);
              form.elements.kind.value = status === "failed" ? "notFound" : (outcomeFor[action.kind] || "other");
              form.elements.count.value = status === "failed" ? "0" : "1";
              form.elements.description.value = "";
            }, function (form) {
              // The items first, each an exhibit of the action while it is still in progress; one
              // recorded leaves the dialog, so that trying again after a refusal records it once.
              var handling = form.elements.itemsHandling.value;
              var chain = Promise.resolve();
              Array.prototype.forEach.call(items.querySelectorAll(".seized-item"), function (row, index) {
                var description = row.querySelector("[data-item=description]").value.trim();
                var hash = row.querySelector("[data-item=sha256]").value.trim();
                if (!description && !hash) { return; }
                var body = { actionId: action.id, kind: row.querySelector("[data-item=kind]").value,
                             description: description, handling: handling, evaluation: "A1", distribution: "all" };
                if (hash) { body.hashes = [{ algorithm: "SHA-256", value: hash }]; }
                chain = chain.then(function () {
                  return request("POST", api + "/exhibits", body).then(function () { row.remove(); }, function (error) {
                    throw new Error("Item " + (index + 1) + ": " + error.message);
                  });
                });
              });
              var outcome = { kind: form.elements.kind.value };
              if (form.elements.count.value !== "") { outcome.count = Number(form.elements.count.value); }
              if (form.elements.description.value.trim()) { outcome.description = form.elements.description.value; }
              return chain.then(function () {
                return request("POST", api + "/actions/" + action.id + "/status", { status: status, outcome: outcome });
              }).then(function (updated) { upsert(updated); showMessage(""); });
            });
          }
          function checkGate(action, gate) {
            request("POST", api + "/actions/" + action.id + "/gates/" + gate.id, { checked: !gate.checked }).then(function (updated) {
              upsert(updated); showMessage("");
            }).catch(function (error) { showMessage(error.message); });
          }
          function render() {
            var counts = { arrests: 0, servers: 0, seizures: 0, done: 0, running: 0, failed: 0, overdue: 0 };
            var byCountry = {};
            Object.keys(actions).forEach(function (id) {
              var action = actions[id];
              (byCountry[action.country] = byCountry[action.country] || []).push(action);
              if (action.status === "done") { counts.done += 1; }
              if (action.status === "inProgress") { counts.running += 1; }
              if (action.status === "failed") { counts.failed += 1; }
              if (isOverdue(action)) { counts.overdue += 1; }
              if (action.outcome && action.status === "done") {
                var n = action.outcome.count != null ? action.outcome.count : 1;
                if (action.outcome.kind === "arrested") { counts.arrests += n; }
                if (action.outcome.kind === "serversSeized") { counts.servers += n; }
                if (["itemsSeized", "domainSeized", "assetsFrozen"].indexOf(action.outcome.kind) >= 0) { counts.seizures += n; }
              }
            });
            ["arrests", "servers", "seizures", "done", "running", "failed", "overdue"].forEach(function (key) {
              document.getElementById("count-" + key).textContent = counts[key];
            });
            var day = (operation && operation.actionDay) || {};
            var countryHolds = day.countryHolds || {};
            var container = document.getElementById("countries");
            container.textContent = "";
            Object.keys(byCountry).sort().forEach(function (country) {
              var section = document.createElement("div");
              section.className = "country";
              var heading = text("h3", country);
              if (countryHolds[country]) { heading.appendChild(text("span", " ON HOLD" + (countryHolds[country].reason ? ": " + countryHolds[country].reason : ""), "held")); }
              if ((day.abortedCountries || []).indexOf(country) >= 0) { heading.appendChild(text("span", " ABORTED", "held")); }
              section.appendChild(heading);
              var table = document.createElement("table");
              table.className = "stack";
              var head = table.createTHead().insertRow();
              ["H±", "Action", "Executing agency", "Status", "Outcome", ""].forEach(function (title) { head.appendChild(text("th", title)); });
              var body = table.createTBody();
              byCountry[country].sort(function (a, b) { return a.offsetMinutes - b.offsetMinutes; }).forEach(function (action) {
                var row = body.insertRow();
                row.id = "action-" + action.id;
                row.dataset.status = action.status;
                if (isOverdue(action)) { row.className = "overdue"; }
                var offset = action.offsetMinutes;
                var label = offset === 0 ? "H" : "H" + (offset < 0 ? "-" : "+") +
                  (Math.abs(offset) >= 60 ? Math.floor(Math.abs(offset) / 60) + "h" : "") +
                  (Math.abs(offset) % 60 ? Math.abs(offset) % 60 + "m" : "");
                cell(row, "H±", label, "offset");
                var title = cell(row, "Action");
                title.appendChild(text("span", action.title, "title"));
                if ((action.gates || []).length) {
                  var gates = document.createElement("ul");
                  gates.className = "gates";
                  action.gates.forEach(function (gate) {
                    var item = text("li", (gate.checked ? "✔ " : "○ ") + gate.title, gate.checked ? "checked" : "");
                    if (mayAct(action) && ["done", "failed", "aborted"].indexOf(action.status) < 0) {
                      var button = text("button", gate.checked ? "Uncheck" : "Check", "gate");
                      button.type = "button";
                      button.addEventListener("click", function () { checkGate(action, gate); });
                      item.appendChild(document.createTextNode(" "));
                      item.appendChild(button);
                    }
                    gates.appendChild(item);
                  });
                  title.appendChild(gates);
                }
                cell(row, "Executing agency", (agencies[action.executingAgencyId] || {}).name || "");
                var statusCell = cell(row, "Status");
                statusCell.appendChild(text("span", labels[action.status] || action.status, "status status-" + action.status));
                var open = openGates(action);
                if (action.status === "ready" && open.length) {
                  // Where GO would have moved it: why it cannot go.
                  statusCell.appendChild(text("div", "Cannot go: " + open.length + (open.length === 1 ? " gate open: " : " gates open: ") +
                    open.map(function (gate) { return gate.title; }).join(", "), "blocked"));
                } else if (action.status === "ready" && (day.hold || countryHolds[action.country])) {
                  statusCell.appendChild(text("div", "Cannot go: on hold", "blocked"));
                }
                cell(row, "Outcome", outcomeText(action), "outcome");
                var actionsCell = cell(row, "", undefined, "report");
                if (mayAct(action) && !day.abortedAt) {
                  (next[action.status] || []).forEach(function (status) {
                    var button = text("button", labels[status], "report-" + status);
                    button.type = "button";
                    button.addEventListener("click", function () { report(action, status); });
                    actionsCell.appendChild(button);
                  });
                }
              });
              section.appendChild(table);
              container.appendChild(section);
            });
            drawTimeline(byCountry);
            // The banners agree with the state: an abort ends the day and replaces every other banner.
            var aborted = !!day.abortedAt;
            var held = Object.keys(countryHolds);
            document.getElementById("abort-banner").hidden = !aborted;
            document.getElementById("abort-reason").textContent = day.abortReason ? "Reason: " + day.abortReason : "";
            document.getElementById("hold-banner").hidden = aborted || !(day.hold || held.length);
            document.getElementById("hold-reason").textContent = day.hold
              ? "the whole operation" + (day.hold.reason ? " (" + day.hold.reason + ")" : "") + "."
              : held.map(function (country) { return country + (countryHolds[country].reason ? " (" + countryHolds[country].reason + ")" : ""); }).join(", ") + ".";
            var go = document.getElementById("go-banner");
            go.hidden = aborted || !day.goGivenAt;
            if (day.goGivenAt) {
              go.textContent = "GO given at " + utc(new Date(day.goGivenAt)) +
                (day.goGivenByAgencyId && agencies[day.goGivenByAgencyId] ? " by " + agencies[day.goGivenByAgencyId].name : "");
            }
            var controls = document.querySelector(".controls");
            if (controls) {
              controls.hidden = aborted;
              var goButton = controls.querySelector("[data-command=go]");
              goButton.disabled = !!day.hold || !hHour;
              goButton.title = day.hold ? "The operation is on hold: resume it first." : (!hHour ? "Set H-hour first." : "");
              controls.querySelector("[data-command=resume]").hidden = !(day.hold || held.length);
            }
          }
          // The plan as a timeline: a row per country, each action a bar from its planned start for
        // its expected duration, coloured by status, over H-48 h … H+24 h (wider if the plan is, over
        // its own span if it is short),
        // with H-hour and now marked. Redrawn with the board, so it moves live.
        var statusColours = { planned: "#8a93a3", ready: "#b26a00", go: "#1f4f8f", inProgress: "#1f4f8f",
                              done: "#245c2a", failed: "#b3261e", aborted: "#3b3b3b" };
        function svg(tag, attributes, text) {
          var element = document.createElementNS("http://www.w3.org/2000/svg", tag);
          Object.keys(attributes).forEach(function (key) { element.setAttribute(key, attributes[key]); });
          if (text !== undefined) { element.textContent = text; }
          return element;
        }
        function drawTimeline(byCountry) {
          var box = document.getElementById("timeline");
          if (!box) { return; }
          box.textContent = "";
          var countries = Object.keys(byCountry).sort();
          if (!countries.length) { return; }
          // The action day's window; a plan of a few hours or minutes (a rehearsal, a
          // simulation) is drawn over its own span, with ticks that fit it.
          var first = Infinity, last = -Infinity;
          Object.keys(actions).forEach(function (id) {
            first = Math.min(first, actions[id].offsetMinutes);
            last = Math.max(last, actions[id].offsetMinutes + actions[id].expectedDurationMinutes);
          });
          var from, to;
          if (last - first < 12 * 60) {
            var pad = Math.max(2, Math.round((last - first) / 10));
            from = Math.min(0, first) - pad; to = Math.max(0, last) + pad;
          } else {
            from = Math.min(-48 * 60, first); to = Math.max(24 * 60, last);
          }
          var step = [1, 2, 5, 10, 15, 30, 60, 120, 180, 360, 720].filter(function (minutes) {
            return (to - from) / minutes <= 12;
          })[0] || 1440;
          function label(minutes) {
            if (minutes === 0) { return "H"; }
            var size = Math.abs(minutes);
            return "H" + (minutes > 0 ? "+" : "-") + (size % 60 === 0 ? size / 60 + "h" : size + "m");
          }
          var left = 44, width = 1000, row = 22, top = 20;
          var height = top + countries.length * row + 8;
          function x(minutes) { return left + (minutes - from) / (to - from) * (width - left - 28); }
          var chart = svg("svg", { viewBox: "0 0 " + width + " " + height, role: "img", width: "100%",
                                   "aria-label": "Timeline of the plan by country, from " + label(Math.round(from)) + " to " + label(Math.round(to)) });
          for (var tick = Math.ceil(from / step) * step; tick <= to; tick += step) {
            chart.appendChild(svg("line", { x1: x(tick), x2: x(tick), y1: top - 4, y2: height - 4, stroke: "#d8dde5" }));
            chart.appendChild(svg("text", { x: x(tick), y: 12, "font-size": 11, "text-anchor": "middle", fill: "#1d2430" },
                                  label(tick)));
          }
          countries.forEach(function (country, index) {
            var y = top + index * row;
            chart.appendChild(svg("text", { x: 4, y: y + 15, "font-size": 12, "font-weight": 700, fill: "#1d2430" }, country));
            byCountry[country].forEach(function (action) {
              var start = x(action.offsetMinutes);
              var bar = svg("rect", { x: start, y: y + 4, height: row - 8, rx: 2,
                                      width: Math.max(4, x(action.offsetMinutes + action.expectedDurationMinutes) - start),
                                      fill: statusColours[action.status] || "#8a93a3", "data-status": action.status });
              bar.appendChild(svg("title", {}, action.title + " — " + (labels[action.status] || action.status)));
              chart.appendChild(bar);
            });
          });
          chart.appendChild(svg("line", { x1: x(0), x2: x(0), y1: top - 4, y2: height, stroke: "#1d2430", "stroke-width": 2 }));
          if (hHour) {
            var now = (Date.now() - hHour.getTime()) / 60000;
            if (now >= from && now <= to) {
              chart.appendChild(svg("line", { x1: x(now), x2: x(now), y1: top - 4, y2: height, stroke: "#b3261e", "stroke-width": 2, "stroke-dasharray": "4 3" }));
              chart.appendChild(svg("text", { x: x(now) + 3, y: height - 2, "font-size": 11, fill: "#b3261e" }, "now"));
            }
          }
          box.appendChild(chart);
        }
        // Live changes come in bursts (a GO moves hundreds of actions): they are drawn once a
        // frame, not once each.
        var renderPending = false;
        function renderSoon() {
          if (renderPending) { return; }
          renderPending = true;
          window.requestAnimationFrame(function () { renderPending = false; render(); });
        }
        function upsert(action) { actions[action.id] = action; renderSoon(); }
          var viewerClock = new Intl.DateTimeFormat("en-GB", {
            hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZoneName: "short"
          });
          function logLine(time, what, who, first) {
            var item = document.createElement("li");
            item.appendChild(text("strong", time.toISOString().substring(11, 19) + " UTC "));
            // The reader's own time beside it, when their clock is not on UTC.
            var local = viewerClock.format(time);
            if (local.indexOf("UTC") < 0) { item.appendChild(text("span", "(" + local + ") ", "muted")); }
            item.appendChild(document.createTextNode(what + (who ? " — " + who : "")));
            var list = document.getElementById("log");
            if (first) { list.insertBefore(item, list.firstChild); } else { list.appendChild(item); }
          }
          function log(event) {
            var who = (agencies[event.actorAgencyId] || {}).name || "";
            var what = event.kind.replace(".", " ").replace(/([A-Z])/g, " $1").toLowerCase();
            var subject = event.data && (event.data.title || event.data.name || event.data.codeName || event.data.text) || "";
            if (event.kind === "sitrep.approved") { subject = "SITREP " + event.data.number; }
            var status = event.kind === "action.statusChanged" && event.data ? " → " + (labels[event.data.status] || event.data.status) : "";
            logLine(new Date(event.recordedAt), what + (subject ? ": " + subject : "") + status, who, true);
          }
          // The exhibits counted by the server: every participant sees the counts, the exhibits
          // themselves only those who may read them. Asked again, at most once a second, as
          // exhibits are recorded or change hands.
          var exhibitCountsPending = false;
          var kindLabels = { server: "server", disk: "disk", diskImage: "disk image", phone: "phone", computer: "computer",
            storageMedium: "storage medium", document: "document", cash: "cash", cryptoWallet: "crypto wallet",
            vehicle: "vehicle", other: "other item" };
          function loadExhibitCounts() {
            fetch(api + "/exhibits/counts", { credentials: "same-origin" }).then(function (response) {
              return response.ok ? response.json() : null;
            }).then(function (counts) {
              if (!counts) { return; }
              document.getElementById("count-exhibits").textContent = counts.total;
              document.getElementById("count-transit").textContent = counts.inTransit;
              document.getElementById("count-mismatches").textContent = counts.hashMismatches;
              document.getElementById("exhibit-mismatches").hidden = !counts.hashMismatches;
              var kinds = Object.keys(kindLabels).filter(function (kind) { return counts.byKind[kind]; }).map(function (kind) {
                var n = counts.byKind[kind];
                return n + " " + kindLabels[kind] + (n === 1 ? "" : "s");
              });
              document.getElementById("exhibit-kinds").textContent = kinds.length ? "(" + kinds.join(", ") + ")" : "";
            }).catch(function () {});
          }
          function exhibitCountsSoon() {
            if (exhibitCountsPending) { return; }
            exhibitCountsPending = true;
            window.setTimeout(function () { exhibitCountsPending = false; loadExhibitCounts(); }, 1000);
          }
          function logExhibit(event) {
            var exhibit = event.data.exhibit || {};
            var entry = event.data.entry;
            var name = exhibit.exhibitNumber ? "exhibit " + exhibit.exhibitNumber : "an exhibit (" + (kindLabels[exhibit.kind] || exhibit.kind) + ")";
            var who = (agencies[event.actorAgencyId] || {}).name || "";
            var what = event.kind === "exhibit.recorded" ? "Seized: " + name
              : (entry ? entry.kind.replace(/([A-Z])/g, " $1").toLowerCase() + ": " + name : "Custody of " + name);
            logLine(new Date(event.recordedAt), what, who, true);
            var checked = entry && entry.hashCheck;
            if ((checked && checked.result === "mismatch") || (!entry && exhibit.hashMismatch && event.kind !== "exhibit.recorded")) {
              logLine(new Date(event.recordedAt), "HASH MISMATCH on " + name + ": it does not match the hash recorded at seizure", who, true);
              document.getElementById("log").firstChild.className = "alarm";
            }
          }
          function follow(since) {
            var status = document.getElementById("connection");
            var source = new EventSource(api + "/live?since=" + since);
            source.onopen = function () { status.textContent = "live"; status.className = "connection live"; };
            source.onerror = function () { status.textContent = "reconnecting…"; status.className = "connection lost"; };
            source.onmessage = function () {};
            ["action.created", "action.updated", "action.statusChanged", "action.gateChecked", "action.overdue", "action.deleted",
             "operation.go", "operation.hold", "operation.resume", "operation.abort", "operation.hHourSet",
             "target.created", "target.updated", "target.deleted", "instrument.created", "instrument.updated",
             "log.posted", "log.markedSignificant", "sitrep.approved", "exhibit.recorded", "exhibit.custodyRecorded", "reconnect"
            ].forEach(function (kind) {
              source.addEventListener(kind, function (message) {
                var event = JSON.parse(message.data);
                if (kind === "reconnect") { source.close(); follow(event.sequence); return; }
                if (kind.indexOf("exhibit.") === 0) { logExhibit(event); exhibitCountsSoon(); return; }
                if (kind === "action.deleted") { delete actions[event.data.id]; renderSoon(); }
                else if (kind.indexOf("action.") === 0) { upsert(event.data); }
                if (kind.indexOf("operation.") === 0) { operation = event.data; renderSoon(); }
                log(event);
              });
            });
          }
          function tick() {
            var now = new Date();
            document.getElementById("now-utc").textContent = now.toLocaleString("en-GB", {
              timeZone: "UTC", weekday: "short", day: "numeric", month: "short", year: "numeric", hour: "2-digit",
              minute: "2-digit", second: "2-digit", hourCycle: "h23"
            }).replace(/,/g, "");
            if (hHour) {
              var seconds = Math.round((now - hHour) / 1000);
              var sign = seconds < 0 ? "H-" : "H+";
              var s = Math.abs(seconds);
              var d = Math.floor(s / 86400), h = Math.floor(s % 86400 / 3600), m = Math.floor(s % 3600 / 60);
              document.getElementById("countdown").textContent = sign + (d ? d + "d " : "") +
                String(h).padStart(2, "0") + ":" + String(m).padStart(2, "0") + ":" + String(s % 60).padStart(2, "0");
            }
          }
          var commands = { go: "GO", hold: "HOLD", resume: "RESUME", abort: "ABORT" };
          document.querySelectorAll("button.control").forEach(function (button) {
            button.addEventListener("click", function () {
              var command = button.dataset.command;
              var day = (operation && operation.actionDay) || {};
              dialog("control-dialog", "Give " + commands[command], function (form) {
                var scope = form.elements.country;
                scope.textContent = "";
                var countries = Object.keys(actions).map(function (id) { return actions[id].country; })
                  .filter(function (country, index, all) { return all.indexOf(country) === index; }).sort();
                if (command === "resume") {
                  countries = Object.keys(day.countryHolds || {}).sort();
                }
                if (command !== "resume" || day.hold) { scope.appendChild(new Option("The whole operation", "")); }
                countries.forEach(function (country) { scope.appendChild(new Option("Only " + country, country)); });
                // GO is for the whole operation; RESUME needs no reason.
                scope.closest("label").hidden = command === "go";
                form.elements.reason.closest("label").hidden = command === "go" || command === "resume";
                form.elements.reason.value = "";
                form.querySelector("button[type=submit]").textContent = "Give " + commands[command];
                form.querySelector(".explain").textContent = {
                  go: "Every ready action whose gates hold, outside held countries, goes.",
                  hold: "Nothing in scope may start until RESUME. Every team sees the reason.",
                  resume: "The hold ends; ready actions wait for GO.",
                  abort: "Every unfinished action in scope is called off. Aborting the whole operation ends the day."
                }[command];
              }, function (form) {
                var body = { command: command };
                if (command !== "go" && form.elements.country.value) { body.country = form.elements.country.value; }
                if (form.elements.reason.value.trim() && command !== "go" && command !== "resume") { body.reason = form.elements.reason.value; }
                return request("POST", api + "/control", body).then(function (updated) {
                  operation = updated;
                  return everyPage(api + "/actions");
                }).then(function (items) {
                  items.forEach(function (action) { actions[action.id] = action; });
                  render(); showMessage("");
                });
              });
            });
          });
          // The whole plan, a page after another; the log's newest page only (newest first).
          function everyPage(path, after, items) {
            items = items || [];
            var separator = path.indexOf("?") < 0 ? "?" : "&";
            return request("GET", path + separator + "limit=500" + (after ? "&after=" + encodeURIComponent(after) : ""))
              .then(function (page) {
                items = items.concat(page.items);
                return page.next ? everyPage(path, page.next, items) : items;
              });
          }
          Promise.all([request("GET", "/api/v1/agencies"), request("GET", api), everyPage(api + "/actions"), request("GET", api + "/log")])
            .then(function (results) {
              results[0].items.forEach(function (agency) { agencies[agency.id] = agency; });
              operation = results[1];
              results[2].forEach(function (action) { actions[action.id] = action; });
              // The log so far, newest first; what happens from now on goes above it.
              results[3].items.forEach(function (entry) {
                logLine(new Date(entry.createdAt), "log" + (entry.significant ? " (significant)" : "") + ": " + entry.text,
                        (agencies[entry.agencyId] || {}).name || "", false);
              });
              render();
              loadExhibitCounts();
              follow(root.dataset.since);
            }).catch(function (error) { showMessage(error.message); });
          tick();
          setInterval(tick, 1000);
          // Redraw now and then so that actions become overdue on screen as time passes.
          setInterval(render, 30000);
        })();
        """

    /// The sitrep pages: compile, save, approve (after a confirmation) and discard through the API.
    static let sitrepScript = """
        (function () {
          function showMessage(text) {
            var element = document.getElementById("message");
            element.textContent = text;
            element.hidden = !text;
          }
          function request(method, path, body) {
            return fetch(path, {
              method: method, credentials: "same-origin",
              headers: body === undefined ? {} : { "Content-Type": "application/json" },
              body: body === undefined ? undefined : JSON.stringify(body)
            }).then(function (response) {
              if (response.status === 204) { return null; }
              return response.json().then(function (data) {
                if (!response.ok) { throw new Error(data.detail || response.statusText); }
                return data;
              });
            });
          }
          var compile = document.getElementById("compile-sitrep");
          if (compile) {
            compile.addEventListener("submit", function (event) {
              event.preventDefault();
              var api = "/api/v1/operations/" + compile.dataset.operation + "/sitreps";
              request("POST", api, {}).then(function (sitrep) {
                window.location.href = "/operations/" + compile.dataset.operation + "/sitreps/" + sitrep.id;
              }).catch(function (error) { showMessage(error.message); });
            });
          }
          var edit = document.getElementById("edit-sitrep");
          if (edit) {
            var api = "/api/v1/operations/" + edit.dataset.operation + "/sitreps/" + edit.dataset.sitrep;
            edit.addEventListener("submit", function (event) {
              event.preventDefault();
              var status = event.submitter ? event.submitter.value : "draft";
              if (status === "approved" &&
                  !window.confirm("Approve this sitrep? It is numbered, sent to every participant and cannot change afterwards.")) {
                return;
              }
              var problems = document.getElementById("open-problems").value.split("\\n")
                .map(function (line) { return line.trim(); }).filter(function (line) { return line; });
              request("PUT", api, { summary: document.getElementById("summary").value, openProblems: problems, status: status })
                .then(function () { window.location.reload(); })
                .catch(function (error) { showMessage(error.message); });
            });
            document.getElementById("discard-sitrep").addEventListener("click", function () {
              if (!window.confirm("Discard this draft?")) { return; }
              request("DELETE", api).then(function () {
                window.location.href = "/operations/" + edit.dataset.operation + "/sitreps";
              }).catch(function (error) { showMessage(error.message); });
            });
          }
        })();
        """

    /// The hits page: marks a hit reviewed for the user's agency.
    static let hitsScript = """
        document.querySelectorAll("button.review-hit").forEach(function (button) {
          button.addEventListener("click", function () {
            fetch("/api/v1/hits/" + button.dataset.hit + "/review", {
              method: "POST", credentials: "same-origin", headers: { "Content-Type": "application/json" },
              body: JSON.stringify({ reviewed: true })
            }).then(function (response) {
              if (response.ok) { button.parentNode.textContent = "yes"; return; }
              return response.json().then(function (problem) {
                var message = document.getElementById("message");
                message.textContent = problem.detail || response.statusText;
                message.hidden = false;
              });
            });
          });
        });
        """

    static let messagesScript = """
        (function () {
          function show(text) {
            var message = document.getElementById("message");
            message.textContent = text;
            message.hidden = false;
          }
          function fail(response) {
            return response.json().then(function (problem) { show(problem.detail || response.statusText); },
              function () { show(response.statusText); });
          }
          var compose = document.getElementById("compose");
          if (compose) {
            compose.addEventListener("submit", function (event) {
              event.preventDefault();
              var form = compose.elements;
              var message = {
                subject: form.subject.value, body: form.body.value, handling: form.handling.value,
                evaluation: form.source.value + form.information.value
              };
              if (form.handlingRestriction.value) { message.handlingRestriction = form.handlingRestriction.value; }
              var choice = compose.querySelector("input[name=distribution]:checked");
              if (!choice) { show("Choose who receives the message."); return; }
              if (choice.value === "all") {
                message.distribution = "all";
              } else {
                message.distribution = Array.prototype.map.call(
                  compose.querySelectorAll("input[name=agency]:checked"), function (box) { return box.value; });
                if (message.distribution.length === 0) { show("Tick at least one agency, or send to all participants."); return; }
              }
              if (compose.dataset.parent) {
                if (compose.dataset.correcting) { message.corrects = compose.dataset.parent; }
                else { message.replyTo = compose.dataset.parent; }
              }
              var data = new FormData();
              data.append("message", new Blob([JSON.stringify(message)], { type: "application/json" }));
              Array.prototype.forEach.call(form.file.files, function (file) { data.append("file", file, file.name); });
              var base = "/api/v1/operations/" + compose.dataset.operation + "/messages";
              fetch(base, { method: "POST", credentials: "same-origin", body: data }).then(function (response) {
                if (!response.ok) { return fail(response); }
                return response.json().then(function (sent) {
                  window.location = "/operations/" + compose.dataset.operation + "/messages/" + sent.id;
                });
              });
            });
          }
          var script = document.getElementById("messages-script");
          if (!script) { return; }
          var base = "/api/v1/operations/" + script.dataset.operation + "/messages/";
          function post(path, body) {
            var options = { method: "POST", credentials: "same-origin" };
            if (body) { options.headers = { "Content-Type": "application/json" }; options.body = JSON.stringify(body); }
            return fetch(base + path, options).then(function (response) {
              if (!response.ok) { return fail(response).then(function () { return null; }); }
              return response.json();
            });
          }
          document.querySelectorAll("button.acknowledge").forEach(function (button) {
            button.addEventListener("click", function () {
              post(button.dataset.message + "/acknowledgements").then(function (done) {
                if (done) {
                  var tag = document.createElement("span");
                  tag.className = "tag";
                  tag.textContent = "acknowledged by your agency";
                  button.replaceWith(tag);
                }
              });
            });
          });
          document.querySelectorAll("button.decide").forEach(function (button) {
            button.addEventListener("click", function () {
              post(button.dataset.message + "/forwards/" + button.dataset.forward + "/decision",
                { grant: button.dataset.grant === "true" }).then(function (done) { if (done) { window.location.reload(); } });
            });
          });
          document.querySelectorAll("form.forward").forEach(function (form) {
            form.addEventListener("submit", function (event) {
              event.preventDefault();
              var body = { agencyId: form.elements.agencyId.value };
              if (form.elements.reason.value) { body.reason = form.elements.reason.value; }
              post(form.dataset.message + "/forwards", body).then(function (done) { if (done) { window.location.reload(); } });
            });
          });
        })();
        """

    static let script = """
        // Shows times in the viewer's own time zone next to UTC.
        (function () {
          // As Europeans read it: 24-hour clock, day before month, the zone named.
          // One formatter for every time of the page: a plan shows a thousand.
          var format = new Intl.DateTimeFormat("en-GB", {
            weekday: "short", day: "numeric", month: "short", year: "numeric", hour: "2-digit", minute: "2-digit",
            hourCycle: "h23", timeZoneName: "short"
          });
          function viewerTime(date) { return format.format(date).replace(/,/g, ""); }
          document.querySelectorAll("time.local").forEach(function (element) {
            var date = new Date(element.getAttribute("datetime"));
            if (!isNaN(date)) { element.textContent = viewerTime(date); }
          });
          // A document's times (a sitrep's) are written in UTC; the viewer's follows each.
          document.querySelectorAll("article time.utc").forEach(function (element) {
            var date = new Date(element.getAttribute("datetime"));
            if (isNaN(date)) { return; }
            var local = document.createElement("span");
            local.className = "your-time";
            local.textContent = " (your time: " + viewerTime(date) + ")";
            element.insertAdjacentElement("afterend", local);
          });
        })();
        """
}
