(() => {
  "use strict";
  const boot = JSON.parse(document.getElementById("client-bootstrap").textContent);
  const t = boot.texts;
  const base = boot.base;

  if (!boot.signedIn) {
    signedOut();
    return;
  }

  // ----- signed out: NextAuth's signIn(): its CSRF token first, then a form POST that goes on to auth.openai.com -----

  function signedOut() {
    const csrf = fetch(base + boot.signIn.csrf, {credentials: "include"})
      .then((response) => response.json())
      .then((data) => data.csrfToken);
    const submit = async () => {
      const form = document.createElement("form");
      form.method = "post";
      form.action = base + boot.signIn.start;
      for (const [name, value] of [["csrfToken", await csrf], ["callbackUrl", base + "/"]]) {
        const input = document.createElement("input");
        input.type = "hidden";
        input.name = name;
        input.value = value;
        form.append(input);
      }
      document.body.append(form);
      form.submit();
    };
    const bind = (root) => {
      for (const button of root.querySelectorAll("[data-sign-in]")) button.addEventListener("click", submit);
    };
    bind(document);
    // The landing page renders its buttons only once the token is there: after load, as the real app.
    const slot = document.getElementById("landing-actions");
    if (!slot) return;
    csrf.then(() => {
      const actions = document.getElementById("tpl-landing-actions").content.firstElementChild.cloneNode(true);
      bind(actions);
      slot.replaceChildren(actions);
      slot.removeAttribute("aria-busy");
    });
  }

  const clone = (id) => document.getElementById(id).content.firstElementChild.cloneNode(true);

  // ----- server data: the access token from the session, then the settings (the backend wants the token) -----

  let token = null;
  async function accessToken() {
    if (token) return token;
    const response = await fetch(base + "/api/auth/session", {credentials: "include"});
    const data = response.ok ? await response.json() : {};
    if (!data.accessToken) throw new Error("no session");
    token = data.accessToken;
    return token;
  }
  async function api(method, path) {
    const headers = {authorization: "Bearer " + (await accessToken())};
    const response = await fetch(base + path, {method, headers, credentials: "include"});
    if (!response.ok) throw new Error(method + " " + path + ": HTTP " + response.status);
    return response.json();
  }
  let settings = null;
  const settingsLoaded = api("GET", boot.api.settings).then((data) => {
    settings = data.settings;
    return settings;
  });
  settingsLoaded.catch(() => {});

  // ----- layers (menu, dialogs, tour): like Radix, everything outside the top one is hidden and inert -----

  const layers = [];
  const topLayer = () => layers[layers.length - 1];
  function hideOthers() {
    const top = topLayer();
    for (const child of document.body.children) {
      if (child.matches("script, template, [aria-live]")) continue;
      if (top && child !== top.root) child.setAttribute("aria-hidden", "true");
      else child.removeAttribute("aria-hidden");
    }
    // Radix's modal layers disable pointer events outside themselves.
    document.body.style.pointerEvents = top ? "none" : "";
  }
  function openLayer(root, content, options = {}) {
    const layer = {root, content, dismissable: options.dismissable !== false, onClose: options.onClose, focusBack: document.activeElement};
    root.style.pointerEvents = "auto";
    document.body.append(root);
    layers.push(layer);
    hideOthers();
    return layer;
  }
  function closeLayer(layer) {
    const index = layers.indexOf(layer);
    if (index < 0) return;
    // Closing a layer closes what was opened over it, except a tour, which lives on its own.
    for (const above of layers.slice(index + 1).reverse()) {
      if (!above.tour) closeLayer(above);
    }
    layers.splice(layers.indexOf(layer), 1);
    layer.root.remove();
    hideOthers();
    if (layer.onClose) layer.onClose();
    if (layer.focusBack && document.contains(layer.focusBack)) layer.focusBack.focus();
  }
  document.addEventListener("pointerdown", (event) => {
    const top = topLayer();
    if (top && top.dismissable && !top.content.contains(event.target)) closeLayer(top);
  }, true);
  document.addEventListener("keydown", (event) => {
    const top = topLayer();
    if (event.key === "Escape" && top) {
      event.preventDefault();
      closeLayer(top);
    }
  });

  function toast(message) {
    const note = document.createElement("div");
    note.className = "toast";
    note.setAttribute("role", "alert");
    note.textContent = message;
    document.getElementById("toaster").append(note);
    setTimeout(() => note.remove(), 8000);
  }

  // ----- showing and changing settings: the page shows what the server answered, never what was asked -----

  function show(element, value) {
    if (element.getAttribute("role") === "switch") element.setAttribute("aria-checked", String(value));
    element.dataset.state = value ? "checked" : "unchecked";
    const thumb = element.querySelector(".thumb");
    if (thumb) thumb.dataset.state = element.dataset.state;
  }
  function refresh() {
    if (!settings) return;
    for (const element of document.querySelectorAll("[data-key]")) show(element, settings[element.dataset.key] === true);
    for (const element of document.querySelectorAll("[data-state-of]")) {
      element.textContent = settings[element.dataset.stateOf] === true ? t.on : t.off;
    }
  }
  function bindToggles(root) {
    for (const element of root.querySelectorAll("[data-key]")) {
      element.addEventListener("click", () => {
        const key = element.dataset.key;
        const requested = element.dataset.state !== "checked";
        api("PATCH", boot.api.write + "?feature=" + encodeURIComponent(key) + "&value=" + requested)
          .then((data) => {
            settings[key] = data.value === true;
            refresh();
            if (key === boot.trainingKey) tourComesBack();
          })
          .catch(() => toast(t.save_error));
      });
    }
  }

  // ----- account menu (Radix DropdownMenu) -----

  const trigger = document.querySelector('[data-testid="accounts-profile-button"]');
  let menu = null;
  function openMenu(focusFirst) {
    if (menu) return;
    const root = clone("tpl-menu");
    const content = root.querySelector('[role="menu"]');
    content.setAttribute("aria-labelledby", trigger.id);
    const rect = trigger.getBoundingClientRect();
    root.style.left = rect.left + "px";
    root.style.bottom = window.innerHeight - rect.top + 6 + "px";
    menu = openLayer(root, content, {
      onClose: () => {
        menu = null;
        trigger.setAttribute("aria-expanded", "false");
        trigger.dataset.state = "closed";
      },
    });
    trigger.setAttribute("aria-expanded", "true");
    trigger.dataset.state = "open";
    const items = [...content.querySelectorAll('[role="menuitem"]')];
    for (const item of items) {
      item.addEventListener("click", () => {
        closeLayer(menu);
        choose(item.dataset.action);
      });
      item.addEventListener("pointermove", () => item.focus());
    }
    content.addEventListener("keydown", (event) => {
      const at = items.indexOf(document.activeElement);
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        const step = event.key === "ArrowDown" ? 1 : -1;
        items[(at + step + items.length) % items.length].focus();
      } else if ((event.key === "Enter" || event.key === " ") && at >= 0) {
        event.preventDefault();
        items[at].click();
      }
    });
    if (focusFirst) items[0].focus();
    else content.focus();
  }
  trigger.addEventListener("pointerdown", (event) => {
    if (event.button !== 0 || event.ctrlKey) return;
    if (menu) {
      closeLayer(menu);
    } else {
      openMenu(false);
      event.preventDefault(); // keeps focus on the menu, as Radix does
    }
  });
  trigger.addEventListener("keydown", (event) => {
    if (["Enter", " ", "ArrowDown"].includes(event.key)) {
      event.preventDefault();
      openMenu(true);
    }
  });
  function choose(action) {
    if (action === "settings") location.hash = "#settings/General";
    else if (action === "personalization") location.hash = "#settings/Personalization";
    else if (action === "log-out") logOut();
  }
  async function logOut() {
    try {
      await api("POST", "/api/auth/signout");
    } finally {
      location.assign(base + "/");
    }
  }

  // ----- settings dialog, routed by the hash (#settings/DataControls) -----

  let settingsLayer = null;
  let activeTab = null;
  function openSettings(tab) {
    if (!settingsLayer) {
      const root = clone("tpl-settings");
      const dialog = root.querySelector('[role="dialog"]');
      settingsLayer = openLayer(root, dialog, {
        onClose: () => {
          settingsLayer = null;
          activeTab = null;
          if (location.hash) history.replaceState(null, "", location.pathname + location.search);
        },
      });
      dialog.querySelector('[data-testid="close-button"]').addEventListener("click", () => closeLayer(settingsLayer));
      const tabs = [...dialog.querySelectorAll('[role="tab"]')];
      for (const tabButton of tabs) {
        // Radix Tabs: a primary mousedown activates, and so does focus (keyboard); a bare click() does not.
        tabButton.addEventListener("mousedown", (event) => {
          if (event.button === 0 && !event.ctrlKey) activate(tabButton.dataset.tab);
          else event.preventDefault();
        });
        tabButton.addEventListener("focus", () => activate(tabButton.dataset.tab));
        tabButton.addEventListener("keydown", (event) => {
          if (event.key !== "ArrowDown" && event.key !== "ArrowUp") return;
          event.preventDefault();
          const at = tabs.indexOf(tabButton);
          tabs[(at + (event.key === "ArrowDown" ? 1 : -1) + tabs.length) % tabs.length].focus();
        });
      }
      dialog.focus();
    }
    activate(tab);
  }
  function activate(tab) {
    if (!settingsLayer || activeTab === tab) return;
    activeTab = tab;
    const dialog = settingsLayer.content;
    for (const tabButton of dialog.querySelectorAll('[role="tab"]')) {
      const selected = tabButton.dataset.tab === tab;
      tabButton.setAttribute("aria-selected", String(selected));
      tabButton.dataset.state = selected ? "active" : "inactive";
      tabButton.tabIndex = selected ? 0 : -1;
    }
    for (const panel of dialog.querySelectorAll('[role="tabpanel"]')) {
      const selected = panel.dataset.tab === tab;
      panel.dataset.state = selected ? "active" : "inactive";
      panel.hidden = !selected;
      panel.replaceChildren();
      if (selected) mountPane(panel, tab);
    }
    history.replaceState(null, "", "#settings/" + tab);
  }
  function mountPane(panel, tab) {
    const pane = clone("tpl-pane-" + tab);
    const render = () => {
      panel.replaceChildren(pane);
      refresh();
      bindToggles(pane);
      for (const row of pane.querySelectorAll("[data-row]")) {
        row.addEventListener("click", () => openRowDialog(row.dataset.row));
      }
    };
    if (!pane.hasAttribute("data-needs-settings") || settings) {
      render();
      return;
    }
    panel.replaceChildren(clone("tpl-loading"));
    settingsLoaded.then(
      () => {
        if (panel.isConnected && activeTab === tab) render();
      },
      () => {
        const error = document.createElement("p");
        error.setAttribute("role", "alert");
        error.textContent = t.load_error;
        panel.replaceChildren(error);
      },
    );
  }
  function openRowDialog(name) {
    const root = clone("tpl-dialog-" + name);
    const dialog = root.querySelector('[role="dialog"]');
    const layer = openLayer(root, dialog);
    refresh();
    bindToggles(dialog);
    dialog.querySelector('[data-action="done"]').addEventListener("click", () => closeLayer(layer));
    (dialog.querySelector('[role="switch"]') || dialog).focus();
  }
  function route() {
    const match = /^#settings(?:\/(\w+))?$/.exec(location.hash);
    if (match) openSettings(boot.tabs.includes(match[1]) ? match[1] : "General");
    else if (settingsLayer) closeLayer(settingsLayer);
  }
  window.addEventListener("hashchange", route);
  route();

  // ----- first-run product tour: covers the app until dismissed, and comes back once after the switch -----

  const TOUR_SEEN = "oai/apps/hasSeenOnboarding";
  const TOUR_REPLAYED = "oai/apps/hasSeenOnboardingReplay";
  let tour = null;
  function showTour() {
    if (!boot.tour || tour) return;
    const root = clone("tpl-tour");
    const dialog = root.querySelector('[role="dialog"]');
    tour = openLayer(root, dialog, {
      dismissable: false,
      onClose: () => {
        tour = null;
        localStorage.setItem(TOUR_SEEN, "true");
      },
    });
    tour.tour = true;
    let step = 1;
    const next = dialog.querySelector('[data-action="tour-next"]');
    const showStep = () => {
      for (const element of dialog.querySelectorAll("[data-step-1]")) element.textContent = element.getAttribute("data-step-" + step);
      dialog.querySelector("[data-step-number]").textContent = String(step);
    };
    next.addEventListener("click", () => {
      if (step === 2) closeLayer(tour);
      else {
        step = 2;
        showStep();
      }
    });
    for (const action of ["tour-skip", "tour-close"]) {
      dialog.querySelector('[data-action="' + action + '"]').addEventListener("click", () => closeLayer(tour));
    }
    dialog.focus();
  }
  function tourComesBack() {
    if (!boot.tour || localStorage.getItem(TOUR_REPLAYED)) return;
    localStorage.setItem(TOUR_REPLAYED, "true");
    showTour();
  }
  if (boot.tour && !localStorage.getItem(TOUR_SEEN)) showTour();
})();
