/* The shared behaviours, page side (server side: optout/sandbox/behaviours.py), for every platform.
 *
 * A page includes it (Jinja include of "_shared/behaviours.js") inside a <script> element, then calls
 * sandboxBehaviours.bindSetting(control, options) for each setting control:
 *   read()             -> Promise<boolean>: the stored value (see jsonApi for the {"value": bool} shape)
 *   write(value)       -> Promise<boolean>: the value the server answers with (the control then shows it)
 *   show(control, v)   optional: draw what else tells the state (a text, a track class...)
 *   error(kind)        optional: "save" or "load" failed; "" clears a shown error
 *   hydrate            "" (rendered value is true), "busy" (placeholder rendered aria-busy and disabled,
 *                      read at once) or "unmarked" (placeholder looks final, read hydrateAfterLoadMs after load)
 *   saveDelayMs        debounce: the save is sent this long after the last change, never marked busy
 * A checkbox <input> shows its state by `checked` and saves on "change"; any other control is a
 * button switch showing it by aria-checked and data-state ("checked"/"unchecked"), flipped on "click".
 * renderLate(slot, template, delayMs, then) puts a <template>'s content into a busy slot, late.
 */
var sandboxBehaviours = (function () {
  "use strict";

  function isCheckbox(control) {
    return control.tagName === "INPUT" && control.type === "checkbox";
  }

  function getValue(control) {
    return isCheckbox(control) ? control.checked : control.getAttribute("aria-checked") === "true";
  }

  function setValue(control, value) {
    if (isCheckbox(control)) {
      control.checked = value;
    } else {
      control.setAttribute("aria-checked", String(value));
      control.dataset.state = value ? "checked" : "unchecked";
    }
  }

  function markBusy(control, busy) {
    control.disabled = busy;
    if (busy) control.setAttribute("aria-busy", "true");
    else control.removeAttribute("aria-busy");
  }

  function afterLoad(delayMs, callback) {
    function later() { setTimeout(callback, delayMs); }
    if (document.readyState === "complete") later();
    else window.addEventListener("load", later);
  }

  /* read/write of a setting at `url` speaking {"value": true|false}; headers() gives e.g. the CSRF header. */
  function jsonApi(url, headers) {
    function call(init) {
      return fetch(url, Object.assign({credentials: "same-origin"}, init)).then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      }).then(function (data) {
        return data.value === true;
      });
    }
    return {
      read: function () { return call({headers: headers()}); },
      write: function (value) {
        return call({
          method: "POST",
          headers: Object.assign({"content-type": "application/json"}, headers()),
          body: JSON.stringify({value: value})
        });
      }
    };
  }

  function bindSetting(control, options) {
    var show = options.show || function () {};
    var error = options.error || function () {};
    var saveDelay = options.saveDelayMs || 0;
    var checkbox = isCheckbox(control);
    var pending = null;

    function display(value) {
      setValue(control, value);
      show(control, value);
    }

    function save(requested) {
      // A debounced page never shows a save in flight: the control stays enabled and not busy.
      if (!saveDelay) markBusy(control, true);
      error("");
      options.write(requested).then(function (answered) {
        // Controlled: the server's answer decides, so a refused change snaps back.
        display(answered);
      }).catch(function () {
        display(!requested);
        error("save");
      }).finally(function () {
        markBusy(control, false);
      });
    }

    function hydrate() {
      options.read().then(function (stored) {
        display(stored);
        markBusy(control, false);
      }).catch(function () {
        // The stored value is unknown: keep the control disabled rather than offer the placeholder.
        error("load");
        markBusy(control, false);
        control.disabled = true;
      });
    }

    control.addEventListener(checkbox ? "change" : "click", function () {
      if (!checkbox) setValue(control, !getValue(control));
      if (!saveDelay) {
        save(getValue(control));
        return;
      }
      // Debounced: the change looks done at once, and only the last one is sent, a little later.
      show(control, getValue(control));
      clearTimeout(pending);
      pending = setTimeout(function () { save(getValue(control)); }, saveDelay);
    });
    if (options.hydrate === "busy") hydrate();
    else if (options.hydrate === "unmarked") afterLoad(options.hydrateAfterLoadMs || 0, hydrate);
  }

  function renderLate(slot, template, delayMs, then) {
    setTimeout(function () {
      slot.replaceChildren(template.content.cloneNode(true));
      slot.removeAttribute("aria-busy");
      if (then) then(slot);
    }, delayMs);
  }

  return {bindSetting: bindSetting, jsonApi: jsonApi, renderLate: renderLate, afterLoad: afterLoad};
})();
