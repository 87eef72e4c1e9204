// The token shell: asks for a read token, keeps it in this tab's
// sessionStorage (never a cookie or the URL) and loads the overview
// fragment with it as a bearer header.
(function () {
  "use strict";
  var KEY = "runway.token";
  var form = document.getElementById("token-form");
  var input = document.getElementById("token-input");
  var forget = document.getElementById("token-forget");
  var message = document.getElementById("token-message");
  var out = document.getElementById("overview-data");

  function say(text) { message.textContent = text; }

  function signedOut(text) {
    sessionStorage.removeItem(KEY);
    out.replaceChildren();
    form.hidden = false;
    forget.hidden = true;
    say(text);
  }

  function load(token) {
    say("Loading…");
    fetch("ui/overview", { headers: { Authorization: "Bearer " + token }, credentials: "omit", cache: "no-store" })
      .then(function (resp) {
        if (resp.status === 401) {
          signedOut("The server refused that token (401). Enter a token with the read scope.");
          return;
        }
        if (!resp.ok) {
          say("The overview could not be loaded: HTTP " + resp.status + ". Try again later.");
          return;
        }
        return resp.text().then(function (html) {
          out.innerHTML = html;
          form.hidden = true;
          forget.hidden = false;
          say("");
        });
      })
      .catch(function (err) { say("The overview could not be loaded: " + err.message); });
  }

  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var token = input.value.trim();
    input.value = "";
    if (token) {
      sessionStorage.setItem(KEY, token);
      load(token);
    }
  });
  forget.addEventListener("click", function () { signedOut("Token forgotten."); });

  var saved = sessionStorage.getItem(KEY);
  if (saved) {
    load(saved);
  }
})();
