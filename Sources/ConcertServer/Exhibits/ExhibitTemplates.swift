extension Templates {
    /// The exhibit register, an exhibit with its chain of custody, the form that records an
    /// exhibit, and the printable custody report.
    static let exhibitSources: [String: String] = [
        "exhibits": """
        <p class="crumbs"><a href="/operations/{{operationId}}">{{codeName}}</a> › Exhibits</p>
        <h1>{{codeName}} — exhibits</h1>
        <section class="counters" aria-label="Exhibit counts">
          <div class="counter"><span id="exhibit-total">{{counts.total}}</span> {{exhibitsWord}}</div>
          <div class="counter"><span id="exhibit-transit">{{counts.inTransit}}</span> in transit</div>
          <div class="counter{{#mismatchAlarm}} alarm{{/mismatchAlarm}}"><span id="exhibit-mismatches">{{counts.hashMismatches}}</span> {{mismatchesWord}}</div>
          <div class="counter">{{kindsInWords}}</div>
        </section>
        {{^showExhibits}}<p class="notice">As an observer you follow the exhibits as counts; the register is for the agencies that hold intelligence.</p>{{/showExhibits}}
        {{#showExhibits}}
        <p>{{#canRecord}}<a class="button" href="/operations/{{operationId}}/exhibits/new">Record an exhibit</a> {{/canRecord}}<a href="/operations/{{operationId}}/exhibits/report">Custody report of what your agency holds</a> · <a href="/api/v1/operations/{{operationId}}/exhibits/case">as CASE/UCO JSON-LD</a></p>
        <form class="filter inline" method="get" action="/operations/{{operationId}}/exhibits" role="search" aria-label="Filter the exhibits">
          <label>Seized by <select name="agency"><option value="">Any agency</option>{{#agencies}}<option value="{{id}}"{{#seizing}} selected{{/seizing}}>{{name}}</option>{{/agencies}}</select></label>
          <label>Kind <select name="kind"><option value="">All kinds</option>{{#kinds}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/kinds}}</select></label>
          <label>Held by <select name="holder"><option value="">Any agency</option>{{#agencies}}<option value="{{id}}"{{#holding}} selected{{/holding}}>{{name}}</option>{{/agencies}}</select></label>
          <label>In transit <select name="inTransit"><option value="">Either</option><option value="true"{{#transitTrue}} selected{{/transitTrue}}>In transit</option><option value="false"{{#transitFalse}} selected{{/transitFalse}}>Not in transit</option></select></label>
          <button type="submit">Filter</button>
        </form>
        <p class="muted" id="exhibit-count">{{matching}} exhibit{{^oneMatching}}s{{/oneMatching}} you may see{{#filtered}} match{{^oneMatching}}{{/oneMatching}}{{/filtered}}.{{#next}} <a href="{{next}}">Next page</a>{{/next}}</p>
        {{#hasExhibits}}
        {{{exhibitTable}}}
        {{/hasExhibits}}
        {{/showExhibits}}
        """,
        "exhibit": """
        <p class="crumbs"><a href="/operations/{{operationId}}">{{codeName}}</a> › <a href="/operations/{{operationId}}/exhibits">Exhibits</a> › {{number}}</p>
        <h1>Exhibit {{number}}: {{kind}}</h1>
        {{#mismatch}}<p class="hold-banner" role="alert">HASH MISMATCH: a re-check at custody entry {{mismatchStep}} did not match the hash recorded at seizure.</p>{{/mismatch}}
        {{#transit}}<p class="notice" role="status">In transit from {{from}} to {{to}}{{#person}} ({{person}}){{/person}} since {{sinceUTC}} UTC, until {{to}} confirms receipt.</p>{{/transit}}
        {{#disposal}}<p class="notice">{{disposal}}: this exhibit has left custody.</p>{{/disposal}}
        <dl class="facts card">
          <dt>Description</dt><dd>{{description}}</dd>
          <dt>Seized</dt><dd>by {{seizingAgency}} ({{seizedBy}}) on {{seizedUTC}} UTC, {{seizedLocal}}{{#place}}, at {{place}}{{/place}} ({{country}})</dd>
          <dt>Action</dt><dd>{{actionTitle}}</dd>
          {{#instrument}}<dt>Legal basis</dt><dd>{{instrument}}</dd>{{/instrument}}
          {{#parent}}<dt>Derived from</dt><dd><a href="/operations/{{operationId}}/exhibits/{{parentId}}">{{parent}}</a></dd>{{/parent}}
          <dt>Held by</dt><dd>{{holder}}</dd>
          <dt>Hashes</dt><dd>{{^hashes}}none recorded{{/hashes}}{{#hashes}}<code class="hash">{{algorithm}} {{value}}</code><br>{{/hashes}}</dd>
          {{#size}}<dt>Size</dt><dd>{{size}}</dd>{{/size}}
          {{#tool}}<dt>Imaging tool</dt><dd>{{tool}}</dd>{{/tool}}
          <dt>Handling</dt><dd>{{handling}} · evaluation {{evaluation}} · {{distribution}}</dd>
        </dl>
        <p><a href="/operations/{{operationId}}/exhibits/{{id}}/report">Print the chain of custody</a> · <a href="/api/v1/operations/{{operationId}}/exhibits/{{id}}/case">CASE/UCO JSON-LD</a>{{#canDerive}} · <a href="/operations/{{operationId}}/exhibits/new?action={{actionId}}&amp;parent={{id}}">Record an exhibit derived from it</a>{{/canDerive}}</p>
        <h2>Chain of custody</h2>
        <ol class="custody">
          {{#entries}}
          <li id="entry-{{id}}" class="{{kindClass}}">
            <p><strong>{{step}}. {{label}}</strong> · {{recordedUTC}} UTC · {{agency}}</p>
            {{#details}}<p>{{.}}</p>{{/details}}
            {{#check}}<p class="{{#bad}}error{{/bad}}">Hash re-checked ({{algorithm}}): {{result}}</p>{{/check}}
            {{#correctedBy}}<p class="muted">Corrected by entry {{.}}.</p>{{/correctedBy}}
          </li>
          {{/entries}}
        </ol>
        {{#canReceive}}
        <form class="card form" data-api="/api/v1/operations/{{operationId}}/exhibits/{{id}}/custody/{{transitEntryId}}/receipt" data-then="reload">
          <h2>Confirm receipt</h2>
          <p class="muted">Confirm that your agency has the exhibit in hand. If you computed its hash again, give it: Concert compares it with the one recorded.</p>
          {{> hash-check}}
          <label>Note <span class="muted">(optional)</span> <input name="note" maxlength="4000" data-optional></label>
          {{> form-problem}}
          <button type="submit" class="primary">Confirm receipt</button>
        </form>
        {{/canReceive}}
        {{#canAdd}}
        <form class="card form" data-api="/api/v1/operations/{{operationId}}/exhibits/{{id}}/custody" data-then="reload">
          <h2>Add to the chain of custody</h2>
          <p class="muted">Entries are never changed or removed: to put one right, add a correction that names it.</p>
          <label>What happened <select name="kind">{{#custodyKinds}}<option value="{{value}}">{{label}}</option>{{/custodyKinds}}</select></label>
          <label>Note: what was done, by whom <input name="note" maxlength="4000" data-optional></label>
          <div class="inline">
            <label>Seal number <span class="muted">(sealing)</span> <input name="sealNumber" maxlength="100" data-optional></label>
            <label class="grow">Where it is kept <span class="muted">(storage)</span> <input name="location" maxlength="300" data-optional></label>
          </div>
          <div class="inline">
            <label>To agency <span class="muted">(hand-over)</span> <select name="toAgencyId" data-optional><option value="">—</option>{{#receivers}}<option value="{{id}}">{{name}}</option>{{/receivers}}</select></label>
            <label class="grow">To person <span class="muted">(optional)</span> <input name="toPerson" maxlength="200" data-optional></label>
          </div>
          <div class="inline">
            <label>Legal instrument <span class="muted">(sent abroad)</span> <select name="legalInstrumentId" data-optional><option value="">—</option>{{#instruments}}<option value="{{id}}">{{label}}</option>{{/instruments}}</select></label>
            <label>Corrects entry <span class="muted">(correction)</span> <select name="corrects" data-optional><option value="">—</option>{{#correctable}}<option value="{{id}}">{{step}}. {{label}}</option>{{/correctable}}</select></label>
          </div>
          {{> hash-check}}
          {{> form-problem}}
          <button type="submit" class="primary">Add the entry</button>
        </form>
        {{/canAdd}}
        <script src="/static/forms.js"></script>
        """,
        "hash-check": """
        <div class="inline">
          <label>Hash re-checked <span class="muted">(optional)</span> <select name="hashCheck.algorithm" data-optional><option value="">not re-checked</option>{{#algorithms}}<option value="{{.}}">{{.}}</option>{{/algorithms}}</select></label>
          <label class="grow">Value computed <input name="hashCheck.value" maxlength="128" spellcheck="false" autocomplete="off" data-optional></label>
        </div>
        """,
        "exhibit-form": """
        <p class="crumbs"><a href="/operations/{{operationId}}">{{codeName}}</a> › <a href="/operations/{{operationId}}/exhibits">Exhibits</a> › Record an exhibit</p>
        <h1>Record an exhibit</h1>
        {{^hasActions}}<p class="notice">No action of your agency has gone ahead yet: exhibits are recorded from an action in progress or finished.</p>{{/hasActions}}
        {{#hasActions}}
        <form class="card form wide" data-api="/api/v1/operations/{{operationId}}/exhibits" data-then="/operations/{{operationId}}/exhibits/{id}">
          <label>Seized in <select name="actionId">{{#actions}}<option value="{{id}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/actions}}</select></label>
          {{#parentNumber}}<p>Derived from exhibit <strong>{{parentNumber}}</strong>.</p><input type="hidden" name="parentExhibitId" value="{{parentId}}">{{/parentNumber}}
          <div class="inline">
            <label>Kind <select name="kind">{{#kinds}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/kinds}}</select></label>
            <label>Exhibit number <span class="muted">(optional: Concert gives the next)</span> <input name="exhibitNumber" maxlength="40" data-optional></label>
          </div>
          <label>Description <input name="description" maxlength="2000" autocomplete="off"></label>
          <fieldset data-type="hashes" data-name="hashes" data-field="hashes">
            <legend>Hashes of its data <span class="muted">(optional: as the forensic tool printed them)</span></legend>
            {{#algorithms}}<label>{{.}} <input data-algorithm="{{.}}" maxlength="128" spellcheck="false" autocomplete="off"></label>{{/algorithms}}
          </fieldset>
          <div class="inline">
            <label>Size in bytes <span class="muted">(optional)</span> <input name="sizeBytes" type="number" min="0" step="1" data-type="int" data-optional></label>
            <label class="grow">Imaging tool <span class="muted">(optional)</span> <input name="imagingTool" maxlength="300" data-optional></label>
          </div>
          {{> record-handling}}
          {{> form-problem}}
          <button type="submit" class="primary">Record the exhibit</button>
        </form>
        {{/hasActions}}
        <script src="/static/forms.js"></script>
        """,
        "custody-report": """
        <p class="crumbs no-print"><a href="/operations/{{operationId}}/exhibits">Exhibits</a> · <button type="button" data-print>Print</button></p>
        <h1>Chain of custody — {{heading}}</h1>
        <p class="muted">Operation {{codeName}} · report made {{madeUTC}} UTC by {{userName}} ({{agencyName}}) · every entry below is an event of Concert's hash-chained log.</p>
        {{^exhibits}}<p>Your agency holds no exhibit in this operation.</p>{{/exhibits}}
        {{#exhibits}}
        <section class="report-exhibit">
          <h2>Exhibit {{number}}: {{kind}}</h2>
          {{#mismatch}}<p class="error"><strong>Hash mismatch</strong> at custody entry {{mismatchStep}}.</p>{{/mismatch}}
          <p>{{description}}</p>
          <p>Seized by {{seizingAgency}} on {{seizedUTC}} UTC ({{seizedLocal}}){{#place}} at {{place}}{{/place}}, {{country}}{{#instrument}}, under {{instrument}}{{/instrument}}. Held by {{holder}}.{{#parent}} Derived from {{parent}}.{{/parent}}</p>
          {{#hasHashes}}<p>Hashes: {{#hashes}}<code class="hash">{{algorithm}} {{value}}</code> {{/hashes}}</p>{{/hasHashes}}
          <table class="custody-table stack">
            <thead><tr><th>#</th><th>When (UTC)</th><th>What</th><th>Agency</th><th>Details</th></tr></thead>
            <tbody>{{#entries}}<tr><td data-label="#">{{step}}</td><td data-label="When (UTC)">{{recordedUTC}}</td><td data-label="What">{{label}}</td><td data-label="Agency">{{agency}}</td><td data-label="Details">{{#details}}{{.}}<br>{{/details}}{{#check}}Hash {{algorithm}}: {{result}}{{/check}}</td></tr>{{/entries}}</tbody>
          </table>
        </section>
        {{/exhibits}}
        """,
    ]
}
