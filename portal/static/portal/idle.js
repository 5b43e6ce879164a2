// Before an idle session ends, say so and offer to stay signed in (a request extends it).
(function () {
  "use strict";
  var body = document.body;
  var warning = document.getElementById("idle-warning");
  var seconds = Number(body.getAttribute("data-session-seconds"));
  if (!warning || !seconds) {
    return;
  }
  var button = warning.querySelector("button");
  var warnAfter = Math.max(seconds - 120, 5) * 1000;
  var timer = null;
  function arm() {
    window.clearTimeout(timer);
    warning.hidden = true;
    timer = window.setTimeout(function () {
      warning.hidden = false;
      button.focus();
    }, warnAfter);
  }
  button.addEventListener("click", function () {
    fetch(body.getAttribute("data-keep-alive"), { credentials: "same-origin" }).then(arm);
  });
  arm();
})();
