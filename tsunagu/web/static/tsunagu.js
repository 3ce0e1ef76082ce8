// Suggestions as you type: fills the municipality field's <datalist> from /places.json (same origin,
// cached by the browser). Without it the form still works; names are set as text, never as markup.
document.addEventListener("DOMContentLoaded", function () {
  var lists = document.querySelectorAll("datalist[data-source]");
  if (!lists.length) { return; }
  fetch(lists[0].getAttribute("data-source")).then(function (response) {
    return response.ok ? response.json() : [];
  }).then(function (places) {
    lists.forEach(function (list) {
      var fragment = document.createDocumentFragment();
      places.forEach(function (place) {
        var option = document.createElement("option");
        option.value = place[0];
        option.textContent = place[1];
        fragment.appendChild(option);
      });
      list.appendChild(fragment);
      list.setAttribute("data-ready", "true");
    });
  });
});

// 「もしかして」 on the referral form's error page: a suggested place is a link that only fills the form
// (GET, so the age and needs never enter a URL). Here it sends the refilled form below with that place
// instead, by POST as the form always is: one click to the answer.
document.addEventListener("DOMContentLoaded", function () {
  var form = document.querySelector("form.refer");
  var links = document.querySelectorAll("a[data-municipality]");
  if (!form || !links.length) { return; }
  var hint = document.getElementById("suggestion-hint");
  if (hint) { hint.hidden = false; }
  links.forEach(function (link) {
    link.addEventListener("click", function (event) {
      event.preventDefault();
      form.elements.municipality.value = link.getAttribute("data-municipality");
      if (form.requestSubmit) { form.requestSubmit(); } else { form.submit(); }
    });
  });
});

// A wide table that the page's markup did not put in a scrolling box of its own scrolls by itself on a
// narrow screen (tsunagu.css); while it does, it takes the keyboard's focus so that it can be scrolled
// without a mouse.
(function () {
  function reachable() {
    document.querySelectorAll("main table").forEach(function (table) {
      if (table.closest(".scroll")) { return; }
      if (table.scrollWidth > table.clientWidth + 1) {
        table.tabIndex = 0;
        table.setAttribute("data-scrolls", "true");
      } else if (table.getAttribute("data-scrolls")) {
        table.removeAttribute("tabindex");
        table.removeAttribute("data-scrolls");
      }
    });
  }
  document.addEventListener("DOMContentLoaded", reachable);
  window.addEventListener("resize", reachable);
})();
