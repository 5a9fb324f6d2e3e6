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

  // "{name}" in data-confirm is replaced by what the form will send for that field: a select's
  // chosen option, checked boxes' labels ("none"), a single checkbox "yes"/"no", else its value.
  function fieldText(form, name) {
    var fields = form.querySelectorAll('[name="' + name + '"]');
    if (!fields.length) return "";
    var first = fields[0];
    if (first.tagName === "SELECT") {
      return first.selectedIndex >= 0 ? first.options[first.selectedIndex].text : "";
    }
    if (first.type === "checkbox" && fields.length === 1 && first.value === "on") {
      return first.checked ? "yes" : "no";
    }
    if (first.type === "checkbox" || first.type === "radio") {
      var chosen = [];
      fields.forEach(function (box) {
        if (!box.checked) return;
        var label = form.querySelector('label[for="' + box.id + '"]');
        chosen.push(label ? label.textContent.trim() : box.value);
      });
      return chosen.length ? chosen.join(", ") : "none";
    }
    return first.value;
  }

  function confirmText(form) {
    return form.dataset.confirm.replace(/\{(\w+)\}/g, function (_, name) {
      return fieldText(form, name);
    });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.dataset || !form.dataset.confirm || form.dataset.confirmed === "yes") return;
    event.preventDefault();
    // Validate first: the dialog confirms a request that can be sent, never a wrong one.
    if (!form.checkValidity()) { form.reportValidity(); return; }
    var submitter = event.submitter;
    confirmDialog(confirmText(form), function () {
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
