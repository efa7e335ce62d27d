// The content studio's one script of its own (htmx does the rest). After the side-by-side chat
// sends a message, the box is emptied and keeps the focus, so a person can type the next one.
(function () {
  "use strict";
  document.addEventListener("htmx:afterRequest", function (event) {
    var form = event.detail.elt;
    if (form && form.id === "chat-form" && event.detail.successful) {
      var box = form.querySelector("input[name=message]");
      box.value = "";
      box.focus();
    }
  });
})();
