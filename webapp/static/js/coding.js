// Keyboard shortcuts for the coding screen. The page works without this file (plain form POST).
//   1-9, 0      toggle the theme with that key
//   Enter       save and go to the next answer (Ctrl+Enter also from inside the memo)
//   j / k       next / previous answer
(function () {
  "use strict";
  var form = document.getElementById("coding-form");
  if (!form) { return; }
  var saveNext = document.getElementById("save-next");
  // The address always names the answer on the screen (also after a resubmitted or restored page).
  var canonical = document.querySelector('link[rel="canonical"]');
  if (canonical && window.history.replaceState) {
    var here = new URL(canonical.href, window.location.href);
    if (here.pathname + here.search !== window.location.pathname + window.location.search) {
      window.history.replaceState(null, "", here.pathname + here.search);
    }
  }

  function typing(el) {
    if (!el) { return false; }
    var tag = el.tagName;
    if (tag === "TEXTAREA" || tag === "SELECT" || el.isContentEditable) { return true; }
    return tag === "INPUT" && !/^(checkbox|radio|submit|button)$/i.test(el.type);
  }

  function submit() {
    if (form.requestSubmit) { form.requestSubmit(saveNext); } else { saveNext.click(); }
  }

  function go(id) {
    var link = document.getElementById(id);
    if (link) { window.location.href = link.href; }
  }

  document.addEventListener("keydown", function (event) {
    if (event.altKey || event.metaKey || event.isComposing) { return; }
    if (event.key === "Enter" && event.ctrlKey) {
      event.preventDefault();
      submit();
      return;
    }
    if (event.ctrlKey || typing(event.target)) { return; }
    if (event.key === "Enter") {
      var tag = event.target && event.target.tagName;
      if (tag === "A" || tag === "BUTTON" || tag === "SUMMARY") { return; }
      event.preventDefault();
      submit();
    } else if (/^[0-9]$/.test(event.key)) {
      var box = form.querySelector('input[type="checkbox"][data-key="' + event.key + '"]');
      if (box) {
        event.preventDefault();
        box.checked = !box.checked;
        box.dispatchEvent(new Event("change", { bubbles: true }));
      }
    } else if (event.key === "j") {
      event.preventDefault();
      go("next-link");
    } else if (event.key === "k") {
      event.preventDefault();
      go("prev-link");
    }
  });

  form.addEventListener("change", function (event) {
    var box = event.target;
    if (box && box.type === "checkbox") {
      var item = box.closest("li");
      if (item) { item.classList.toggle("on", box.checked); }
    }
  });
  Array.prototype.forEach.call(form.querySelectorAll('input[type="checkbox"]'), function (box) {
    var item = box.closest("li");
    if (item) { item.classList.toggle("on", box.checked); }
  });
  document.documentElement.classList.add("js-shortcuts");
}());
