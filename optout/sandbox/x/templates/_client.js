// What every page's script shares: X's API headers (ct0 sent back as x-csrf-token) and toasts.
window.xClient = (function () {
  function csrfToken() {
    var match = document.cookie.match(/(?:^|;\s*)ct0=([^;]*)/);
    return match ? decodeURIComponent(match[1]) : "";
  }
  function headers(config) {
    return {
      "content-type": "application/json",
      "authorization": "Bearer " + config.bearer,
      "x-csrf-token": csrfToken(),
      "x-twitter-active-user": "yes",
      "x-twitter-client-language": config.lang
    };
  }
  function call(config, method, url, body) {
    return fetch(url, {
      method: method,
      credentials: "include",
      headers: headers(config),
      body: body === undefined ? undefined : JSON.stringify(body)
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        return {ok: response.ok, status: response.status, data: data};
      });
    });
  }
  function clearToast() {
    document.querySelectorAll('#layers [data-testid="toast"]').forEach(function (toast) { toast.remove(); });
  }
  function toast(message) {
    // [unverified] how long a real toast stays: this one stays until the next action replaces it.
    clearToast();
    var element = document.createElement("div");
    element.className = "toast";
    element.setAttribute("role", "alert");
    element.dataset.testid = "toast";
    var text = document.createElement("span");
    text.textContent = message;
    element.appendChild(text);
    document.getElementById("layers").appendChild(element);
  }
  return {call: call, toast: toast, clearToast: clearToast};
})();
