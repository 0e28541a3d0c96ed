/* Respondent pages, progressive enhancement only: everything works without this file.
   - moves focus to the error summary after a failed post
   - shows and hides questions live when their show_if depends on answers on the same page
   - counts characters in text fields (announced politely, not on every keystroke) */
(function () {
  "use strict";

  var summary = document.getElementById("error-summary-title");
  if (summary) { summary.focus(); }

  var form = document.getElementById("page-form");
  if (!form) { return; }

  var known = {};
  try { known = JSON.parse(form.getAttribute("data-known") || "{}"); } catch (e) { known = {}; }

  function num(v) { return /^-?\d+([.,]\d+)?$/.test(v) ? parseFloat(v.replace(",", ".")) : v; }

  function valueOf(code) {
    var inputs = form.querySelectorAll('[name="' + code + '"]');
    if (!inputs.length) { return known[code]; }
    var first = inputs[0];
    if (first.type === "checkbox") {
      var list = [];
      inputs.forEach(function (i) { if (i.checked) { list.push(num(i.value)); } });
      return list;
    }
    if (first.type === "radio") {
      for (var k = 0; k < inputs.length; k++) { if (inputs[k].checked) { return num(inputs[k].value); } }
      return null;
    }
    var v = first.value.trim();
    if (v === "") { return null; }
    return first.getAttribute("inputmode") ? num(v.replace(/\s/g, "")) : v;
  }

  function answered(v) { return v !== null && v !== undefined && v !== "" && !(Array.isArray(v) && !v.length); }

  function holds(c) {
    if (!c) { return true; }
    if (c.all) { return c.all.every(holds); }
    if (c.any) { return c.any.some(holds); }
    if (c.not) { return !holds(c.not); }
    var v = valueOf(c.item);
    if ("answered" in c) { return answered(v) === c.answered; }
    if (!answered(v)) { return false; }
    if ("contains" in c) { return Array.isArray(v) && v.indexOf(c.contains) >= 0; }
    if ("equals" in c) { return v === c.equals; }
    if ("in" in c) { return c["in"].indexOf(v) >= 0; }
    if ("not_in" in c) { return c.not_in.indexOf(v) < 0; }
    if (typeof v !== "number") { return false; }
    if ("gt" in c) { return v > c.gt; }
    if ("gte" in c) { return v >= c.gte; }
    if ("lt" in c) { return v < c.lt; }
    if ("lte" in c) { return v <= c.lte; }
    return false;
  }

  var conditional = form.querySelectorAll("[data-show-if]");
  function refresh() {
    conditional.forEach(function (el) {
      var cond = null;
      try { cond = JSON.parse(el.getAttribute("data-show-if")); } catch (e) { return; }
      el.hidden = !holds(cond);
    });
  }
  if (conditional.length) {
    form.addEventListener("change", refresh);
    form.addEventListener("input", refresh);
    refresh();
  }

  form.querySelectorAll(".char-count[data-limit]").forEach(function (counter) {
    var name = counter.id.slice(2);
    var field = document.getElementById("f-" + name);
    var live = document.getElementById("l-" + name);
    if (!field) { return; }
    var limit = parseInt(counter.getAttribute("data-limit"), 10);
    var timer = null;
    function message() {
      var left = limit - field.value.trim().length;
      var text = left >= 0 ? counter.getAttribute("data-left").replace("{n}", left)
                           : counter.getAttribute("data-over").replace("{n}", -left);
      counter.classList.toggle("over", left < 0);
      return text;
    }
    counter.textContent = message();
    field.addEventListener("input", function () {
      var text = message();
      counter.textContent = text;
      if (live) {
        clearTimeout(timer);
        timer = setTimeout(function () { live.textContent = text; }, 900);
      }
    });
  });
}());
