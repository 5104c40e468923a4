extension StaticAssets {
    /// The workspace's forms: each `form[data-api]` is sent as JSON to the API route it names,
    /// so that a page runs exactly the code (validation, access policy, one transaction) the
    /// API runs. A refusal is shown next to the field the problem detail names, in the API's
    /// words, and the values entered stay; nothing is written.
    ///
    /// Conventions: an input's `name` is its JSON path (`selectors[0].value`); rows of a list
    /// live in `[data-rows=NAME]` and their inputs carry `data-name` relative to the row (their
    /// `name` is set from the row's place when the form is sent); `data-type` reads a value as
    /// `int`, `bool`, `lines` (one array item a line), `evaluation` (a fieldset of source and
    /// information), `distribution` (a fieldset: all participants, or the agencies ticked) or
    /// `zoned-time` (a fieldset of date, time and IANA zone, sent as UTC); empty optional
    /// values (`data-optional`) are left out.
    static let formsScript = """
        (function () {
          "use strict";
          function setPath(object, path, value) {
            var parts = path.replace(/\\[(\\d+)\\]/g, ".$1").split(".");
            var target = object;
            for (var i = 0; i < parts.length - 1; i++) {
              if (target[parts[i]] === undefined) { target[parts[i]] = /^\\d+$/.test(parts[i + 1]) ? [] : {}; }
              target = target[parts[i]];
            }
            target[parts[parts.length - 1]] = value;
          }
          function zoneOffset(instant, zone) {
            var format = new Intl.DateTimeFormat("en-GB", { timeZone: zone, hourCycle: "h23", year: "numeric",
              month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit" });
            var parts = {};
            format.formatToParts(new Date(instant)).forEach(function (part) { parts[part.type] = part.value; });
            return Date.UTC(+parts.year, +parts.month - 1, +parts.day, +parts.hour % 24, +parts.minute, +parts.second) - instant;
          }
          // The instant a wall-clock time in an IANA zone names, as ISO 8601 in UTC.
          function zonedTime(fieldset) {
            var date = fieldset.querySelector("[data-part=date]").value;
            var time = fieldset.querySelector("[data-part=time]").value;
            var zone = fieldset.querySelector("[data-part=zone]").value;
            if (!date || !time || !zone) { return ""; }
            var d = date.split("-").map(Number), t = time.split(":").map(Number);
            var wall = Date.UTC(d[0], d[1] - 1, d[2], t[0], t[1]);
            var instant = wall;
            try {
              for (var i = 0; i < 3; i++) { instant = wall - zoneOffset(instant, zone); }
            } catch (error) { return "invalid"; }
            return new Date(instant).toISOString().replace(".000Z", "Z");
          }
          function showUTC(fieldset) {
            var output = fieldset.querySelector("output");
            if (!output) { return; }
            var value = zonedTime(fieldset);
            output.textContent = value && value !== "invalid"
              ? "= " + new Date(value).toUTCString().replace(":00 GMT", " UTC") : "";
          }
          function numberRows(form) {
            form.querySelectorAll("[data-rows]").forEach(function (list) {
              var name = list.dataset.rows;
              Array.prototype.forEach.call(list.children, function (row, index) {
                row.querySelectorAll("[data-name]").forEach(function (input) {
                  input.name = name + "[" + index + "]" + (input.dataset.name ? "." + input.dataset.name : "");
                });
              });
            });
          }
          function rowApplies(input) {
            var row = input.closest("[data-kind-row]");
            if (!row) { return true; }
            var kind = row.querySelector("[data-name=kind]").value;
            if (input.dataset.whenKind) { return input.dataset.whenKind === kind; }
            if (input.dataset.unlessKind) { return input.dataset.unlessKind !== kind; }
            return true;
          }
          function body(form) {
            numberRows(form);
            var result = {};
            form.querySelectorAll("fieldset[data-type]").forEach(function (fieldset) {
              var name = fieldset.dataset.name, value;
              if (fieldset.dataset.type === "evaluation") {
                value = (fieldset.querySelector("[data-part=source]").value || "") +
                  (fieldset.querySelector("[data-part=information]").value || "");
              } else if (fieldset.dataset.type === "distribution") {
                var all = fieldset.querySelector("input[value=all]");
                value = all && all.checked ? "all" : Array.prototype.map.call(
                  fieldset.querySelectorAll("input[data-agency]:checked"), function (box) { return box.value; });
              } else if (fieldset.dataset.type === "hashes") {
                value = [];
                fieldset.querySelectorAll("input[data-algorithm]").forEach(function (input) {
                  if (input.value.trim()) { value.push({ algorithm: input.dataset.algorithm, value: input.value.trim() }); }
                });
              } else if (fieldset.dataset.type === "zoned-time") {
                value = zonedTime(fieldset);
                if (value === "" && fieldset.hasAttribute("data-optional")) { return; }
              }
              setPath(result, name, value);
            });
            Array.prototype.forEach.call(form.elements, function (input) {
              if (!input.name || input.closest("fieldset[data-type]") || input.type === "submit" || input.type === "button") { return; }
              if (!rowApplies(input)) { return; }
              if (input.type === "radio" && !input.checked) { return; }
              var value = input.value;
              var type = input.dataset.type;
              if (type === "bool") { value = input.checked; }
              else if (type === "lines") {
                value = value.split("\\n").map(function (line) { return line.trim(); }).filter(Boolean);
                if (!value.length && input.hasAttribute("data-optional")) { return; }
              } else {
                if (value.trim() === "" && input.hasAttribute("data-optional")) { return; }
                if (type === "int") { value = value.trim() === "" ? null : Number(value); }
              }
              setPath(result, input.name, value);
            });
            return result;
          }
          function clearErrors(form) {
            form.querySelectorAll(".field-error").forEach(function (error) { error.remove(); });
            form.querySelectorAll("[aria-invalid]").forEach(function (input) {
              input.removeAttribute("aria-invalid");
              input.removeAttribute("aria-describedby");
            });
          }
          // The input a problem's field names, or the nearest one that holds it.
          function fieldElement(form, field) {
            var path = field;
            while (path) {
              var quoted = CSS.escape(path);
              var found = form.querySelector("[name=\\"" + quoted + "\\"], [data-field=\\"" + quoted + "\\"]");
              if (found) { return found; }
              var cut = Math.max(path.lastIndexOf("."), path.lastIndexOf("["));
              path = cut > 0 ? path.substring(0, cut) : "";
            }
            return null;
          }
          var errors = 0;
          function showProblem(form, problem) {
            var summary = form.querySelector(".form-problem");
            summary.textContent = problem.detail || "The request was refused.";
            summary.hidden = false;
            var element = problem.field ? fieldElement(form, problem.field) : null;
            if (!element) { summary.focus(); return; }
            var note = document.createElement("p");
            note.className = "field-error";
            note.id = "field-error-" + (++errors);
            note.textContent = problem.detail;
            var anchor = element.closest("label, fieldset, .row") || element;
            anchor.insertAdjacentElement("afterend", note);
            element.setAttribute("aria-invalid", "true");
            element.setAttribute("aria-describedby", note.id);
            if (element.focus) { element.focus(); }
          }
          function send(method, url, payload) {
            return fetch(url, {
              method: method, credentials: "same-origin",
              headers: payload === undefined ? {} : { "Content-Type": "application/json" },
              body: payload === undefined ? undefined : JSON.stringify(payload)
            }).then(function (response) {
              return response.text().then(function (text) {
                var data = {};
                try { data = text ? JSON.parse(text) : {}; } catch (error) { data = { detail: text }; }
                if (!response.ok) { data.status = response.status; throw data; }
                return data;
              });
            });
          }
          function follow(then, data) {
            if (!then || then === "reload") { window.location.reload(); return; }
            window.location.assign(then.replace("{id}", encodeURIComponent(data.id || "")));
          }
          document.querySelectorAll("[data-print]").forEach(function (button) {
            button.addEventListener("click", function () { window.print(); });
          });
          document.querySelectorAll("form[data-api]").forEach(function (form) {
            form.setAttribute("novalidate", "");
            form.querySelectorAll("fieldset[data-type=zoned-time]").forEach(function (fieldset) {
              fieldset.addEventListener("input", function () { showUTC(fieldset); });
              fieldset.addEventListener("change", function () { showUTC(fieldset); });
              showUTC(fieldset);
            });
            form.addEventListener("submit", function (event) {
              event.preventDefault();
              clearErrors(form);
              form.querySelector(".form-problem").hidden = true;
              var button = form.querySelector("[type=submit]");
              if (form.dataset.confirm && !window.confirm(form.dataset.confirm)) { return; }
              if (button) { button.disabled = true; }
              send(form.dataset.method || "POST", form.dataset.api, body(form)).then(function (data) {
                follow(form.dataset.then, data);
              }).catch(function (problem) {
                if (button) { button.disabled = false; }
                showProblem(form, problem);
              });
            });
          });
          // Rows of a list: add one from its template, remove one.
          document.addEventListener("click", function (event) {
            var add = event.target.closest("[data-add-row]");
            if (add) {
              var template = document.getElementById(add.dataset.addRow + "-row");
              var list = document.querySelector("[data-rows=\\"" + CSS.escape(add.dataset.addRow) + "\\"]");
              list.appendChild(template.content.cloneNode(true));
              var inputs = list.lastElementChild.querySelectorAll("input, select");
              if (inputs.length) { inputs[0].focus(); }
              kindRows(list.lastElementChild);
              return;
            }
            var remove = event.target.closest("[data-remove-row]");
            if (remove) { remove.closest(".row").remove(); return; }
            var remove = event.target.closest("table.plan button.remove-action");
            if (remove) {
              var row = remove.closest("tr[data-action]");
              var title = row.querySelector(".action-title");
              if (!window.confirm("Take " + (title ? title.textContent : "this action") + " off the plan?")) { return; }
              remove.disabled = true;
              send("DELETE", "/api/v1/operations/" + encodeURIComponent(remove.closest("table").dataset.operation) +
                   "/actions/" + encodeURIComponent(row.dataset.action)).then(function () {
                window.location.reload();
              }).catch(function (problem) {
                remove.disabled = false;
                var message = document.getElementById("message");
                if (message) { message.textContent = problem.detail || "Refused."; message.hidden = false; }
              });
              return;
            }
            var call = event.target.closest("button[data-call]");
            if (call) {
              if (call.dataset.confirm && !window.confirm(call.dataset.confirm)) { return; }
              var message = document.getElementById("message");
              call.disabled = true;
              send(call.dataset.method || "POST", call.dataset.call,
                   call.dataset.body ? JSON.parse(call.dataset.body) : undefined).then(function (data) {
                follow(call.dataset.then, data);
              }).catch(function (problem) {
                call.disabled = false;
                if (message) { message.textContent = problem.detail || "Refused."; message.hidden = false; }
              });
            }
          });
          // A selector row shows the inputs its kind takes: a person has a name and a date of birth.
          function kindRows(scope) {
            scope.querySelectorAll("[data-kind-row]").forEach(function (row) {
              var kind = row.querySelector("[data-name=kind]");
              function show() {
                row.querySelectorAll("[data-when-kind], [data-unless-kind]").forEach(function (input) {
                  (input.closest("label") || input).hidden = !rowApplies(input);
                });
              }
              kind.addEventListener("change", show);
              show();
            });
          }
          kindRows(document);
          // A list filtered as one types: by kind, by agency, by any text of the row.
          document.querySelectorAll("form[data-filter]").forEach(function (form) {
            var rows = document.querySelectorAll(form.dataset.filter + " tbody tr");
            function apply() {
              var kind = form.querySelector("[data-filter-by=kind]").value;
              var agency = form.querySelector("[data-filter-by=agency]").value;
              var words = form.querySelector("[data-filter-by=text]").value.trim().toLowerCase();
              var shown = 0;
              rows.forEach(function (row) {
                var match = (!kind || row.dataset.kind === kind) && (!agency || row.dataset.agency === agency) &&
                  (!words || row.textContent.toLowerCase().indexOf(words) >= 0);
                row.hidden = !match;
                if (match) { shown += 1; }
              });
              form.querySelector("[data-filter-count]").textContent = shown + " of " + rows.length + " shown";
            }
            form.addEventListener("input", apply);
            form.addEventListener("change", apply);
            form.addEventListener("submit", function (event) { event.preventDefault(); });
            apply();
          });
        })();
        """

    /// The import page: reads a file (or pasted text) of targets, asks the API for a preview
    /// (`…/targets/import/preview`, which writes no target), shows each row with its problem
    /// (and the line of the file it starts on) and its hits, and sends the same targets to the
    /// import only when the person confirms and no row is refused.
    static let importScript = """
        (function () {
          "use strict";
          var form = document.getElementById("import");
          if (!form) { return; }
          var problem = form.querySelector(".form-problem");
          var section = document.getElementById("import-preview");
          var summary = document.getElementById("import-summary");
          var rows = document.getElementById("import-rows").tBodies[0];
          var confirmButton = document.getElementById("import-confirm");
          var pending = null;
          function show(text) { problem.textContent = text; problem.hidden = false; problem.focus(); }
          function plural(count, one, many) { return count + " " + (count === 1 ? one : many); }
          function words(text) { return String(text || "").replace(/([A-Z])/g, " $1").toLowerCase(); }
          function read(file) {
            return new Promise(function (resolve, reject) {
              var reader = new FileReader();
              reader.onload = function () { resolve(reader.result); };
              reader.onerror = function () { reject({ detail: "The file could not be read." }); };
              reader.readAsText(file);
            });
          }
          // The line each element of the list of targets starts on, found by walking the text.
          function lines(text) {
            var starts = [], depth = 0, inString = false, line = 1, listDepth = -1, expecting = false;
            for (var i = 0; i < text.length; i++) {
              var c = text[i];
              if (c === "\\n") { line += 1; }
              if (inString) {
                if (c === "\\\\") { i += 1; } else if (c === "\\"") { inString = false; }
                continue;
              }
              if (c === "\\"") { inString = true; if (expecting && depth === listDepth) { starts.push(line); expecting = false; } continue; }
              if (c === " " || c === "\\t" || c === "\\r" || c === "\\n" || c === ":") { continue; }
              if (expecting && depth === listDepth && c !== "]") { starts.push(line); expecting = false; }
              if (c === "[" || c === "{") {
                depth += 1;
                if (c === "[" && listDepth < 0 && (depth === 1 || /"targets"\\s*:\\s*$/.test(text.slice(Math.max(0, i - 40), i)))) {
                  listDepth = depth; expecting = true;
                }
              } else if (c === "]" || c === "}") {
                depth -= 1;
              } else if (c === "," && depth === listDepth) {
                expecting = true;
              }
            }
            return starts;
          }
          // A partner's format goes to the import itself, with dryRun for the preview; Concert's
          // JSON to the preview route, which also checks each selector before sharing.
          function detect(text, name) {
            var body = text.replace(/^\\uFEFF/, "");
            var first = body.replace(/^\\s+/, "").charAt(0);
            if (/\\.(csv|tsv|txt)$/i.test(name || "") || (first !== "{" && first !== "[")) {
              return { type: /\\.tsv$/i.test(name || "") ? "text/tab-separated-values" : "text/csv", format: "a table" };
            }
            var data;
            try { data = JSON.parse(body); } catch (error) { throw { detail: "The file is not JSON: " + error.message }; }
            if (data && data.type === "bundle") { return { type: "application/stix+json", format: "a STIX bundle" }; }
            if (data && (data.Event || data.response || (Array.isArray(data) && data[0] && data[0].Event))) {
              return { type: "application/json", format: "MISP events" };
            }
            return null;
          }
          function defaults() {
            var query = "handling=" + encodeURIComponent(form.elements.handling.value) +
              "&evaluation=" + encodeURIComponent(form.elements.evaluation.value.toUpperCase());
            if (form.elements.handlingRestriction.value.trim()) {
              query += "&handlingRestriction=" + encodeURIComponent(form.elements.handlingRestriction.value.trim());
            }
            return query;
          }
          function sendFile(url, type, text) {
            return fetch(url, { method: "POST", credentials: "same-origin", headers: { "Content-Type": type }, body: text })
              .then(function (response) {
                return response.text().then(function (body) {
                  var data = {};
                  try { data = body ? JSON.parse(body) : {}; } catch (error) { data = { detail: body }; }
                  if (!response.ok) { throw data; }
                  return data;
                });
              });
          }
          function place(where) {
            var parts = [];
            if (where.line) { parts.push("line " + where.line); }
            if (where.column) { parts.push("column " + where.column + (where.header ? " (" + where.header + ")" : "")); }
            if (where.object) { parts.push(where.object); }
            if (where.path) { parts.push(where.path); }
            return parts.join(", ");
          }
          var notes = document.getElementById("import-notes");
          function headings(names) {
            var cells = document.querySelectorAll("#import-rows thead th");
            names.forEach(function (name, index) { cells[index].textContent = name; });
          }
          function renderPlan(plan, format) {
            rows.textContent = "";
            notes.textContent = "";
            headings(["Place", "Target", "Selectors, handling", "Action"]);
            plan.targets.forEach(function (item) {
              var row = rows.insertRow();
              cell(row, "Place", place(item.place));
              cell(row, "Target", item.name + " · " + words(item.kind));
              cell(row, "Selectors, handling", plural(item.selectors, "selector", "selectors") + ", " + item.handling +
                (item.handlingFromFile ? " (from the file)" : " (yours)"));
              cell(row, "Action", item.action === "create" ? "new" : item.action === "update" ? "updates the one imported before" : "imported before, unchanged");
            });
            var lists = [["Error", plan.errors, "refused"], ["Left out as too wide", plan.leftOut, ""],
              ["Skipped", plan.skippedItems, ""], ["Names nothing known", plan.unresolved, ""]];
            lists.forEach(function (list) {
              list[1].forEach(function (note) {
                var item = document.createElement("li");
                item.textContent = list[0] + " at " + place(note.place) + ": " + note.detail;
                if (list[2]) { item.className = list[2]; }
                notes.appendChild(item);
              });
            });
            var unknown = Object.keys(plan.unknownTypes).sort().map(function (type) { return plan.unknownTypes[type] + " " + type; });
            if (unknown.length) {
              var item = document.createElement("li");
              item.textContent = "Not read: " + unknown.join(", ") + ".";
              notes.appendChild(item);
            }
            summary.textContent = "The file is " + format + ": " + plan.created + " to create, " + plan.updated + " to update, " +
              plan.skipped + " skipped, " + plural(plan.leftOut.length, "identifier", "identifiers") + " left out as too wide." +
              (plan.errors.length ? " " + plural(plan.errors.length, "error", "errors") + ": correct them and preview again; the import records every target or none." : "");
            confirmButton.disabled = plan.errors.length > 0 || plan.created + plan.updated === 0;
            confirmButton.textContent = "Record " + plural(plan.created + plan.updated, "target", "targets");
            section.hidden = false;
          }
          function parse(text) {
            text = text.replace(/^\\uFEFF/, "");
            var data;
            try { data = JSON.parse(text); } catch (error) { throw { detail: "The file is not JSON: " + error.message }; }
            var targets = Array.isArray(data) ? data : data && data.targets;
            if (!Array.isArray(targets) || !targets.length) {
              throw { detail: "The file holds no targets: Concert's JSON is {\\"targets\\": [ … ]} or a list of targets." };
            }
            return { targets: targets, lines: lines(text) };
          }
          function send(url, payload) {
            return fetch(url, { method: "POST", credentials: "same-origin",
              headers: { "Content-Type": "application/json" }, body: JSON.stringify(payload) })
              .then(function (response) {
                return response.text().then(function (text) {
                  var data = {};
                  try { data = text ? JSON.parse(text) : {}; } catch (error) { data = { detail: text }; }
                  if (!response.ok) { throw data; }
                  return data;
                });
              });
          }
          function cell(row, label, text) {
            var td = row.insertCell(); td.dataset.label = label; td.textContent = text; return td;
          }
          function render(preview, lineOf) {
            rows.textContent = "";
            preview.rows.forEach(function (item) {
              var row = rows.insertRow();
              if (item.problem) { row.className = "refused"; }
              var line = lineOf[item.row - 1];
              cell(row, "Row", item.row + (line ? " (line " + line + ")" : ""));
              cell(row, "Target", (item.name || "—") + (item.kind ? " · " + words(item.kind) : ""));
              var selectors = cell(row, "Selectors", "");
              item.selectors.forEach(function (selector) {
                var entry = document.createElement("div");
                var contacts = selector.matches.map(function (match) {
                  return match.agency.name + " (" + match.agency.country + ")" + (match.agency.contact ? ": " + match.agency.contact : "");
                });
                if (selector.commonHolders) { contacts.push("a common value, held by " + selector.commonHolders + " operations"); }
                entry.textContent = selector.value + " (" + selector.kind + ")" + (selector.hit ? " — HIT: " + contacts.join("; ") : "");
                if (selector.hit) { entry.className = "hit"; }
                selectors.appendChild(entry);
              });
              cell(row, "Problem", item.problem ? item.problem.detail + (item.problem.field ? " (" + item.problem.field + ")" : "") : "");
            });
            summary.textContent = plural(preview.targets, "row", "rows") + ": " + preview.valid + " can be recorded" +
              (preview.invalid ? ", " + preview.invalid + " cannot" : "") + ". " +
              plural(preview.selectors, "selector", "selectors") + ", " + preview.hits + " held by another agency." +
              (preview.invalid ? " Correct the rows marked and preview again: the import records every row or none." : "");
            confirmButton.disabled = preview.invalid > 0;
            confirmButton.textContent = "Record " + plural(preview.valid, "target", "targets");
            section.hidden = false;
          }
          form.addEventListener("submit", function (event) {
            event.preventDefault();
            problem.hidden = true;
            section.hidden = true;
            pending = null;
            var file = form.elements.file.files[0];
            var text = form.elements.text.value;
            if (!file && !text.trim()) { show("Choose a file or paste its text."); return; }
            (file ? read(file) : Promise.resolve(text)).then(function (content) {
              var partner = detect(content, file && file.name);
              if (partner) {
                return sendFile(form.dataset.api + "?dryRun=true&" + defaults(), partner.type, content).then(function (plan) {
                  pending = { file: content, type: partner.type, query: defaults() };
                  renderPlan(plan, partner.format);
                }, function (refusal) {
                  // Refused whole: every error with its place, to be corrected before trying again.
                  if (!refusal.errors) { throw refusal; }
                  rows.textContent = "";
                  notes.textContent = "";
                  refusal.errors.forEach(function (note) {
                    var item = document.createElement("li");
                    item.textContent = "Error at " + place(note.place) + ": " + note.detail;
                    item.className = "refused";
                    notes.appendChild(item);
                  });
                  summary.textContent = refusal.detail + " Correct " + (refusal.errors.length === 1 ? "it" : "them") +
                    " and preview again: the import records every target or none.";
                  confirmButton.disabled = true;
                  confirmButton.textContent = "Record the targets";
                  section.hidden = false;
                });
              }
              notes.textContent = "";
              headings(["Row", "Target", "Selectors", "Problem"]);
              var parsed = parse(content);
              return send(form.dataset.api + "/preview", { targets: parsed.targets }).then(function (preview) {
                pending = parsed.targets;
                render(preview, parsed.lines);
              });
            }).catch(function (error) {
              show((error.detail || "The preview was refused.") + (error.field ? " (" + error.field + ")" : ""));
            });
          });
          confirmButton.addEventListener("click", function () {
            if (!pending) { return; }
            confirmButton.disabled = true;
            var sending = pending.file !== undefined
              ? sendFile(form.dataset.api + "?" + pending.query, pending.type, pending.file)
              : send(form.dataset.api, { targets: pending });
            sending.then(function (result) {
              pending = null;
              var recorded = result.imported !== undefined ? plural(result.imported, "target", "targets")
                : plural(result.created, "target", "targets") + " new and " + result.updated + " updated";
              summary.textContent = "Recorded " + recorded + "; " + plural(result.hits, "new hit", "new hits") + " found. ";
              var back = document.createElement("a");
              back.href = form.dataset.operation + "#targets";
              back.textContent = "Back to the operation";
              summary.appendChild(back);
              confirmButton.hidden = true;
            }).catch(function (error) {
              confirmButton.disabled = false;
              summary.textContent = (error.detail || "The import was refused.") + (error.field ? " (" + error.field + ")" : "");
            });
          });
        })();
        """

    /// The calendar subscription on the operation's page: makes the user's calendar token
    /// (`POST /api/v1/me/calendar-token`) and shows the schedule's address with it, or ends it.
    static let calendarScript = """
        (function () {
          "use strict";
          var paragraph = document.getElementById("calendar");
          var box = document.getElementById("calendar-address");
          if (!paragraph || !box) { return; }
          var url = document.getElementById("calendar-url");
          function refused(error, fallback) {
            var message = document.getElementById("message");
            message.textContent = error.detail || fallback;
            message.hidden = false;
          }
          function call(method) {
            return fetch("/api/v1/me/calendar-token", { method: method, credentials: "same-origin" }).then(function (response) {
              return response.text().then(function (text) {
                var data = {};
                try { data = text ? JSON.parse(text) : {}; } catch (error) { data = { detail: text }; }
                if (!response.ok) { throw data; }
                return data;
              });
            });
          }
          document.getElementById("calendar-subscribe").addEventListener("click", function () {
            call("POST").then(function (subscription) {
              url.value = location.origin + subscription.path.replace("{operationId}", paragraph.dataset.operation);
              box.hidden = false;
              url.focus();
              url.select();
            }).catch(function (error) { refused(error, "The calendar address could not be made."); });
          });
          document.getElementById("calendar-end").addEventListener("click", function () {
            call("DELETE").then(function () {
              url.value = "";
              box.hidden = true;
            }).catch(function (error) { refused(error, "The calendar address could not be ended."); });
          });
        })();
        """

    /// The check before sharing: sends the identifiers pasted (one a line, kind guessed or
    /// chosen) to the API and shows hit or no hit for each, and whom to contact.
    static let checkScript = """
        (function () {
          "use strict";
          var form = document.getElementById("check");
          if (!form) { return; }
          function guess(value) {
            if (/^\\d{1,3}(\\.\\d{1,3}){3}\\/\\d{1,2}$/.test(value) || /^[0-9a-f:]+\\/\\d{1,3}$/i.test(value)) { return "cidr"; }
            if (/^\\d{1,3}(\\.\\d{1,3}){3}$/.test(value) || (/^[0-9a-f:]+$/i.test(value) && value.indexOf(":") >= 0)) { return "ip"; }
            if (/^[a-z][a-z0-9+.-]*:\\/\\//i.test(value)) { return "url"; }
            if (/^[^@\\s]+@[^@\\s]+$/.test(value)) { return "email"; }
            if (/^\\+?[\\d\\s().-]{6,}$/.test(value)) { return "phone"; }
            if (/^(bc1|[13])[a-zA-HJ-NP-Z0-9]{20,}$/.test(value) || /^0x[0-9a-fA-F]{40}$/.test(value)) { return "wallet"; }
            return "domain";
          }
          function cell(row, text) { var td = row.insertCell(); td.textContent = text; return td; }
          // A file's lines join those typed: read into the box, where they can be looked over.
          form.elements.file.addEventListener("change", function () {
            var file = form.elements.file.files[0];
            if (!file) { return; }
            var reader = new FileReader();
            reader.onload = function () {
              var text = String(reader.result).replace(/^\\uFEFF/, "").replace(/\\r/g, "");
              var box = form.elements.values;
              box.value = (box.value.trim() ? box.value.replace(/\\s*$/, "\\n") : "") + text;
            };
            reader.readAsText(file);
          });
          form.addEventListener("submit", function (event) {
            event.preventDefault();
            var chosen = form.elements.kind.value;
            var lines = form.elements.values.value.split("\\n").map(function (line) { return line.trim(); }).filter(Boolean);
            var problem = form.querySelector(".form-problem");
            problem.hidden = true;
            var table = document.getElementById("results");
            var body = table.tBodies[0];
            body.textContent = "";
            if (!lines.length) {
              problem.textContent = "Paste at least one identifier, one a line.";
              problem.hidden = false;
              return;
            }
            var selectors = lines.map(function (line) {
              return { kind: chosen === "guess" ? guess(line) : chosen, value: line };
            });
            fetch("/api/v1/crosscheck", { method: "POST", credentials: "same-origin",
              headers: { "Content-Type": "application/json" }, body: JSON.stringify({ selectors: selectors }) })
              .then(function (response) {
                return response.json().then(function (data) { if (!response.ok) { throw data; } return data; });
              }).then(function (data) {
                data.results.forEach(function (result, index) {
                  var row = body.insertRow();
                  row.className = result.hit ? "hit" : "no-hit";
                  cell(row, selectors[index].value).dataset.label = "Identifier";
                  cell(row, selectors[index].kind).dataset.label = "Kind";
                  cell(row, result.hit ? "HIT" : "no hit").dataset.label = "Result";
                  var contacts = result.matches.map(function (match) {
                    return match.agency.name + " (" + match.agency.country + ")" +
                      (match.agency.contact ? ": " + match.agency.contact : "") + " — " + match.match.replace(/([A-Z])/g, " $1").toLowerCase();
                  });
                  if (result.commonHolders) { contacts.push("a common value, held by " + result.commonHolders + " operations"); }
                  cell(row, contacts.join("; ")).dataset.label = "Whom to contact";
                });
                table.hidden = false;
              }).catch(function (error) {
                var where = error.field ? " (" + error.field.replace(/^selectors\\[(\\d+)\\].*/, function (_, n) {
                  return "line " + (Number(n) + 1) + ": " + lines[Number(n)];
                }) + ")" : "";
                problem.textContent = (error.detail || "The check was refused.") + where;
                problem.hidden = false;
              });
          });
        })();
        """
}
