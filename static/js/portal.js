// Small progressive enhancements: the mobile menu and confirmation dialogs for destructive forms.
(function () {
  "use strict";

  document.addEventListener("click", function (event) {
    var toggle = event.target.closest(".nav-toggle");
    if (!toggle) return;
    var nav = document.getElementById(toggle.getAttribute("aria-controls"));
    var open = nav.classList.toggle("open");
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
  });

  // <form data-confirm="Suspend X?"> opens an accessible <dialog> before submitting.
  // Without JavaScript the server still asks: destructive views show a confirmation page.
  function confirmDialog(text, onYes) {
    var dialog = document.createElement("dialog");
    dialog.setAttribute("aria-labelledby", "confirm-title");
    dialog.innerHTML =
      '<h2 id="confirm-title">Please confirm</h2><p class="confirm-text"></p>' +
      '<div class="actions"><button type="button" class="danger" data-yes>Yes, go ahead</button>' +
      '<button type="button" class="secondary" data-no>Go back</button></div>';
    dialog.querySelector(".confirm-text").textContent = text;
    document.body.appendChild(dialog);
    dialog.addEventListener("close", function () { dialog.remove(); });
    dialog.querySelector("[data-no]").addEventListener("click", function () { dialog.close(); });
    dialog.querySelector("[data-yes]").addEventListener("click", function () { dialog.close(); onYes(); });
    dialog.showModal();
    dialog.querySelector("[data-no]").focus();
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.dataset || !form.dataset.confirm || form.dataset.confirmed === "yes") return;
    event.preventDefault();
    // Validate first: the dialog confirms a request that can be sent, never a wrong one.
    if (!form.checkValidity()) { form.reportValidity(); return; }
    var submitter = event.submitter;
    confirmDialog(form.dataset.confirm, function () {
      form.dataset.confirmed = "yes";
      if (submitter && submitter.name) {
        var hidden = document.createElement("input");
        hidden.type = "hidden"; hidden.name = submitter.name; hidden.value = submitter.value;
        form.appendChild(hidden);
      }
      form.requestSubmit ? form.requestSubmit() : form.submit();
    });
  }, true);
})();
